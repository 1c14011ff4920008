import SpotlightModel
import SpotlightSimulation
import Testing

@testable import SpotlightSearch

/// The local search that polishes the best placement: hand-computed small cases, and properties
/// on random graphs.
@Suite struct LocalSearchTests {
    /// Three independent 100 us ops on one of two GPUs, `c` colocated with `b`: 300 us all on
    /// gpu:0, 200 us at best (`a` alone on one GPU, `b` and `c` on the other).
    func threeOps() throws -> PlacementProblem {
        var c = op("c", 100)
        c.colocateWith = "b"
        return try PlacementProblem(
            graph: OperationGraph(name: "g", ops: [op("a", 100), op("b", 100), c]), cluster: gpus(2)
        )
    }

    func time(_ assignment: [Int], _ problem: PlacementProblem) -> Double {
        var simulator = Simulator(problem: problem)
        return simulator.simulate(assignment).stepTime
    }

    @Test func movesOneUnitToTheIdleDeviceAndStopsAtTheOptimum() throws {
        let problem = try threeOps()
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        #expect(time([0, 0, 0], problem) == 300)
        let outcome = LocalSearch(problem: problem).polish(
            [0, 0, 0], stepTime: 300, evaluator: evaluator, budget: 100)
        #expect(outcome.stepTime == 200)
        #expect(outcome.improvements == 1)
        #expect(outcome.isLocalOptimum)
        #expect(outcome.assignment[1] == outcome.assignment[2], "a colocation set moves whole")
        #expect(outcome.assignment[0] != outcome.assignment[1])
        #expect(time(outcome.assignment, problem) == 200)
    }

    @Test func pinnedOpsAndTheirSetsStay() throws {
        let problem = try threeOps()
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        // c is pinned to gpu:1, so b goes with it; only a may move, and it does, to gpu:0.
        let search = LocalSearch(problem: problem, opPins: [-1, -1, 1])
        let outcome = search.polish([1, 1, 1], stepTime: 300, evaluator: evaluator, budget: 100)
        #expect(outcome.assignment == [0, 1, 1])
        #expect(outcome.stepTime == 200)
    }

    @Test func aPlacementNoMoveImprovesIsKept() throws {
        let problem = try threeOps()
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        let outcome = LocalSearch(problem: problem).polish(
            [1, 0, 0], stepTime: 200, evaluator: evaluator, budget: 100)
        #expect(outcome.assignment == [1, 0, 0])
        #expect(outcome.improvements == 0)
        #expect(outcome.isLocalOptimum)
        #expect(outcome.evaluated > 0)
    }

    @Test func theBudgetAndAStopAreObeyed() throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 300, seed: 5).graph(),
            cluster: SyntheticCluster.make(deviceCount: 4),
            maximumStages: 16)
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        let start = try #require(RoundRobinPlacer().place(problem))
        let search = LocalSearch(problem: problem)
        let limited = search.polish(
            start, stepTime: time(start, problem), evaluator: evaluator, budget: 37)
        #expect(limited.evaluated <= 37 && limited.evaluated > 16)
        #expect(!limited.isLocalOptimum)
        let stopped = search.polish(
            start, stepTime: time(start, problem), evaluator: evaluator, budget: 1000,
            shouldStop: { true })
        #expect(stopped.evaluated == 0 && stopped.assignment == start && !stopped.isLocalOptimum)
    }

    /// Hardware that flatters every placement the first time it runs (1 us) and takes 1 ms ever
    /// after: without confirming, the polish is fooled at once; confirmed twice, the median of the
    /// three runs shows no move helps.
    @Test func confirmationsKeepANoisyFirstMeasurementFromFoolingIt() throws {
        let problem = try threeOps()
        let fooled = LocalSearch(problem: problem).polish(
            [0, 0, 0], stepTime: 1000, evaluator: FlatteringHardware(), budget: 100)
        #expect(fooled.stepTime == 1)
        let careful = LocalSearch(problem: problem).polish(
            [0, 0, 0], stepTime: 1000, evaluator: FlatteringHardware(), budget: 100,
            confirmations: 2)
        #expect(
            careful.stepTime == 1000 && careful.improvements == 0
                && careful.assignment == [0, 0, 0])
        #expect(careful.isLocalOptimum)
    }

    /// A would-be move's confirmations fit the budget: a noisy polish never measures more than
    /// it was given (before, a full last batch with an improving move went over by them).
    @Test(arguments: [5, 17, 18, 19, 60])
    func aConfirmingPolishMeasuresAtMostItsBudget(budget: Int) throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 300, seed: 5).graph(),
            cluster: SyntheticCluster.make(deviceCount: 4), maximumStages: 16)
        let start = try #require(RoundRobinPlacer().place(problem))
        let counter = CountingEvaluator(
            NoisyEvaluator(SimulatorEvaluator(problem: problem), spread: 0.05, seed: 3))
        let outcome = LocalSearch(problem: problem).polish(
            start, stepTime: time(start, problem), evaluator: counter, budget: budget,
            confirmations: 2)
        #expect(counter.count == outcome.evaluated)
        #expect(outcome.evaluated <= budget)
        #expect(outcome.evaluated > budget - 16 - 2 || outcome.isLocalOptimum)
    }

    /// Hardware where each of two ops moved to gpu:1 saves 100 us; moved together they save
    /// 200 us if `additive`, else cost 200 us.
    struct TwoMovesHardware: Evaluator {
        var additive: Bool
        func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
            assignments.map { placement in
                let moved = placement.filter { $0 == 1 }.count
                let time = moved == 2 && !additive ? 1200.0 : 1000.0 - 100.0 * Double(moved)
                return Evaluation(stepTime: time)
            }
        }
    }

    /// From both ops on gpu:0, one batch holds both single moves (900 us each). Compound moves
    /// also measure the two together and keep them when faster (800 us in one step); the plain
    /// climb takes one move a batch.
    @Test(arguments: [true, false])
    func compoundMovesJoinABatchsImprovingMoves(additive: Bool) throws {
        let problem = try PlacementProblem(
            graph: OperationGraph(name: "g", ops: [op("a", 100), op("b", 100)]), cluster: gpus(2))
        let hardware = TwoMovesHardware(additive: additive)
        let compound = LocalSearch(problem: problem, compoundMoves: true).polish(
            [0, 0], stepTime: 1000, evaluator: hardware, budget: 3)
        #expect(compound.evaluated == 3)
        #expect(compound.improvements == 1)
        #expect(compound.stepTime == (additive ? 800 : 900))
        let plain = LocalSearch(problem: problem).polish(
            [0, 0], stepTime: 1000, evaluator: hardware, budget: 3)
        #expect(plain.stepTime == (additive ? 800 : 900))
        #expect(plain.improvements == (additive ? 2 : 1))
        let tight = LocalSearch(problem: problem, compoundMoves: true).polish(
            [0, 0], stepTime: 1000, evaluator: hardware, budget: 2)
        #expect(tight.evaluated == 2 && tight.stepTime == 900, "the compound fits no budget left")
    }

    /// Placements a search measured before are known to be no faster than its best: a polish
    /// from the best does not measure them again, and stops at once when they are all its moves.
    @Test func placementsMeasuredBeforeAreNotMeasuredAgain() throws {
        let problem = try threeOps()
        let evaluator = RecordingEvaluator(problem: problem)
        let first = LocalSearch(problem: problem).polish(
            [1, 0, 0], stepTime: 200, evaluator: evaluator, budget: 100)
        #expect(first.evaluated > 0 && evaluator.seen.count == first.evaluated)
        var known = MeasuredPlacements()
        for placement in evaluator.seen {
            known.record(
                MeasuredPlacements.fingerprint(placement),
                Evaluation(stepTime: time(placement, problem)))
        }
        let again = LocalSearch(problem: problem).polish(
            [1, 0, 0], stepTime: 200, evaluator: evaluator, budget: 100, measured: known)
        #expect(again.evaluated == 0 && again.isLocalOptimum && again.assignment == [1, 0, 0])
        #expect(evaluator.seen.count == first.evaluated)
    }

    /// A climb measures each placement at most once, and never its start, though its passes over
    /// stages and over colocation sets, and a quiet pass after another kind's, propose many again.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func aClimbMeasuresNoPlacementTwice(seed: UInt64) throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 120, seed: seed).graph(),
            cluster: SyntheticCluster.make(deviceCount: 3),
            maximumStages: 12)
        let evaluator = RecordingEvaluator(problem: problem)
        let start = try #require(RoundRobinPlacer().place(problem))
        let outcome = LocalSearch(problem: problem).polish(
            start, stepTime: time(start, problem), evaluator: evaluator, budget: 1_000_000,
            seed: seed)
        let seen = evaluator.seen
        let distinct = Set(seen).count
        let startMeasured = seen.contains(start)
        #expect(outcome.isLocalOptimum && outcome.evaluated == seen.count)
        #expect(distinct == seen.count)
        #expect(!startMeasured)
    }

    /// From round robin on random graphs: never slower, valid, its reported time the simulator's,
    /// the same for the same seed; and at a local optimum no single colocation set or stage moved
    /// to another device is faster.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func climbsToAValidLocalOptimum(seed: UInt64) throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 120, seed: seed).graph(),
            cluster: SyntheticCluster.make(deviceCount: 3),
            maximumStages: 12)
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        let start = try #require(RoundRobinPlacer().place(problem))
        let startTime = time(start, problem)
        let search = LocalSearch(problem: problem)
        let outcome = search.polish(
            start, stepTime: startTime, evaluator: evaluator, budget: 1_000_000, seed: seed)
        #expect(outcome.isLocalOptimum)
        #expect(outcome.stepTime < startTime)
        #expect(outcome.stepTime == time(outcome.assignment, problem))
        #expect(
            search.polish(
                start, stepTime: startTime, evaluator: evaluator, budget: 1_000_000, seed: seed)
                == outcome)
        expectLocalOptimum(outcome, problem, time: { time($0, problem) })
    }

    /// No colocation set or stage of `outcome`'s placement moved to another device is faster by
    /// `time`, and the placement is valid.
    func expectLocalOptimum(
        _ outcome: LocalSearch.Outcome, _ problem: PlacementProblem, time: ([Int]) -> Double
    ) {
        let constraints = problem.constraints
        for op in 0..<problem.graph.count {
            #expect(constraints.allows(op: op, device: outcome.assignment[op]))
            #expect(outcome.assignment[op] == outcome.assignment[constraints.colocationRoot[op]])
        }
        var units: [[Int]] = Array(
            Dictionary(grouping: 0..<problem.graph.count) { constraints.colocationRoot[$0] }.values)
        units += Dictionary(grouping: 0..<problem.graph.count) { problem.stages.stageOf[$0] }.values
        for unit in units {
            for device in 0..<problem.cluster.deviceCount {
                var wishes = outcome.assignment
                for op in unit where constraints.allows(op: op, device: device) {
                    wishes[op] = device
                }
                #expect(time(problem.repaired(wishes)) >= outcome.stepTime)
            }
        }
    }

    /// Screened by an exact model, a climb measures only moves that help until a pass finds
    /// none, so it reaches a local optimum in fewer measurements than the plain climb.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func anExactScreenReachesTheOptimumInFewerMeasurements(seed: UInt64) throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 120, seed: seed).graph(),
            cluster: SyntheticCluster.make(deviceCount: 3), maximumStages: 12)
        let evaluator = SimulatorEvaluator(problem: problem)
        let start = try #require(RoundRobinPlacer().place(problem))
        var screened = LocalSearch(problem: problem)
        screened.screen = SimulatorEvaluator(problem: problem)
        let plain = LocalSearch(problem: problem).polish(
            start, stepTime: time(start, problem), evaluator: evaluator, budget: 1_000_000,
            seed: seed)
        let outcome = screened.polish(
            start, stepTime: time(start, problem), evaluator: evaluator, budget: 1_000_000,
            seed: seed)
        #expect(outcome.isLocalOptimum && outcome.screened > 0 && plain.screened == 0)
        #expect(outcome.evaluated < plain.evaluated)
        expectLocalOptimum(outcome, problem, time: { time($0, problem) })
    }

    /// A model that is wrong only changes the order of the measurements: the climb still ends at
    /// a local optimum of the machine it measures, measuring no placement twice.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func aWrongModelStillEndsAtTheMachinesOptimum(seed: UInt64) throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 120, seed: seed).graph(),
            cluster: SyntheticCluster.make(deviceCount: 3), maximumStages: 12)
        let error = ModelError(spread: 0.6, seed: seed)
        let machine = try error.cluster(problem.cluster)
        let cost = error.cost(problem.cost, cluster: problem.cluster)
        var truth = Simulator(graph: problem.graph, cluster: machine, cost: cost)
        let evaluator = RecordingEvaluator(
            SimulatorEvaluator(graph: problem.graph, cluster: machine, cost: cost))
        var search = LocalSearch(problem: problem)
        search.screen = SimulatorEvaluator(problem: problem)
        let start = try #require(RoundRobinPlacer().place(problem))
        let outcome = search.polish(
            start, stepTime: truth.simulate(start).stepTime, evaluator: evaluator,
            budget: 1_000_000, seed: seed)
        #expect(outcome.isLocalOptimum && outcome.screened > 0)
        #expect(Set(evaluator.seen).count == evaluator.seen.count)
        expectLocalOptimum(outcome, problem, time: { truth.simulate($0).stepTime })
    }
}
