import SpotlightModel

/// Saving and restoring a search, so that a run can stop and later continue exactly where it was:
/// the same weights, Adam moments, random state, baseline, penalty weight, pins, best placement
/// and history. A JSON document (`"format": "spotlight.checkpoint/1"`), written atomically;
/// numbers are written in their shortest exact form, the random state as hexadecimal.
public enum Checkpoint {
    public static let formatIdentifier = "spotlight.checkpoint/1"

    public static func save(_ optimizer: Optimizer, to path: String) throws(InputError) {
        try FileIO.writeAtomically(JSONWriter.compactString(document(optimizer)) + "\n", to: path)
    }

    static func document(_ optimizer: Optimizer) -> JSONValue {
        let state = optimizer.state
        let configuration = optimizer.configuration
        func floats(_ values: [Float]) -> JSONValue { .array(values.map { .number(Double($0)) }) }
        func ints(_ values: [Int]) -> JSONValue { .array(values.map { .number(Double($0)) }) }
        func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        return .object([
            ("format", .string(formatIdentifier)),
            ("graph", .string(optimizer.problem.graph.name)),
            ("cluster", .string(optimizer.problem.cluster.name)),
            ("ops", .number(Double(optimizer.problem.graph.count))),
            ("stages", .number(Double(optimizer.inputs.stageCount))),
            ("stage_of", ints(optimizer.problem.stages.stageOf)),
            ("devices", .number(Double(optimizer.problem.cluster.deviceCount))),
            (
                "configuration",
                .object([
                    ("method", .string(configuration.method.rawValue)),
                    ("samples", .number(Double(configuration.samples))),
                    ("hidden_size", .number(Double(configuration.hiddenSize))),
                    ("embedding_size", .number(Double(configuration.embeddingSize))),
                    ("learning_rate", .number(Double(configuration.learningRate))),
                    ("epochs", .number(Double(configuration.epochs))),
                    ("learning_rate_warmup", .number(Double(configuration.learningRateWarmup))),
                    ("adam_epsilon", .number(Double(configuration.adamEpsilon))),
                    ("initial_beta", .number(Double(configuration.initialBeta))),
                    ("target_kl", .number(Double(configuration.targetKL))),
                    ("kl_measure", .string(configuration.klMeasure.rawValue)),
                    (
                        "early_stop_kl",
                        configuration.earlyStopKL.isFinite
                            ? .number(Double(configuration.earlyStopKL)) : .null
                    ),
                    ("entropy_weight", .number(Double(configuration.entropyWeight))),
                    ("baseline_rate", .number(Double(configuration.baselineRate))),
                    ("reward_baseline", .string(configuration.rewardBaseline.rawValue)),
                    ("out_of_memory_penalty", .number(configuration.outOfMemoryPenalty)),
                    ("confirmations", .number(Double(configuration.confirmations))),
                    ("redraws", .number(Double(configuration.redraws))),
                    ("anchor_moves", configuration.anchorMoves.map(JSONValue.number) ?? .null),
                    ("sweep_share", .number(configuration.sweepShare)),
                    ("seed", .string(String(configuration.seed, radix: 16))),
                ])
            ),
            (
                "state",
                .object([
                    ("parameters", floats(state.network.parameters)),
                    ("adam_step", .number(Double(state.adam.step))),
                    ("adam_first_moment", floats(state.adam.firstMoment)),
                    ("adam_second_moment", floats(state.adam.secondMoment)),
                    ("random_state", .string(String(state.random.state, radix: 16))),
                    ("baseline", optional(state.baseline)),
                    ("beta", .number(Double(state.beta))),
                    ("iteration", .number(Double(state.iteration))),
                    ("samples_evaluated", .number(Double(state.samplesEvaluated))),
                    ("best_step_time_us", optional(state.bestStepTime)),
                    ("best_assignment", state.bestAssignment.map(ints) ?? .null),
                    ("worst_valid_step_time_us", .number(state.worstValidStepTime)),
                    ("stage_pins", ints(state.stagePins)),
                    ("op_pins", ints(state.opPins)),
                    ("measured", measuredDocument(state.measured)),
                    ("anchor_offset", .number(Double(state.anchorOffset))),
                    ("swept_moves", ints(state.sweptMoves.indices.filter { state.sweptMoves[$0] })),
                    (
                        "history",
                        .array(
                            state.history.map { stats in
                                .array([
                                    .number(Double(stats.iteration)), optional(stats.meanStepTime),
                                    optional(stats.bestStepTime),
                                    optional(stats.worstStepTime), optional(stats.bestSoFar),
                                    .number(stats.meanReward), .number(stats.meanKL),
                                    .number(stats.maxKL), .number(stats.beta),
                                    .number(stats.entropy), .number(Double(stats.invalidSamples)),
                                    .number(Double(stats.outOfMemorySamples)),
                                    .number(stats.samplesPerSecond),
                                    .number(stats.evaluationSeconds),
                                    .number(stats.policySeconds),
                                    .number(Double(stats.repeatedSamples)),
                                    .number(Double(stats.placementsMeasured)),
                                ])
                            })
                    ),
                ])
            ),
        ])
    }

    /// Each measured placement as `[fingerprint, step time, out of memory]`, in fingerprint order so
    /// that the same search saves the same file.
    static func measuredDocument(_ measured: MeasuredPlacements) -> JSONValue {
        .array(
            measured.results.keys.sorted().map { fingerprint in
                let result = measured.results[fingerprint]!
                return .array([
                    .string(String(fingerprint, radix: 16)), .number(result.stepTime ?? 0),
                    .bool(result.outOfMemory),
                ])
            })
    }

    /// Restores a search on `problem` from the checkpoint at `path`; the problem must be the one
    /// the checkpoint was made on (same graph, cluster, op and device counts). The search runs over
    /// the checkpoint's own stages (`stage_of`), which a warm start may have refined.
    public static func load(_ path: String, problem base: PlacementProblem) throws(InputError)
        -> Optimizer
    {
        let document = try FileIO.readJSON(path)
        var log = DiagnosticLog(file: path)
        guard let root = FieldReader(document, path: JSONPath.root, log: &log),
            root.checkFormat(formatIdentifier, log: &log)
        else {
            throw log.failure()
        }
        func number(_ reader: FieldReader, _ key: String) -> Double {
            guard case .number(let value)? = reader[key] else {
                log.add(reader.memberPath(key), "expected a number")
                return 0
            }
            return value
        }
        func optionalNumber(_ reader: FieldReader, _ key: String) -> Double? {
            if case .number(let value)? = reader[key] { return value }
            return nil
        }
        func numbers(_ reader: FieldReader, _ key: String) -> [Double] {
            guard case .array(let values)? = reader[key] else {
                log.add(reader.memberPath(key), "expected an array of numbers")
                return []
            }
            return values.map {
                if case .number(let value) = $0 { return value } else { return .nan }
            }
        }
        /// A whole number from a stored one; -1 (which the checks below reject) for NaN or out of range.
        func whole(_ value: Double) -> Int { value.isFinite && abs(value) < 1e15 ? Int(value) : -1 }
        func hex(_ reader: FieldReader, _ key: String) -> UInt64 {
            guard case .string(let text)? = reader[key], let value = UInt64(text, radix: 16) else {
                log.add(reader.memberPath(key), "expected a hexadecimal string")
                return 0
            }
            return value
        }
        let expected: [(String, Double)] = [
            ("ops", Double(base.graph.count)), ("devices", Double(base.cluster.deviceCount)),
        ]
        for (key, value) in expected where number(root, key) != value {
            log.add(
                root.memberPath(key),
                "the checkpoint was made for \(JSONWriter.format(number(root, key))) \(key), this problem has \(JSONWriter.format(value))"
            )
        }
        if root.string("graph", required: true, log: &log) != base.graph.name {
            log.add(root.memberPath("graph"), "the checkpoint was made for another graph")
        }
        try log.throwIfAny()
        var problem = base
        if root["stage_of"] != nil {
            guard
                let refined = base.withStages(stageOf: numbers(root, "stage_of").map { whole($0) })
            else {
                throw InputError(
                    file: path, path: root.memberPath("stage_of"),
                    message: "not a grouping of this graph's ops into stages")
            }
            problem = refined
        }
        guard let configurationValue = root["configuration"],
            let settings = FieldReader(
                configurationValue, path: root.memberPath("configuration"), log: &log),
            let stateValue = root["state"],
            let stateReader = FieldReader(stateValue, path: root.memberPath("state"), log: &log)
        else {
            throw log.failure()
        }
        let methodName = settings.string("method", required: true, log: &log) ?? ""
        guard let method = OptimizerConfiguration.Method(rawValue: methodName) else {
            log.add(settings.memberPath("method"), "unknown method \"\(methodName)\"")
            throw log.failure()
        }
        var configuration = OptimizerConfiguration(
            method: method, samples: whole(number(settings, "samples")), seed: hex(settings, "seed")
        )
        configuration.hiddenSize = whole(number(settings, "hidden_size"))
        configuration.embeddingSize = whole(number(settings, "embedding_size"))
        configuration.learningRate = Float(number(settings, "learning_rate"))
        configuration.learningRateWarmup =
            optionalNumber(settings, "learning_rate_warmup").map { whole($0) } ?? 0
        configuration.adamEpsilon = optionalNumber(settings, "adam_epsilon").map(Float.init) ?? 1e-8
        configuration.epochs = whole(number(settings, "epochs"))
        configuration.initialBeta = Float(number(settings, "initial_beta"))
        configuration.targetKL = Float(number(settings, "target_kl"))
        /// The case of `Choice` that setting `key` names, or `missing` when the checkpoint is from
        /// before the setting existed (its run had what was then the default).
        func choice<Choice: RawRepresentable & CaseIterable>(
            _ key: String, _ what: String, missing: Choice
        ) -> Choice
        where Choice.RawValue == String {
            guard let name = settings.string(key, required: false, log: &log) else {
                return missing
            }
            if let value = Choice(rawValue: name) { return value }
            let names = Choice.allCases.map(\.rawValue)
            let expected =
                names.count > 2
                ? names.dropLast().joined(separator: ", ") + " or " + names.last!
                : names.joined(separator: " or ")
            log.add(settings.memberPath(key), "unknown \(what) \"\(name)\" (expected \(expected))")
            return missing
        }
        configuration.klMeasure = choice("kl_measure", "KL measure", missing: .mean)
        if case .null? = settings["early_stop_kl"] {
            configuration.earlyStopKL = .infinity
        } else {
            configuration.earlyStopKL =
                optionalNumber(settings, "early_stop_kl").map(Float.init) ?? 1.5
        }
        configuration.entropyWeight = Float(number(settings, "entropy_weight"))
        configuration.baselineRate = Float(number(settings, "baseline_rate"))
        configuration.rewardBaseline = choice(
            "reward_baseline", "reward baseline", missing: .movingAverage)
        configuration.outOfMemoryPenalty = number(settings, "out_of_memory_penalty")
        configuration.confirmations =
            optionalNumber(settings, "confirmations").map { whole($0) } ?? 0
        configuration.redraws = optionalNumber(settings, "redraws").map { whole($0) } ?? 0
        // Checkpoints from before anchored proposals sampled whole placements.
        configuration.anchorMoves = optionalNumber(settings, "anchor_moves")
        configuration.sweepShare =
            optionalNumber(settings, "sweep_share") ?? configuration.sweepShare
        try log.throwIfAny()
        guard (configuration.anchorMoves ?? 0) >= 0, (0...1).contains(configuration.sweepShare)
        else {
            throw InputError(
                file: path, path: "$.configuration",
                message: "anchor_moves must not be negative, sweep_share must be in [0, 1]")
        }
        guard configuration.samples >= 2, configuration.hiddenSize >= 1,
            configuration.embeddingSize >= 1, configuration.redraws >= 0
        else {
            throw InputError(file: path, path: "$.configuration", message: "invalid sizes")
        }
        var optimizer = Optimizer(problem: problem, configuration: configuration)
        guard whole(number(root, "stages")) == optimizer.inputs.stageCount else {
            throw InputError(
                file: path, path: "$.stages",
                message:
                    "the checkpoint was made with another stage grouping (use the same --stages)")
        }
        let parameters = numbers(stateReader, "parameters").map(Float.init)
        let first = numbers(stateReader, "adam_first_moment").map(Float.init)
        let second = numbers(stateReader, "adam_second_moment").map(Float.init)
        let count = optimizer.state.network.parameterCount
        guard parameters.count == count, first.count == count, second.count == count,
            !parameters.contains(where: \.isNaN)
        else {
            throw InputError(
                file: path, path: "$.state.parameters",
                message: "expected \(count) parameters and moments")
        }
        var state = optimizer.state
        state.network.parameters = parameters
        state.adam.firstMoment = first
        state.adam.secondMoment = second
        state.adam.step = max(whole(number(stateReader, "adam_step")), 0)
        state.random = SplitMix64(seed: hex(stateReader, "random_state"))
        state.baseline = optionalNumber(stateReader, "baseline")
        state.beta = Float(number(stateReader, "beta"))
        state.iteration = whole(number(stateReader, "iteration"))
        state.samplesEvaluated = whole(number(stateReader, "samples_evaluated"))
        state.bestStepTime = optionalNumber(stateReader, "best_step_time_us")
        if case .array = stateReader["best_assignment"] {
            state.bestAssignment = numbers(stateReader, "best_assignment").map(whole)
        }
        state.worstValidStepTime = number(stateReader, "worst_valid_step_time_us")
        state.stagePins = numbers(stateReader, "stage_pins").map(whole)
        state.opPins = numbers(stateReader, "op_pins").map(whole)
        state.anchorOffset = Float(optionalNumber(stateReader, "anchor_offset") ?? 0)
        let swept =
            stateReader["swept_moves"] == nil ? [] : numbers(stateReader, "swept_moves").map(whole)
        let moveCount = optimizer.inputs.stageCount * problem.cluster.deviceCount
        guard swept.allSatisfy({ (0..<moveCount).contains($0) }) else {
            throw InputError(
                file: path, path: "$.state.swept_moves",
                message: "expected move numbers below \(moveCount)")
        }
        if configuration.anchorMoves != nil {
            state.sweptMoves = [Bool](repeating: false, count: moveCount)
            for move in swept { state.sweptMoves[move] = true }
        }
        if case .array(let entries)? = stateReader["measured"] {
            for (index, entry) in entries.enumerated() {
                guard case .array(let cells) = entry, cells.count == 3,
                    case .string(let text) = cells[0], let fingerprint = UInt64(text, radix: 16),
                    case .number(let time) = cells[1], time.isFinite,
                    case .bool(let outOfMemory) = cells[2]
                else {
                    log.add(
                        JSONPath.element(stateReader.memberPath("measured"), index),
                        "expected [fingerprint as a hexadecimal string, step time in us, out of memory]"
                    )
                    continue
                }
                state.measured.record(
                    fingerprint, Evaluation(stepTime: time, outOfMemory: outOfMemory))
            }
        }
        if case .array(let rows)? = stateReader["history"] {
            state.history = rows.compactMap { row in
                // Checkpoints from before the repeats were counted have 15 cells, and from before
                // the placements measured, 16.
                guard case .array(let cells) = row, (15...17).contains(cells.count) else {
                    return nil
                }
                func value(_ index: Int) -> Double? {
                    if case .number(let number) = cells[index] { return number } else { return nil }
                }
                return IterationStats(
                    iteration: whole(value(0) ?? 0), meanStepTime: value(1), bestStepTime: value(2),
                    worstStepTime: value(3),
                    bestSoFar: value(4), meanReward: value(5) ?? 0, meanKL: value(6) ?? 0,
                    maxKL: value(7) ?? 0, beta: value(8) ?? 0,
                    entropy: value(9) ?? 0, invalidSamples: whole(value(10) ?? 0),
                    outOfMemorySamples: whole(value(11) ?? 0),
                    repeatedSamples: cells.count > 15 ? whole(value(15) ?? 0) : 0,
                    placementsMeasured: cells.count > 16 ? whole(value(16) ?? 0) : 0,
                    samplesPerSecond: value(12) ?? 0, evaluationSeconds: value(13) ?? 0,
                    policySeconds: value(14) ?? 0)
            }
        }
        try log.throwIfAny()
        for (key, value) in [
            ("iteration", state.iteration), ("samples_evaluated", state.samplesEvaluated),
        ] where value < 0 {
            log.add(stateReader.memberPath(key), "expected a whole number of at least 0")
        }
        try log.throwIfAny()
        let devices = -1..<problem.cluster.deviceCount
        guard state.stagePins.count == optimizer.inputs.stageCount,
            state.opPins.count == problem.graph.count,
            state.stagePins.allSatisfy(devices.contains), state.opPins.allSatisfy(devices.contains),
            state.bestAssignment.map({
                $0.count == problem.graph.count
                    && $0.allSatisfy { (0..<problem.cluster.deviceCount).contains($0) }
            }) ?? true
        else {
            throw InputError(
                file: path, path: "$.state",
                message: "pins or best assignment do not fit this problem")
        }
        optimizer.state = state
        // Not saved: the best placement that obeys the pins starts again from the overall best.
        optimizer.resetPinnedBest()
        return optimizer
    }
}
