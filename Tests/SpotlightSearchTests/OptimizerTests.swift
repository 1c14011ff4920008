import Foundation
import SpotlightModel
import SpotlightSimulation
import SpotlightTestSupport
import Synchronization
import Testing

@testable import SpotlightSearch

/// Records every assignment it is asked to measure, and measures it with the simulator.
final class RecordingEvaluator: Evaluator, @unchecked Sendable {
    let inner: SimulatorEvaluator
    private let lock = Mutex<[[Int]]>([])

    init(problem: PlacementProblem) {
        inner = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster, workers: 2)
    }

    init(_ inner: SimulatorEvaluator) { self.inner = inner }

    var seen: [[Int]] { lock.withLock { $0 } }

    func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        lock.withLock { $0.append(contentsOf: assignments) }
        return inner.evaluate(assignments, method: method)
    }
}

/// Hardware that flatters every placement the first time it runs (1 us) and takes 1 ms ever
/// after; counts its runs.
final class FlatteringHardware: Evaluator, @unchecked Sendable {
    private var seen: Set<[Int]> = []
    private(set) var runs = 0

    func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        runs += assignments.count
        return assignments.map { Evaluation(stepTime: seen.insert($0).inserted ? 1 : 1000) }
    }
}

@Suite(.tags(.slow), .skippedInQuickLoop) struct OptimizerTests {
    /// A small network keeps these tests quick in debug builds.
    static func configuration(_ method: OptimizerConfiguration.Method, samples: Int, seed: UInt64)
        -> OptimizerConfiguration
    {
        var configuration = OptimizerConfiguration(method: method, samples: samples, seed: seed)
        configuration.hiddenSize = 16
        configuration.embeddingSize = 8
        return configuration
    }

    static func problem(ops: Int = 600, devices: Int = 4, stages: Int = 24) throws
        -> PlacementProblem
    {
        try PlacementProblem(
            graph: SyntheticGraph(opCount: ops, seed: 3).graph(),
            cluster: SyntheticCluster.make(deviceCount: devices), maximumStages: stages)
    }

    @Test(arguments: [OptimizerConfiguration.Method.spotlight, .policyGradient])
    func learnsToPlaceFaster(method: OptimizerConfiguration.Method) throws {
        let problem = try Self.problem()
        var optimizer = Optimizer(
            problem: problem, configuration: Self.configuration(method, samples: 16, seed: 2))
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        for _ in 0..<30 { optimizer.iterate(evaluator: evaluator) }
        let history = optimizer.state.history
        let early = history.prefix(3).compactMap(\.meanStepTime).reduce(0, +) / 3
        let late = history.suffix(3).compactMap(\.meanStepTime).reduce(0, +) / 3
        #expect(late < 0.9 * early, "\(method): mean step time \(early) -> \(late)")
        #expect(history.last!.entropy < history.first!.entropy)
        let best = try #require(optimizer.state.bestStepTime)
        #expect(best >= optimizer.lowerBound)
        // The best assignment is valid and simulates to the recorded time.
        let assignment = try #require(optimizer.state.bestAssignment)
        let placement = Placement(
            graphName: "", clusterName: "", method: "", assignment: assignment)
        #expect(
            placement.violations(
                graph: problem.graph, cluster: problem.cluster, constraints: problem.constraints,
                file: ""
            ).isEmpty)
        var simulator = Simulator(graph: problem.graph, cluster: problem.cluster)
        #expect(simulator.simulate(assignment).stepTime == best)
    }

    @Test func sameSeedSameRun() throws {
        let problem = try Self.problem(ops: 300, stages: 12)
        func run() -> OptimizerState {
            var optimizer = Optimizer(
                problem: problem, configuration: Self.configuration(.spotlight, samples: 8, seed: 5)
            )
            let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
            for _ in 0..<5 { optimizer.iterate(evaluator: evaluator) }
            return optimizer.state
        }
        let first = run()
        let second = run()
        #expect(first.network == second.network)
        #expect(first.adam == second.adam)
        #expect(first.random == second.random)
        #expect(first.bestAssignment == second.bestAssignment)
        #expect(first.history.map(\.meanStepTime) == second.history.map(\.meanStepTime))
        #expect(first.history.map(\.meanKL) == second.history.map(\.meanKL))
    }

    @Test func pinsAppearInEverySampledPlacementFromTheNextIteration() throws {
        let problem = try Self.problem(ops: 400, stages: 16)
        var optimizer = Optimizer(
            problem: problem, configuration: Self.configuration(.spotlight, samples: 8, seed: 1))
        let evaluator = RecordingEvaluator(problem: problem)
        optimizer.iterate(evaluator: evaluator)
        let stage = 5
        let device = 2
        let op = try #require(
            (0..<problem.graph.count).first {
                problem.stages.stageOf[$0] == 9 && problem.graph.colocateWith[$0] < 0
            })
        optimizer.pin(stage: stage, to: device)
        optimizer.pin(op: op, to: 3)
        let before = evaluator.seen.count
        for _ in 0..<3 { optimizer.iterate(evaluator: evaluator) }
        let after = evaluator.seen.dropFirst(before)
        #expect(after.count == 24)
        for assignment in after {
            for member in problem.stages.ops(of: stage)
            where problem.constraints.allows(op: member, device: device) {
                #expect(assignment[member] == device)
            }
            #expect(assignment[op] == 3)
        }
        // Unpinning frees them again: the policy samples other devices for the stage.
        optimizer.pin(stage: stage, to: nil)
        #expect(optimizer.state.stagePins[stage] == -1)
    }

    /// Rewards -1, -2, (failed), -3: mean -2, deviation sqrt(2/3).
    @Test func advantagesAreRewardsAgainstTheBaselineOverTheBatchDeviation() {
        let rewards: [Double?] = [-1, -2, nil, -3]
        let scale = Float((2.0 / 3.0).squareRoot())
        let batchMean = Optimizer.advantages(of: rewards, baseline: -2)
        for (got, expected) in zip(batchMean, [1 / scale, 0, 0, -1 / scale]) {
            #expect(abs(got - expected) < 1e-6)
        }
        #expect(abs(batchMean.reduce(0, +)) < 1e-6, "against the batch's mean they sum to zero")
        let moving = Optimizer.advantages(of: rewards, baseline: -1.5)
        for (got, expected) in zip(moving, [0.5 / scale, -0.5 / scale, 0, -1.5 / scale]) {
            #expect(abs(got - expected) < 1e-6)
        }
        #expect(
            Optimizer.advantages(of: [-1, -1], baseline: -2) == [1, 1],
            "equal rewards are not divided by a zero deviation")
        #expect(Optimizer.advantages(of: [nil, nil], baseline: -2) == [0, 0])
    }

    @Test func betaFollowsTheKLButNotAFirstStepItCannotShape() {
        // Target 0.3: above 0.45 doubles, below 0.2 halves, between leaves it.
        #expect(PolicyUpdate.adapted(1, divergence: 0.5, target: 0.3, steps: 3) == 2)
        #expect(PolicyUpdate.adapted(1, divergence: 0.5, target: 0.3, steps: 1) == 1)
        #expect(PolicyUpdate.adapted(1, divergence: 0.3, target: 0.3, steps: 8) == 1)
        #expect(PolicyUpdate.adapted(1, divergence: 0.1, target: 0.3, steps: 1) == 0.5)
        #expect(PolicyUpdate.adapted(8000, divergence: 2, target: 0.3, steps: 2) == 1e4)
        #expect(PolicyUpdate.adapted(1.5e-4, divergence: 0, target: 0.3, steps: 8) == 1e-4)
    }

    @Test func eachMethodsAdamHasItsEpsilon() throws {
        #expect(OptimizerConfiguration(method: .spotlight).adamEpsilon == 0.01)
        #expect(OptimizerConfiguration(method: .policyGradient).adamEpsilon == 1e-8)
        var configuration = Self.configuration(.spotlight, samples: 4, seed: 1)
        configuration.adamEpsilon = 0.5
        let optimizer = Optimizer(problem: try Self.problem(), configuration: configuration)
        #expect(optimizer.state.adam.epsilon == 0.5)
    }

    @Test func theLearningRateRampsUpOverTheWarmUpIterations() throws {
        var configuration = Self.configuration(.spotlight, samples: 4, seed: 2)
        configuration.learningRate = 0.002
        #expect(
            (0..<3).map { configuration.learningRate(atIteration: $0) } == [0.002, 0.002, 0.002],
            "no warm-up by default")
        configuration.learningRateWarmup = 4
        let ramp = (0..<6).map { configuration.learningRate(atIteration: $0) }
        for (got, expected) in zip(ramp, [0.0005, 0.001, 0.0015, 0.002, 0.002, 0.002] as [Float]) {
            #expect(abs(got - expected) < 1e-9)
        }

        let problem = try Self.problem(ops: 60, stages: 6)
        var optimizer = Optimizer(problem: problem, configuration: configuration)
        let evaluator = SimulatorEvaluator(
            graph: problem.graph, cluster: problem.cluster, workers: 1)
        optimizer.iterate(evaluator: evaluator)
        #expect(
            optimizer.state.adam.learningRate == 0.0005,
            "the first batch's update used a quarter of the rate")
        optimizer.iterate(evaluator: evaluator)
        #expect(optimizer.state.adam.learningRate == 0.001)
    }

    @Test func outOfMemoryPlacementsArePenalisedNotRewarded() throws {
        // GPUs too small for every weight: the search must learn to avoid the out-of-memory ones.
        let graph = SyntheticGraph(opCount: 300, seed: 4).graph()
        let base = SyntheticCluster.make(deviceCount: 3)
        var devices = base.devices
        devices[1].memoryGBytes = graph.totalPersistentBytes / 2 / 1e9
        let cluster = try Cluster(
            name: "small", devices: devices, links: base.links, defaultLink: base.defaultLink)
        let problem = try PlacementProblem(graph: graph, cluster: cluster, maximumStages: 12)
        var optimizer = Optimizer(
            problem: problem, configuration: Self.configuration(.spotlight, samples: 16, seed: 3))
        let evaluator = SimulatorEvaluator(graph: graph, cluster: cluster)
        for _ in 0..<25 { optimizer.iterate(evaluator: evaluator) }
        let history = optimizer.state.history
        #expect(
            history.suffix(3).map(\.outOfMemorySamples).reduce(0, +)
                < history.prefix(3).map(\.outOfMemorySamples).reduce(0, +)
                || history.prefix(3).map(\.outOfMemorySamples).reduce(0, +) == 0)
        if let best = optimizer.state.bestAssignment {
            var simulator = Simulator(graph: graph, cluster: cluster)
            #expect(!simulator.simulate(best).outOfMemory)
        }
    }

    @Test func aWarmStartTeachesThePolicyTheHeuristicPlacement() throws {
        let base = try Self.problem(ops: 400, devices: 4, stages: 64)
        let (problem, start) = WarmStart.best.prepare(base, baselines: Baselines.run(base))
        let heuristic = try #require(start)
        #expect(heuristic.method == WarmStart.fastest(Baselines.run(base))?.method)
        var configuration = Self.configuration(.spotlight, samples: 8, seed: 1)
        configuration.warmStartConfidence = 0.9
        let optimizer = Optimizer(
            problem: problem, configuration: configuration, warmStart: heuristic.assignment)
        let target = problem.stageDevices(
            of: heuristic.assignment, allowedDevices: optimizer.inputs.allowedDevices)
        // The refined stages express the heuristic's placement exactly...
        #expect(optimizer.problem.assignment(stageDevices: target) == heuristic.assignment)
        // ...and the policy's likeliest path is that placement, with at least the confidence asked.
        let probabilities = optimizer.stageProbabilities()
        for stage in 0..<problem.stages.count {
            #expect(
                probabilities[stage][target[stage]] >= 0.9,
                "stage \(stage): \(probabilities[stage])")
        }
        // A fresh policy is nowhere near that where there is a choice.
        let fresh = Optimizer(problem: problem, configuration: configuration).stageProbabilities()
        let choices = (0..<problem.stages.count).filter {
            optimizer.inputs.allowedDevices[$0].nonzeroBitCount > 1
        }
        #expect(choices.count > problem.stages.count / 2)
        #expect(choices.filter { fresh[$0][target[$0]] >= 0.9 }.isEmpty)
    }

    @Test(arguments: [OptimizerConfiguration.Method.spotlight, .policyGradient])
    func aWarmStartedSearchSamplesAroundItsStart(method: OptimizerConfiguration.Method) throws {
        let base = try Self.problem(ops: 400, devices: 4, stages: 64)
        let baselines = Baselines.run(base)
        let (problem, start) = WarmStart.best.prepare(base, baselines: baselines)
        let heuristic = try #require(start)
        var optimizer = Optimizer(
            problem: problem, configuration: Self.configuration(method, samples: 16, seed: 2),
            warmStart: heuristic.assignment)
        let evaluator = RecordingEvaluator(problem: problem)
        for _ in 0..<10 { optimizer.iterate(evaluator: evaluator) }
        // Most samples stay close to the start: on average fewer than a quarter of the ops move.
        let moved = evaluator.seen.map { assignment in
            zip(assignment, heuristic.assignment).filter { $0 != $1 }.count
        }
        #expect(
            Double(moved.reduce(0, +)) / Double(moved.count) < 0.25 * Double(problem.graph.count))
        let best = try #require(optimizer.state.bestStepTime)
        #expect(
            best <= heuristic.result.stepTime,
            "\(method): best \(best) against \(heuristic.method) \(heuristic.result.stepTime)")
    }

    @Test func withoutAWarmStartNothingChanges() throws {
        let base = try Self.problem(ops: 300, stages: 12)
        let (problem, start) = WarmStart.none.prepare(base, baselines: Baselines.run(base))
        #expect(start == nil)
        #expect(problem.stages.stageOf == base.stages.stageOf)
    }
}
