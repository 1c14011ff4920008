import Foundation
import SpotlightModel
import SpotlightSimulation
import Testing

@testable import SpotlightSearch

/// Post's cross-entropy step beside the policy update (`Optimizer+CrossEntropy.swift`).
@Suite struct CrossEntropyTests {
    static func elite(_ time: Double, _ tag: Int) -> OptimizerState.Elite {
        OptimizerState.Elite(stepTime: time, stageDevices: [tag])
    }

    /// By hand: of 5, 3, 7, 3 and 1 ms with room for three, the 1 and both 3s stay, the
    /// earlier 3 first; a placement slower than a full list's last is not taken.
    @Test func theFastestStayInOrderTheEarlierOfTwoTiesFirst() {
        var elites: [OptimizerState.Elite] = []
        for (tag, time) in [5.0, 3, 7, 3, 1].enumerated() {
            Optimizer.keepFastest(&elites, stepTime: time, limit: 3) { [tag] }
        }
        #expect(elites == [Self.elite(1, 4), Self.elite(3, 1), Self.elite(3, 3)])
        Optimizer.keepFastest(&elites, stepTime: 4, limit: 3) { [5] }
        #expect(elites.map(\.stageDevices) == [[4], [1], [3]])
    }

    /// The log-likelihood of `stageDevices` along its own path under the optimizer's policy.
    static func logLikelihood(_ stageDevices: [Int], _ optimizer: Optimizer) -> Double {
        var unused = SplitMix64(seed: 0)
        let trace = optimizer.state.network.forward(
            optimizer.inputs, sampleCount: 1, pins: optimizer.state.stagePins,
            actions: stageDevices, random: &unused)
        let devices = optimizer.problem.cluster.deviceCount
        return stageDevices.indices.reduce(0) {
            $0 + log(Double(trace.probabilities[$1 * devices + stageDevices[$1]]))
        }
    }

    /// Teaching the elites makes each of them more likely under the policy.
    @Test func teachingMakesEachEliteMoreLikely() throws {
        let problem = try OptimizerTests.problem(ops: 300, stages: 12)
        var optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.spotlight, samples: 4, seed: 3))
        let stages = optimizer.inputs.stageCount
        let placements = [
            (0..<stages).map { $0 % 4 }, (0..<stages).map { ($0 / 3) % 4 },
        ]
        optimizer.state.elites = placements.enumerated().map {
            OptimizerState.Elite(stepTime: Double(100 + $0.offset), stageDevices: $0.element)
        }
        let before = placements.map { Self.logLikelihood($0, optimizer) }
        optimizer.teachElites()
        let after = placements.map { Self.logLikelihood($0, optimizer) }
        for (old, new) in zip(before, after) { #expect(new > old + 0.1, "\(old) -> \(new)") }
    }

    /// Every `crossEntropyEvery` iterations the kept samples are taught and forgotten; between
    /// those steps the list holds the fastest valid samples so far, each one the policy drew.
    @Test(arguments: [OptimizerConfiguration.Method.spotlight, .policyGradient])
    func elitesGatherBetweenStepsAndAreTaughtOnSchedule(method: OptimizerConfiguration.Method)
        throws
    {
        let problem = try OptimizerTests.problem(ops: 300, stages: 12)
        var configuration = OptimizerTests.configuration(method, samples: 8, seed: 4)
        configuration.crossEntropyEvery = 2
        configuration.eliteCount = 3
        var taught = Optimizer(problem: problem, configuration: configuration)
        configuration.crossEntropyEvery = 0
        var untaught = Optimizer(problem: problem, configuration: configuration)
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)

        let stats = taught.iterate(evaluator: evaluator)
        untaught.iterate(evaluator: evaluator)
        let times = taught.state.elites.map(\.stepTime)
        #expect(times.count == 3 && times == times.sorted())
        #expect(times.first == stats.bestStepTime)
        #expect(taught.state.elites.allSatisfy { $0.stageDevices.count == 12 })
        #expect(untaught.state.elites.isEmpty)
        // One batch in, nothing has been taught: both policies are the same.
        #expect(taught.state.network == untaught.state.network)

        taught.iterate(evaluator: evaluator)
        untaught.iterate(evaluator: evaluator)
        #expect(taught.state.elites.isEmpty)
        #expect(taught.state.network != untaught.state.network)
    }

    /// The kept samples are saved with the search, and a bad one is refused with its JSON path.
    @Test func theElitesAreSavedAndCheckedOnLoading() throws {
        let problem = try CheckpointTests.problem()
        var optimizer = CheckpointTests.search(on: problem, seed: 2)
        optimizer.iterate(
            evaluator: SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster))
        #expect(!optimizer.state.elites.isEmpty)
        let path = CheckpointTests.path()
        try Checkpoint.save(optimizer, to: path)
        #expect(try Checkpoint.load(path, problem: problem).state.elites == optimizer.state.elites)

        let saved = try String(contentsOfFile: path, encoding: .utf8)
        let first = try #require(optimizer.state.elites.first)
        let written = "[\(JSONWriter.format(first.stepTime)), ["
        #expect(saved.contains("\"elites\": [" + written))
        try saved.replacingOccurrences(of: written, with: "[-1, [")
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            try Checkpoint.load(path, problem: problem)
        } throws: {
            "\($0)".contains("$.state.elites[0]") && "\($0)".contains("above 0")
        }
    }

    /// An elite with a device its stage may not use (a hand-edited file) is refused, not taught.
    @Test func anEliteOnADeviceItsStageMayNotUseIsRefused() throws {
        let problem = try CheckpointTests.problem()
        var optimizer = CheckpointTests.search(on: problem, seed: 2)
        let allowed = optimizer.inputs.allowedDevices
        let (stage, refused) = try CheckpointTests.refusingEntry(
            allowed, devices: problem.cluster.deviceCount)
        var stageDevices = allowed.map(\.trailingZeroBitCount)
        let path = CheckpointTests.path()
        optimizer.state.elites = [.init(stepTime: 5, stageDevices: stageDevices)]
        try Checkpoint.save(optimizer, to: path)
        #expect(try Checkpoint.load(path, problem: problem).state.elites.count == 1)
        stageDevices[stage] = refused
        optimizer.state.elites = [.init(stepTime: 5, stageDevices: stageDevices)]
        try Checkpoint.save(optimizer, to: path)
        #expect {
            try Checkpoint.load(path, problem: problem)
        } throws: {
            "\($0)".contains("$.state.elites[0]") && "\($0)".contains("its stage may use")
        }
    }
}
