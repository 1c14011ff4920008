import Foundation
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation
import Synchronization
import Testing

/// An evaluator that answers from a script: each call takes the next answers, in order, and
/// remembers which assignments it was asked about, and for which method.
final class ScriptedEvaluator: Evaluator, @unchecked Sendable {
    private let state: Mutex<(answers: [Evaluation], asked: [[Int]], methods: [String])>

    init(_ answers: [Evaluation]) { state = Mutex((answers, [], [])) }

    var asked: [[Int]] { state.withLock { $0.asked } }
    var methods: [String] { state.withLock { $0.methods } }

    func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        state.withLock { state in
            state.asked += assignments
            state.methods += assignments.map { _ in method }
            let taken = Array(state.answers.prefix(assignments.count))
            state.answers.removeFirst(taken.count)
            return taken
        }
    }
}

@Suite struct MeasurementTests {
    /// A baseline whose simulated time is `simulated`, with a made-up assignment that names it.
    static func baseline(_ method: String, _ device: Int, simulated: Double) throws
        -> BaselineResult
    {
        let problem = try OptimizerTests.problem(ops: 40, stages: 4)
        var simulator = Simulator(graph: problem.graph, cluster: problem.cluster)
        var result = simulator.simulate(SingleDevicePlacer().place(problem)!)
        result.stepTime = simulated
        return BaselineResult(method: method, assignment: [device, device], result: result)
    }

    @Test func measuredBaselinesReplaceTheSimulatorsTimesAndFailuresAreLeftOut() throws {
        let simulated = [
            try Self.baseline("a", 0, simulated: 10), try Self.baseline("b", 1, simulated: 20),
            try Self.baseline("c", 2, simulated: 30),
        ]
        let evaluator = ScriptedEvaluator([
            Evaluation(stepTime: 300), Evaluation(stepTime: nil, failure: "exit status 1"),
            Evaluation(stepTime: 100, outOfMemory: true),
        ])
        var reported: [String] = []
        let (measured, failures) = Baselines.measure(simulated, with: evaluator) {
            baseline, evaluation in
            reported.append(
                "\(baseline.method) \(evaluation.stepTime.map { String($0) } ?? "failed")")
        }
        #expect(evaluator.asked == [[0, 0], [1, 1], [2, 2]])
        #expect(
            evaluator.methods == ["a", "b", "c"],
            "each placement goes out under its baseline's name")
        #expect(reported == ["a 300.0", "b failed", "c 100.0"], "each baseline as it is measured")
        #expect(measured.map(\.method) == ["a", "c"])
        #expect(measured.map(\.stepTime) == [300, 100])
        #expect(measured.map(\.outOfMemory) == [false, true])
        #expect(measured[0].result.stepTime == 10, "the simulation is kept beside the measurement")
        #expect(failures.map { $0.method } == ["b"])
        #expect(failures.map { $0.reason } == ["exit status 1"])
        // The warm start follows the measurements: a is fastest measured (c is out of memory),
        // though slower simulated.
        #expect(WarmStart.fastest(measured)?.method == "a")
    }

    /// Each heuristic climbed in the model: never slower there than where it started, named
    /// after it, deterministic, and never a placement listed already; none with no moves.
    @Test func heuristicsPolishedInTheModelAreFasterThereAndNew() throws {
        let problem = try OptimizerTests.problem(ops: 300, stages: 16)
        let heuristics = Baselines.run(problem)
        let polished = Baselines.polished(heuristics, in: problem, moves: 400)
        #expect(!polished.isEmpty)
        #expect(Baselines.polished(heuristics, in: problem, moves: 0).isEmpty)
        for baseline in polished {
            let source = try #require(
                heuristics.first { $0.method + "+polish" == baseline.method })
            #expect(baseline.stepTime < source.stepTime)
            var simulator = Simulator(problem: problem)
            #expect(simulator.simulate(baseline.assignment).stepTime == baseline.stepTime)
        }
        let listed = Set(heuristics.map { MeasuredPlacements.fingerprint($0.assignment) })
        let new = Set(polished.map { MeasuredPlacements.fingerprint($0.assignment) })
        #expect(new.count == polished.count && new.isDisjoint(with: listed))
        let again = Baselines.polished(heuristics, in: problem, moves: 400)
        #expect(again.map(\.assignment) == polished.map(\.assignment))
    }

    /// The default polish takes every move on a small graph and fewer on a large one, so that
    /// the simulations stay within their bound.
    @Test func theDefaultPolishShrinksOnLargeGraphs() throws {
        let small = try OptimizerTests.problem(ops: 300, stages: 16)
        #expect(Baselines.defaultPolishMoves(for: small) == Baselines.modelPolishMoves)
        let large = try OptimizerTests.problem(ops: 10_000, stages: 64)
        let moves = Baselines.defaultPolishMoves(for: large)
        #expect(moves < Baselines.modelPolishMoves && moves >= 1_000)
        #expect(moves * large.graph.count <= Baselines.modelPolishWork)
    }

    @Test func remeasuringGoesInRoundsAndTakesTheMedianOfTheValidRuns() {
        let answers: [Double?] = [
            5, 50,  // round 1: placement 0, placement 1
            7, nil,  // round 2: placement 1 fails
            6, 40,  // round 3
            9, 60,  // round 4
        ]
        let evaluator = ScriptedEvaluator(
            answers.map { Evaluation(stepTime: $0, failure: $0 == nil ? "timed out" : nil) })
        let medians = Remeasurement.medians(
            of: [("pg", [0]), ("heft", [1])], repeats: 4, evaluator: evaluator)
        #expect(evaluator.asked == [[0], [1], [0], [1], [0], [1], [0], [1]])
        #expect(evaluator.methods == ["pg", "heft", "pg", "heft", "pg", "heft", "pg", "heft"])
        #expect(medians == [6.5, 50])
    }

    /// The spread is the pooled deviation of log times about each placement's own mean: runs of
    /// 100·e^±0.02 and 100 give squares 0.0004 twice over two degrees of freedom, a placement run
    /// twice at 50 adds one degree and nothing else, one run adds nothing.
    @Test func theSpreadPoolsEachPlacementsDeviationOfLogTimes() throws {
        let runs = [[100, 100 * exp(0.02), 100 * exp(-0.02)], [50, 50], [70]]
        let spread = try #require(Remeasurement.spread(runs))
        #expect(abs(spread - (0.0008 / 3).squareRoot()) < 1e-12)
        #expect(Remeasurement.spread([[70], [80]]) == nil)
        #expect(Remeasurement.spread([]) == nil)
        #expect(Remeasurement.spread([[3, 3, 3]]) == 0)
    }

    /// A stop is heeded between rounds: the rounds made so far give the medians.
    @Test func remeasuringStopsWhenAsked() {
        let evaluator = ScriptedEvaluator((1...6).map { Evaluation(stepTime: Double($0)) })
        let calls = Mutex(0)
        let medians = Remeasurement.medians(
            of: [("a", [0]), ("b", [1])], repeats: 3, evaluator: evaluator,
            shouldStop: {
                calls.withLock {
                    $0 += 1
                    return $0 > 2
                }
            })
        #expect(evaluator.asked.count == 4)
        #expect(medians == [2, 3])
        let none = Remeasurement.medians(
            of: [("a", [0])], repeats: 2, evaluator: ScriptedEvaluator([]), shouldStop: { true })
        #expect(none == [nil])
    }

    @Test func aWouldBeBestIsMeasuredAgainAndKeptOnlyIfItsMedianStillWins() throws {
        let problem = try OptimizerTests.problem(ops: 60, stages: 6)
        var configuration = OptimizerTests.configuration(.spotlight, samples: 4, seed: 5)
        configuration.confirmations = 2
        var optimizer = Optimizer(problem: problem, configuration: configuration)
        let evaluator = ScriptedEvaluator(
            [
                // A batch of four, then the would-be best measured twice more:
                // sample 0 would be best; again, median 100: the best.
                90, 100, 100, 100, 100, 100,
                // Sample 3 was lucky; again, median 120: not better.
                100, 100, 100, 50, 120, 130,
                // Sample 1; again, median 85: the new best.
                100, 80, 100, 100, 85, 90,
            ].map { Evaluation(stepTime: $0) })
        var firstBest: [Int]?
        for iteration in 1...3 {
            let stats = optimizer.iterate(evaluator: evaluator)
            let asked = evaluator.asked
            let batch = Array(asked[(asked.count - 6)..<(asked.count - 2)])
            let candidate = batch[[0, 3, 1][iteration - 1]]
            #expect(
                asked.suffix(2) == [candidate, candidate],
                "the would-be best is the one measured again")
            #expect(
                stats.bestStepTime == [90, 50, 80][iteration - 1],
                "the batch's best first measurement")
            #expect(stats.bestSoFar == [100, 100, 85][iteration - 1])
            if iteration == 1 { firstBest = candidate }
            #expect(optimizer.state.bestAssignment == (iteration < 3 ? firstBest : candidate))
        }
        #expect(Set(evaluator.methods) == ["spotlight"])
    }

    @Test func aPolicyGradientSearchSendsItsPlacementsAsPG() throws {
        let problem = try OptimizerTests.problem(ops: 60, stages: 6)
        var optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.policyGradient, samples: 4, seed: 5))
        let evaluator = ScriptedEvaluator((0..<4).map { Evaluation(stepTime: Double(100 + $0)) })
        optimizer.iterate(evaluator: evaluator)
        #expect(evaluator.methods == ["pg", "pg", "pg", "pg"])
    }
}
