import SpotlightModel

extension Checkpoint {
    /// Restores a search on `problem` from the checkpoint at `path`; the problem must be the one
    /// the checkpoint was made on (same graph, cluster, op and device counts). The search runs over
    /// the checkpoint's own stages (`stage_of`), which a warm start may have refined.
    public static func load(_ path: String, problem base: PlacementProblem) throws(InputError)
        -> Optimizer
    {
        var reader = CheckpointReader(file: path)
        let root = try reader.root(FileIO.readJSON(path))
        try reader.checkMade(for: base, root: root)
        let problem = try reader.stages(root, base: base)
        let (settings, stateFields) = try reader.sections(root)
        let configuration = try reader.configuration(settings)
        var optimizer = Optimizer(problem: problem, configuration: configuration)
        guard CheckpointReader.whole(reader.number(root, "stages")) == optimizer.inputs.stageCount
        else {
            throw InputError(
                file: path, path: "$.stages",
                message:
                    "the checkpoint was made with another stage grouping (use the same --stages)")
        }
        optimizer.state = try reader.state(stateFields, of: optimizer)
        // Not saved: the best placement that obeys the pins starts again from the overall best.
        optimizer.resetPinnedBest()
        return optimizer
    }
}

/// Reads a checkpoint's fields, collecting every problem in `log` (file, JSON path, reason).
struct CheckpointReader {
    let file: String
    var log: DiagnosticLog

    init(file: String) {
        self.file = file
        log = DiagnosticLog(file: file)
    }

    // MARK: - Fields

    mutating func number(_ reader: FieldReader, _ key: String) -> Double {
        guard case .number(let value)? = reader[key] else {
            log.add(reader.memberPath(key), "expected a number")
            return 0
        }
        return value
    }

    /// Setting `key` as a Boolean: false when the checkpoint is from before the setting existed
    /// (its run did without it); any other value is logged.
    mutating func flag(_ settings: FieldReader, _ key: String) -> Bool {
        switch settings[key] {
        case nil: return false
        case .bool(let value)?: return value
        default:
            log.add(settings.memberPath(key), "expected true or false")
            return false
        }
    }

    func optionalNumber(_ reader: FieldReader, _ key: String) -> Double? {
        if case .number(let value)? = reader[key] { return value }
        return nil
    }

    mutating func numbers(_ reader: FieldReader, _ key: String) -> [Double] {
        guard case .array(let values)? = reader[key] else {
            log.add(reader.memberPath(key), "expected an array of numbers")
            return []
        }
        return values.map {
            if case .number(let value) = $0 { return value } else { return .nan }
        }
    }

    /// Logs each of `values` (a key of `reader` and the count read from it) that is below zero.
    mutating func requireCounts(_ reader: FieldReader, _ values: [(key: String, value: Int)]) {
        for (key, value) in values where value < 0 {
            log.add(reader.memberPath(key), "expected a whole number of at least 0")
        }
    }

    /// A whole number from a stored one; -1 (which the checks reject) for NaN or out of range.
    static func whole(_ value: Double) -> Int {
        value.isFinite && abs(value) < 1e15 ? Int(value) : -1
    }

    mutating func hex(_ reader: FieldReader, _ key: String) -> UInt64 {
        guard case .string(let text)? = reader[key], let value = UInt64(text, radix: 16) else {
            log.add(reader.memberPath(key), "expected a hexadecimal string")
            return 0
        }
        return value
    }

    /// The case of `Choice` that setting `key` names, or `missing` when the checkpoint is from
    /// before the setting existed (its run had what was then the default).
    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ settings: FieldReader, _ key: String, _ what: String, missing: Choice
    ) -> Choice where Choice.RawValue == String {
        guard let name = settings.string(key, required: false, log: &log) else { return missing }
        if let value = Choice(rawValue: name) { return value }
        let names = Choice.allCases.map(\.rawValue)
        let expected =
            names.count > 2
            ? names.dropLast().joined(separator: ", ") + " or " + names.last!
            : names.joined(separator: " or ")
        log.add(settings.memberPath(key), "unknown \(what) \"\(name)\" (expected \(expected))")
        return missing
    }

    // MARK: - Sections

    mutating func root(_ document: JSONValue) throws(InputError) -> FieldReader {
        guard let root = FieldReader(document, path: JSONPath.root, log: &log),
            root.checkFormat(Checkpoint.formatIdentifier, log: &log)
        else { throw log.failure() }
        return root
    }

    /// That the checkpoint was made for this graph and cluster.
    mutating func checkMade(for base: PlacementProblem, root: FieldReader) throws(InputError) {
        let expected: [(String, Double)] = [
            ("ops", Double(base.graph.count)), ("devices", Double(base.cluster.deviceCount)),
        ]
        for (key, value) in expected where number(root, key) != value {
            log.add(
                root.memberPath(key),
                "the checkpoint was made for \(JSONWriter.format(number(root, key))) \(key), "
                    + "this problem has \(JSONWriter.format(value))")
        }
        if root.string("graph", required: true, log: &log) != base.graph.name {
            log.add(root.memberPath("graph"), "the checkpoint was made for another graph")
        }
        try log.throwIfAny()
    }

    /// The problem over the checkpoint's own stages, when it has them.
    mutating func stages(_ root: FieldReader, base: PlacementProblem) throws(InputError)
        -> PlacementProblem
    {
        guard root["stage_of"] != nil else { return base }
        guard let refined = base.withStages(stageOf: numbers(root, "stage_of").map(Self.whole))
        else {
            throw InputError(
                file: file, path: root.memberPath("stage_of"),
                message: "not a grouping of this graph's ops into stages")
        }
        return refined
    }

    mutating func sections(_ root: FieldReader) throws(InputError) -> (FieldReader, FieldReader) {
        guard let configurationValue = root["configuration"],
            let settings = FieldReader(
                configurationValue, path: root.memberPath("configuration"), log: &log),
            let stateValue = root["state"],
            let state = FieldReader(stateValue, path: root.memberPath("state"), log: &log)
        else { throw log.failure() }
        return (settings, state)
    }

    mutating func configuration(_ settings: FieldReader) throws(InputError)
        -> OptimizerConfiguration
    {
        let methodName = settings.string("method", required: true, log: &log) ?? ""
        guard let method = OptimizerConfiguration.Method(rawValue: methodName) else {
            log.add(settings.memberPath("method"), "unknown method \"\(methodName)\"")
            throw log.failure()
        }
        var configuration = OptimizerConfiguration(
            method: method, samples: Self.whole(number(settings, "samples")),
            seed: hex(settings, "seed"))
        configuration.hiddenSize = Self.whole(number(settings, "hidden_size"))
        configuration.embeddingSize = Self.whole(number(settings, "embedding_size"))
        configuration.learningRate = Float(number(settings, "learning_rate"))
        configuration.learningRateWarmup =
            optionalNumber(settings, "learning_rate_warmup").map(Self.whole) ?? 0
        configuration.adamEpsilon = optionalNumber(settings, "adam_epsilon").map(Float.init) ?? 1e-8
        configuration.epochs = Self.whole(number(settings, "epochs"))
        configuration.initialBeta = Float(number(settings, "initial_beta"))
        configuration.targetKL = Float(number(settings, "target_kl"))
        configuration.klMeasure = choice(settings, "kl_measure", "KL measure", missing: .mean)
        if case .null? = settings["early_stop_kl"] {
            configuration.earlyStopKL = .infinity
        } else {
            configuration.earlyStopKL =
                optionalNumber(settings, "early_stop_kl").map(Float.init) ?? 1.5
        }
        configuration.entropyWeight = Float(number(settings, "entropy_weight"))
        configuration.baselineRate = Float(number(settings, "baseline_rate"))
        configuration.rewardBaseline = choice(
            settings, "reward_baseline", "reward baseline", missing: .movingAverage)
        configuration.outOfMemoryPenalty = number(settings, "out_of_memory_penalty")
        configuration.confirmations = optionalNumber(settings, "confirmations").map(Self.whole) ?? 0
        configuration.redraws = optionalNumber(settings, "redraws").map(Self.whole) ?? 0
        // Checkpoints from before anchored proposals sampled whole placements.
        configuration.anchorMoves = optionalNumber(settings, "anchor_moves")
        configuration.sweepShare =
            optionalNumber(settings, "sweep_share") ?? configuration.sweepShare
        readPreferences(settings, into: &configuration)
        readCrossEntropy(settings, into: &configuration)
        try log.throwIfAny()
        guard (configuration.anchorMoves ?? 0) >= 0, (0...1).contains(configuration.sweepShare)
        else {
            throw InputError(
                file: file, path: "$.configuration",
                message: "anchor_moves must not be negative, sweep_share must be in [0, 1]")
        }
        guard configuration.preferenceStrength.map({ $0 > 0 && $0.isFinite }) ?? true else {
            throw InputError(
                file: file, path: "$.configuration.preference_strength",
                message: "must be a positive number or null")
        }
        guard configuration.samples >= 2, configuration.hiddenSize >= 1,
            configuration.embeddingSize >= 1, configuration.redraws >= 0
        else { throw InputError(file: file, path: "$.configuration", message: "invalid sizes") }
        return configuration
    }

    /// The search's state, checked against `optimizer`'s problem and network.
    mutating func state(_ fields: FieldReader, of optimizer: Optimizer) throws(InputError)
        -> OptimizerState
    {
        var state = optimizer.state
        try readPolicy(fields, into: &state, parameterCount: optimizer.state.network.parameterCount)
        state.random = SplitMix64(seed: hex(fields, "random_state"))
        state.baseline = optionalNumber(fields, "baseline")
        state.beta = Float(number(fields, "beta"))
        state.iteration = Self.whole(number(fields, "iteration"))
        state.samplesEvaluated = Self.whole(number(fields, "samples_evaluated"))
        state.bestStepTime = optionalNumber(fields, "best_step_time_us")
        if case .array = fields["best_assignment"] {
            state.bestAssignment = numbers(fields, "best_assignment").map(Self.whole)
        }
        state.worstValidStepTime = number(fields, "worst_valid_step_time_us")
        state.stagePins = numbers(fields, "stage_pins").map(Self.whole)
        state.opPins = numbers(fields, "op_pins").map(Self.whole)
        state.anchorOffset = Float(optionalNumber(fields, "anchor_offset") ?? 0)
        try readSweptMoves(fields, into: &state, optimizer: optimizer)
        readElites(fields, into: &state, optimizer: optimizer)
        readMeasured(fields, into: &state)
        readPreferencesDropped(fields, into: &state)
        if case .array(let rows)? = fields["history"] {
            state.history = rows.compactMap(Self.iterationStats)
        }
        try log.throwIfAny()
        requireCounts(
            fields,
            [("iteration", state.iteration), ("samples_evaluated", state.samplesEvaluated)])
        try log.throwIfAny()
        try check(state, fits: optimizer, fields: fields)
        return state
    }

    private mutating func readPolicy(
        _ fields: FieldReader, into state: inout OptimizerState, parameterCount count: Int
    )
        throws(InputError)
    {
        let parameters = numbers(fields, "parameters").map(Float.init)
        let first = numbers(fields, "adam_first_moment").map(Float.init)
        let second = numbers(fields, "adam_second_moment").map(Float.init)
        guard parameters.count == count, first.count == count, second.count == count,
            !parameters.contains(where: \.isNaN)
        else {
            throw InputError(
                file: file, path: "$.state.parameters",
                message: "expected \(count) parameters and moments")
        }
        state.network.parameters = parameters
        state.adam.firstMoment = first
        state.adam.secondMoment = second
        state.adam.step = max(Self.whole(number(fields, "adam_step")), 0)
    }

    private mutating func readSweptMoves(
        _ fields: FieldReader, into state: inout OptimizerState, optimizer: Optimizer
    )
        throws(InputError)
    {
        let swept =
            fields["swept_moves"] == nil ? [] : numbers(fields, "swept_moves").map(Self.whole)
        let moveCount = optimizer.inputs.stageCount * optimizer.problem.cluster.deviceCount
        guard swept.allSatisfy({ (0..<moveCount).contains($0) }) else {
            throw InputError(
                file: file, path: "$.state.swept_moves",
                message: "expected move numbers below \(moveCount)")
        }
        if optimizer.configuration.anchorMoves != nil {
            state.sweptMoves = [Bool](repeating: false, count: moveCount)
            for move in swept { state.sweptMoves[move] = true }
        }
    }

    private mutating func readMeasured(_ fields: FieldReader, into state: inout OptimizerState) {
        guard case .array(let entries)? = fields["measured"] else { return }
        for (index, entry) in entries.enumerated() {
            guard case .array(let cells) = entry, cells.count == 3,
                case .string(let text) = cells[0], let fingerprint = UInt64(text, radix: 16),
                case .number(let time) = cells[1], time.isFinite,
                case .bool(let outOfMemory) = cells[2]
            else {
                log.add(
                    JSONPath.element(fields.memberPath("measured"), index),
                    "expected [fingerprint as a hexadecimal string, step time in us, out of memory]"
                )
                continue
            }
            state.measured.record(fingerprint, Evaluation(stepTime: time, outOfMemory: outOfMemory))
        }
    }

    /// A history row. Checkpoints from before the repeats were counted have 15 cells, and from
    /// before the placements measured, 16.
    static func iterationStats(_ row: JSONValue) -> IterationStats? {
        guard case .array(let cells) = row, (15...17).contains(cells.count) else { return nil }
        func value(_ index: Int) -> Double? {
            if case .number(let number) = cells[index] { return number } else { return nil }
        }
        return IterationStats(
            iteration: whole(value(0) ?? 0), meanStepTime: value(1), bestStepTime: value(2),
            worstStepTime: value(3), bestSoFar: value(4), meanReward: value(5) ?? 0,
            meanKL: value(6) ?? 0,
            maxKL: value(7) ?? 0, beta: value(8) ?? 0, entropy: value(9) ?? 0,
            invalidSamples: whole(value(10) ?? 0), outOfMemorySamples: whole(value(11) ?? 0),
            repeatedSamples: cells.count > 15 ? whole(value(15) ?? 0) : 0,
            placementsMeasured: cells.count > 16 ? whole(value(16) ?? 0) : 0,
            samplesPerSecond: value(12) ?? 0, evaluationSeconds: value(13) ?? 0,
            policySeconds: value(14) ?? 0)
    }

    /// That the pins and the best assignment fit the problem by the rules a live search keeps:
    /// a stage pinned only to a device its stage may use (`Optimizer.pin(stage:to:)`), an op
    /// only to one it may run on, and the best placement only on devices its ops may use. A
    /// hand-edited pin to any other device would make every sample break the constraints. The
    /// error names the first entry that breaks a rule. O(stages + ops).
    private func check(
        _ state: OptimizerState, fits optimizer: Optimizer, fields: FieldReader
    ) throws(InputError) {
        let problem = optimizer.problem
        let constraints = problem.constraints
        let deviceCount = problem.cluster.deviceCount
        let opMayUse = { (op: Int, device: Int) in
            (0..<deviceCount).contains(device) && constraints.allows(op: op, device: device)
        }
        try requireEntries(
            fields, state.stagePins, "stage_pins", count: optimizer.inputs.stageCount,
            rule: "-1 or a device its stage may use"
        ) { stage, device in
            device == -1
                || (device < deviceCount && optimizer.inputs.allows(stage: stage, device: device))
        }
        try requireEntries(
            fields, state.opPins, "op_pins", count: problem.graph.count,
            rule: "-1 or a device its op may run on"
        ) { op, device in device == -1 || opMayUse(op, device) }
        guard let best = state.bestAssignment else { return }
        try requireEntries(
            fields, best, "best_assignment", count: problem.graph.count,
            rule: "a device its op may run on", obeys: opMayUse)
    }

    /// That `values`, the array `name` of `fields`, has `count` entries, each passing `obeys(index,
    /// value)`; an error at the array, or at its first entry that breaks `rule`, otherwise.
    private func requireEntries(
        _ fields: FieldReader, _ values: [Int], _ name: String, count: Int, rule: String,
        obeys: (Int, Int) -> Bool
    ) throws(InputError) {
        let path = fields.memberPath(name)
        guard values.count == count else {
            throw InputError(
                file: file, path: path,
                message: "\(values.count) entries, where this problem needs \(count)")
        }
        if let index = values.indices.first(where: { !obeys($0, values[$0]) }) {
            throw InputError(
                file: file, path: JSONPath.element(path, index),
                message: "\(values[index]) is not \(rule)")
        }
    }
}
