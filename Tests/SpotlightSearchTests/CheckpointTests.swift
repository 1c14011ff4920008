import Foundation
import SpotlightModel
import Testing

@testable import SpotlightSearch

@Suite struct CheckpointTests {
    static func problem(ops: Int = 300) throws -> PlacementProblem {
        try PlacementProblem(
            graph: SyntheticGraph(opCount: ops, seed: 6).graph(),
            cluster: SyntheticCluster.make(deviceCount: 3), maximumStages: 10)
    }

    /// A Spotlight search of four samples a batch on `problem`.
    static func search(on problem: PlacementProblem, seed: UInt64) -> Optimizer {
        Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.spotlight, samples: 4, seed: seed))
    }

    /// The first entry of `masks` (a bit mask of allowed devices each) that refuses one of
    /// `devices` devices, and the first device it refuses.
    static func refusingEntry(_ masks: [UInt64], devices: Int) throws -> (index: Int, device: Int) {
        let index = try #require(masks.firstIndex { $0.nonzeroBitCount < devices })
        let device = try #require((0..<devices).first { masks[index] & (1 << $0) == 0 })
        return (index, device)
    }

    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "checkpoint-\(UUID().uuidString).json"
        ).path
    }

    @Test(arguments: [OptimizerConfiguration.Method.spotlight, .policyGradient])
    func resumingContinuesExactly(method: OptimizerConfiguration.Method) throws {
        let problem = try Self.problem()
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        let configuration = OptimizerTests.configuration(method, samples: 6, seed: 9)
        var first = Optimizer(problem: problem, configuration: configuration)
        for _ in 0..<3 { first.iterate(evaluator: evaluator) }
        first.pin(stage: 2, to: 1)
        var straight = Optimizer(problem: problem, configuration: configuration)
        for _ in 0..<3 { straight.iterate(evaluator: evaluator) }
        straight.pin(stage: 2, to: 1)
        for _ in 0..<3 { straight.iterate(evaluator: evaluator) }

        let path = Self.path()
        try Checkpoint.save(first, to: path)
        var resumed = try Checkpoint.load(path, problem: problem)
        #expect(resumed.state.network == first.state.network)
        #expect(resumed.state.history == first.state.history)
        for _ in 0..<3 { resumed.iterate(evaluator: evaluator) }

        #expect(resumed.state.network == straight.state.network)
        #expect(resumed.state.adam == straight.state.adam)
        #expect(resumed.state.random == straight.state.random)
        #expect(resumed.state.baseline == straight.state.baseline)
        #expect(resumed.state.beta == straight.state.beta)
        #expect(resumed.state.bestAssignment == straight.state.bestAssignment)
        #expect(resumed.state.stagePins == straight.state.stagePins)
        #expect(
            resumed.state.measured == straight.state.measured && resumed.state.measured.count > 0)
        #expect(
            resumed.state.history.map(\.repeatedSamples)
                == straight.state.history.map(\.repeatedSamples))
        #expect(
            resumed.state.history.map(\.meanStepTime) == straight.state.history.map(\.meanStepTime))
        #expect(resumed.state.history.map(\.meanKL) == straight.state.history.map(\.meanKL))
    }

    /// Every setting comes back, including an early stop that never fires (saved as null), the
    /// largest-stage KL measure and the reward baseline; a checkpoint from before those settings
    /// existed gets the values its run had.
    @Test func theConfigurationRoundTrips() throws {
        let problem = try Self.problem()
        var configuration = OptimizerTests.configuration(.spotlight, samples: 4, seed: 3)
        configuration.earlyStopKL = .infinity
        configuration.klMeasure = .largest
        configuration.entropyWeight = 0.03
        configuration.targetKL = 0.2
        configuration.confirmations = 2
        configuration.rewardBaseline = .movingAverage
        configuration.learningRateWarmup = 5
        configuration.adamEpsilon = 0.25
        configuration.redraws = 7
        configuration.crossEntropyEvery = 3
        configuration.eliteCount = 2
        configuration.crossEntropySteps = 5
        configuration.crossEntropyLearningRate = 0.02
        configuration.preferenceStrength = 0.5
        configuration.preferenceFallback = true
        configuration.stageLogits = true
        let path = Self.path()
        try Checkpoint.save(Optimizer(problem: problem, configuration: configuration), to: path)
        #expect(try Checkpoint.load(path, problem: problem).configuration == configuration)
        configuration.rewardBaseline = .batchMean
        try Checkpoint.save(Optimizer(problem: problem, configuration: configuration), to: path)
        #expect(try Checkpoint.load(path, problem: problem).configuration == configuration)
        // A checkpoint from before stage logits has a policy without them.
        configuration.stageLogits = false
        try Checkpoint.save(Optimizer(problem: problem, configuration: configuration), to: path)

        var older = try String(contentsOfFile: path, encoding: .utf8)
        older = older.replacingOccurrences(of: "\"kl_measure\": \"largest\", ", with: "")
            .replacingOccurrences(of: "\"early_stop_kl\": null, ", with: "")
            .replacingOccurrences(of: "\"reward_baseline\": \"batch\", ", with: "")
            .replacingOccurrences(of: "\"learning_rate_warmup\": 5, ", with: "")
            .replacingOccurrences(of: "\"adam_epsilon\": 0.25, ", with: "")
            .replacingOccurrences(of: "\"redraws\": 7, ", with: "")
            .replacingOccurrences(of: "\"cross_entropy_every\": 3, ", with: "")
            .replacingOccurrences(of: "\"preference_strength\": 0.5, ", with: "")
            .replacingOccurrences(of: "\"preference_fallback\": true, ", with: "")
            .replacingOccurrences(of: "\"stage_logits\": false, ", with: "")
        #expect(
            !older.contains("kl_measure") && !older.contains("early_stop_kl")
                && !older.contains("reward_baseline")
                && !older.contains("learning_rate_warmup") && !older.contains("adam_epsilon")
                && !older.contains("redraws") && !older.contains("cross_entropy_every")
                && !older.contains("preference_strength")
                && !older.contains("preference_fallback") && !older.contains("stage_logits"))
        try older.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try Checkpoint.load(path, problem: problem).configuration
        #expect(
            loaded.klMeasure == .mean && loaded.earlyStopKL == 1.5
                && loaded.rewardBaseline == .movingAverage)
        #expect(loaded.learningRateWarmup == 0 && loaded.adamEpsilon == 1e-8 && loaded.redraws == 0)
        // Before the cross-entropy step, runs had none; before preferences, samples were
        // placements.
        #expect(loaded.crossEntropyEvery == 0 && loaded.preferenceStrength == nil)
        // Before the fallback, a search never fell back to placements.
        #expect(!loaded.preferenceFallback)
        // Before stage logits, the policy had none.
        #expect(!loaded.stageLogits)
    }

    @Test func aCheckpointForAnotherGraphIsRefused() throws {
        let problem = try Self.problem()
        let path = Self.path()
        try Checkpoint.save(
            Optimizer(
                problem: problem,
                configuration: OptimizerTests.configuration(.spotlight, samples: 4, seed: 1)),
            to: path)
        #expect {
            try Checkpoint.load(path, problem: Self.problem(ops: 200))
        } throws: {
            "\($0)".contains(
                "\(path): $.ops: the checkpoint was made for 300 ops, this problem has 200")
        }
    }

    @Test func aDamagedCheckpointIsAClearError() throws {
        let path = Self.path()
        try "{\"format\": \"spotlight.checkpoint/1\", \"ops\": ".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect { try Checkpoint.load(path, problem: Self.problem()) } throws: {
            "\($0)".contains("malformed JSON")
        }
    }

    /// A warm-started search runs over stages refined by the heuristic's placement; the checkpoint
    /// carries them, so resuming on the plain problem continues over the same stages.
    @Test func aWarmStartedSearchResumesOverItsOwnStages() throws {
        let base = try Self.problem()
        let evaluator = SimulatorEvaluator(graph: base.graph, cluster: base.cluster)
        let (problem, start) = WarmStart.best.prepare(base, baselines: Baselines.run(base))
        let assignment = try #require(start?.assignment)
        #expect(problem.stages.stageOf != base.stages.stageOf)
        let configuration = OptimizerTests.configuration(.spotlight, samples: 6, seed: 4)
        var first = Optimizer(problem: problem, configuration: configuration, warmStart: assignment)
        for _ in 0..<2 { first.iterate(evaluator: evaluator) }
        var straight = first
        for _ in 0..<2 { straight.iterate(evaluator: evaluator) }

        let path = Self.path()
        try Checkpoint.save(first, to: path)
        var resumed = try Checkpoint.load(path, problem: base)
        #expect(resumed.problem.stages.stageOf == problem.stages.stageOf)
        for _ in 0..<2 { resumed.iterate(evaluator: evaluator) }
        #expect(resumed.state.network == straight.state.network)
        #expect(
            resumed.state.history.map(\.meanStepTime) == straight.state.history.map(\.meanStepTime))
    }

    /// A hand-edited pin or best placement on a device in range but one its stage or op may not
    /// use is refused at the entry, as `Optimizer.pin` refuses it live; the same device where it
    /// is allowed loads.
    @Test func pinsAndTheBestOnDevicesTheirOpsMayNotUseAreRefused() throws {
        let problem = try Self.problem()
        let optimizer = Self.search(on: problem, seed: 3)
        let devices = problem.cluster.deviceCount
        let (stage, refusedForStage) = try Self.refusingEntry(
            optimizer.inputs.allowedDevices, devices: devices)
        let opMasks = problem.constraints.allowedDevices
        let (op, refusedForOp) = try Self.refusingEntry(opMasks, devices: devices)
        let allowedForOp = opMasks[op].trailingZeroBitCount
        var best = (0..<problem.graph.count).map { opMasks[$0].trailingZeroBitCount }

        var pinned = optimizer
        pinned.state.opPins[op] = allowedForOp
        pinned.state.bestAssignment = best
        pinned.state.bestStepTime = 5
        try expectLoads(pinned, problem)

        var stagePinned = optimizer
        stagePinned.state.stagePins[stage] = refusedForStage
        try expectRefused(stagePinned, problem, at: "$.state.stage_pins[\(stage)]")
        pinned.state.opPins[op] = refusedForOp
        try expectRefused(pinned, problem, at: "$.state.op_pins[\(op)]")
        pinned.state.opPins[op] = -1
        best[op] = refusedForOp
        pinned.state.bestAssignment = best
        try expectRefused(pinned, problem, at: "$.state.best_assignment[\(op)]")
    }

    private func expectLoads(_ optimizer: Optimizer, _ problem: PlacementProblem) throws {
        let path = Self.path()
        try Checkpoint.save(optimizer, to: path)
        let loaded = try Checkpoint.load(path, problem: problem)
        #expect(loaded.state.opPins == optimizer.state.opPins)
        #expect(loaded.state.bestAssignment == optimizer.state.bestAssignment)
    }

    private func expectRefused(
        _ optimizer: Optimizer, _ problem: PlacementProblem, at jsonPath: String
    ) throws {
        let path = Self.path()
        try Checkpoint.save(optimizer, to: path)
        #expect {
            try Checkpoint.load(path, problem: problem)
        } throws: {
            "\($0)".contains("\(path): \(jsonPath): ") && "\($0)".contains(" may ")
        }
    }

    @Test(arguments: [
        (
            #""stage_of": [0"#, #""stage_of": [-3"#,
            "$.stage_of: not a grouping of this graph's ops into stages"
        ),
        (
            #""stage_pins": [-1"#, #""stage_pins": [7"#,
            "$.state.stage_pins[0]: 7 is not -1 or a device its stage may use"
        ),
        (
            #""iteration": "#, #""iteration": 1e300, "x": "#,
            "$.state.iteration: expected a whole number"
        ),
        (
            #""reward_baseline": "batch""#, #""reward_baseline": "median""#,
            #"$.configuration.reward_baseline: unknown reward baseline "median" (expected batch, moving or best)"#
        ),
        (
            #""kl_measure": "largest""#, #""kl_measure": "max""#,
            #"$.configuration.kl_measure: unknown KL measure "max" (expected mean or largest)"#
        ),
        (
            #""preference_strength": null"#, #""preference_strength": -1"#,
            "$.configuration.preference_strength: must be a positive number or null"
        ),
        (
            #""preference_strength": null"#, #""preference_strength": "strong""#,
            "$.configuration.preference_strength: expected a number or null"
        ),
        (
            #""preference_fallback": false"#, #""preference_fallback": 1"#,
            "$.configuration.preference_fallback: expected true or false"
        ),
        (
            #""stage_logits": false"#, #""stage_logits": "yes""#,
            "$.configuration.stage_logits: expected true or false"
        ),
        (
            #""preferences_dropped_at": null"#, #""preferences_dropped_at": 0.5"#,
            "$.state.preferences_dropped_at: expected a whole number of at least 1, or null"
        ),
        (
            #""measured": []"#, #""measured": [["a", 1, false], ["b", "fast", false]]"#,
            "$.state.measured[1]: expected [fingerprint as a hexadecimal string, step time in us, out of memory]"
        ),
    ])
    func badFieldsAreClearErrors(original: String, replacement: String, expected: String) throws {
        let problem = try Self.problem()
        let path = Self.path()
        try Checkpoint.save(
            Optimizer(
                problem: problem,
                configuration: OptimizerTests.configuration(.spotlight, samples: 4, seed: 1)),
            to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(original))
        try text.replacingOccurrences(of: original, with: replacement).write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect { try Checkpoint.load(path, problem: problem) } throws: {
            "\($0)".contains("\(path): \(expected)")
        }
    }
}
