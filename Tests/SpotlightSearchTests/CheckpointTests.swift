import Foundation
import Testing
import SpotlightModel
@testable import SpotlightSearch

@Suite struct CheckpointTests {
    static func problem(ops: Int = 300) throws -> PlacementProblem {
        try PlacementProblem(graph: SyntheticGraph(opCount: ops, seed: 6).graph(),
                             cluster: SyntheticCluster.make(deviceCount: 3), maximumStages: 10)
    }

    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("checkpoint-\(UUID().uuidString).json").path
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
        #expect(resumed.state.history.map(\.meanStepTime) == straight.state.history.map(\.meanStepTime))
        #expect(resumed.state.history.map(\.meanKL) == straight.state.history.map(\.meanKL))
    }

    @Test func aCheckpointForAnotherGraphIsRefused() throws {
        let problem = try Self.problem()
        let path = Self.path()
        try Checkpoint.save(Optimizer(problem: problem, configuration: OptimizerTests.configuration(.spotlight, samples: 4, seed: 1)), to: path)
        #expect {
            try Checkpoint.load(path, problem: Self.problem(ops: 200))
        } throws: { "\($0)".contains("\(path): $.ops: the checkpoint was made for 300 ops, this problem has 200") }
    }

    @Test func aDamagedCheckpointIsAClearError() throws {
        let path = Self.path()
        try "{\"format\": \"spotlight.checkpoint/1\", \"ops\": ".write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try Checkpoint.load(path, problem: Self.problem()) } throws: { "\($0)".contains("malformed JSON") }
    }
}
