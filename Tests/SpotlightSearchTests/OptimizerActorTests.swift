import Foundation
import SpotlightModel
import SpotlightSimulation
import SpotlightTestSupport
import Testing

@testable import SpotlightSearch

@Suite(.tags(.slow), .skippedInQuickLoop) struct OptimizerActorTests {
    static func actor(evaluator: (any Evaluator)? = nil, limit: Int? = nil) throws -> (
        OptimizerActor, PlacementProblem
    ) {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 300, seed: 2).graph(),
            cluster: SyntheticCluster.make(deviceCount: 4), maximumStages: 12)
        let optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.spotlight, samples: 8, seed: 1))
        let chosen = evaluator ?? SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        return (
            OptimizerActor(optimizer: optimizer, evaluator: chosen, iterationLimit: limit), problem
        )
    }

    /// Waits (up to 300 s) until a snapshot satisfies `condition`. Each of the actor's rounds
    /// resumes on a cooperative thread, queued behind every other test of the run, so on a busy
    /// machine a run that takes a moment alone can take minutes.
    static func waitFor(_ actor: OptimizerActor, _ condition: (OptimizerSnapshot) -> Bool) async
        -> OptimizerSnapshot?
    {
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            let snapshot = await actor.snapshot()
            if condition(snapshot) { return snapshot }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return nil
    }

    /// Under a budget the actor runs the learned search's and the climb's rounds, finishes once
    /// the budget is spent, and says where the budget went and what found the best placement.
    @Test func aBudgetedRunFinishesAtItsBudget() async throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 300, seed: 2).graph(),
            cluster: SyntheticCluster.make(deviceCount: 4), maximumStages: 12)
        let start = try #require(RoundRobinPlacer().place(problem))
        var simulator = Simulator(problem: problem)
        let optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.spotlight, samples: 8, seed: 1),
            warmStart: start, warmStartTime: simulator.simulate(start).stepTime)
        let plan = BudgetedSearch(budget: 120, searchShare: 0.2)
        let actor = OptimizerActor(
            optimizer: optimizer, evaluator: SimulatorEvaluator(problem: problem), plan: plan)
        await actor.start()
        let done = try #require(await Self.waitFor(actor) { $0.status == .finished })
        let budget = try #require(done.budget)
        #expect(budget.budget == 120 && budget.measured <= 120 && budget.measured > 100)
        #expect(budget.climbMeasured > 0 && budget.climbMeasured < budget.measured)
        #expect(done.iteration > 0 && budget.bestFoundBy != .start)
        // The same rounds outside the actor: it names the finder they name.
        var alone = optimizer
        var rounds = BudgetedSearch.Interleaving(plan: plan, optimizer: alone)
        let counter = CountingEvaluator(SimulatorEvaluator(problem: problem))
        while rounds.round(&alone, evaluator: counter) != nil {}
        #expect(budget.bestFoundBy == rounds.bestFoundBy && budget.trace == rounds.trace)
        #expect(done.bestStepTime == alone.state.bestStepTime)
        #expect(budget.trace.points.last?.measured == budget.measured)
        #expect(try #require(done.bestStepTime) < simulator.simulate(start).stepTime)
        #expect(await actor.polishBest() == false, "the climb is part of a budgeted run")
        await actor.stop()
    }

    @Test func pauseStopsTheCountAndResumeContinuesTheSameCurves() async throws {
        let (actor, _) = try Self.actor()
        await actor.start()
        let running = try #require(await Self.waitFor(actor) { $0.iteration >= 3 })
        #expect(running.status == .running)
        await actor.pause()
        let pausedAt = await actor.snapshot()
        #expect(pausedAt.status == .paused, "pause takes effect at once")
        // The iteration under way when pausing may still complete; then the count stops.
        let settled = try #require(
            await Self.waitFor(actor) { $0.status == .paused && !$0.iterationInFlight })
        #expect(settled.iteration <= pausedAt.iteration + 1)
        try await Task.sleep(nanoseconds: 500_000_000)
        let later = await actor.snapshot()
        #expect(later.iteration == settled.iteration, "no iterations while paused")
        #expect(!later.iterationInFlight)
        await actor.resume()
        let resumed = try #require(
            await Self.waitFor(actor) { $0.iteration >= settled.iteration + 2 })
        #expect(resumed.history.count == resumed.iteration)
        #expect(
            Array(resumed.history.prefix(later.history.count)) == later.history,
            "the same curves continue")
        await actor.stop()
        #expect(await actor.snapshot().status == .stopped)
    }

    @Test func pinsTakeEffectAtTheNextIteration() async throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 300, seed: 2).graph(),
            cluster: SyntheticCluster.make(deviceCount: 4), maximumStages: 12)
        let recorder = RecordingEvaluator(problem: problem)
        let (actor, _) = try Self.actor(evaluator: recorder)
        await actor.start()
        _ = await Self.waitFor(actor) { $0.iteration >= 1 }
        #expect(await actor.pin(stage: 3, to: 2))
        #expect(!(await actor.pin(stage: 3, to: 99)), "a device the cluster lacks is refused")
        let pinnedAt = await actor.snapshot()
        let seenBefore = recorder.seen.count
        #expect(pinnedAt.stagePins[3] == 2)
        _ = await Self.waitFor(actor) { $0.iteration >= pinnedAt.iteration + 3 }
        await actor.stop()
        // Skip the batch that may have been under way when the pin arrived.
        let after = recorder.seen.dropFirst(seenBefore + 8)
        #expect(after.count >= 8)
        for assignment in after {
            for op in problem.stages.ops(of: 3) where problem.constraints.allows(op: op, device: 2)
            {
                #expect(assignment[op] == 2)
            }
        }
        let snapshot = await actor.snapshot()
        #expect(snapshot.stageProbabilities[3][2] == 1)
        #expect(snapshot.stageProbabilities.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-4 })
    }

    @Test func snapshotsStreamUntilTheLimitAndEndOnStop() async throws {
        let (actor, problem) = try Self.actor(limit: 4)
        await actor.start()
        var last: OptimizerSnapshot?
        let finished = try #require(await Self.waitFor(actor) { $0.status == .finished })
        #expect(finished.iteration == 4)
        await actor.stop()
        for await snapshot in actor.snapshots { last = snapshot }
        #expect(last?.iteration == 4)
        let best = try #require(finished.bestResult)
        #expect(best.stepTime == finished.bestStepTime)
        #expect(finished.bestAssignment?.count == problem.graph.count)
    }

    @Test func checkpointsEveryNIterationsAndOnStopAndResumesExactly() async throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 300, seed: 2).graph(),
            cluster: SyntheticCluster.make(deviceCount: 4), maximumStages: 12)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "actor-\(UUID().uuidString).json"
        ).path
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        let optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.spotlight, samples: 8, seed: 1))
        let actor = OptimizerActor(
            optimizer: optimizer, evaluator: evaluator, iterationLimit: 5, checkpointPath: path,
            checkpointEvery: 2)
        await actor.start()
        _ = await Self.waitFor(actor) { $0.status == .finished }
        await actor.stop()
        #expect(await actor.checkpointFailure == nil)
        let saved = try Checkpoint.load(path, problem: problem)
        let final = await actor.currentOptimizer()
        #expect(saved.state.iteration == 5)
        #expect(saved.state.network == final.state.network)
        #expect(saved.state.random == final.state.random)
    }

    /// After one batch from a uniform policy (no warm start), the best sample is far from a local
    /// optimum: the polish makes it faster, and the faster placement becomes the search's best.
    @Test func aPolishMakesTheBestPlacementFasterAndTheSearchKeepsIt() async throws {
        let (actor, problem) = try Self.actor(limit: 1)
        #expect(await actor.polishBest() == false, "nothing to polish before the first batch")
        await actor.start()
        let finished = try #require(await Self.waitFor(actor) { $0.status == .finished })
        let sampled = try #require(finished.bestStepTime)
        #expect(await actor.polishBest(budget: 3000))
        #expect(await actor.snapshot().polishing)
        #expect(await actor.polishBest(budget: 3000) == false, "one polish at a time")
        let polished = try #require(await Self.waitFor(actor) { !$0.polishing })
        let summary = try #require(polished.lastPolish)
        #expect(summary.from == sampled)
        #expect(summary.to < sampled && summary.improvements > 0 && summary.evaluated <= 3000)
        #expect(polished.bestStepTime == summary.to)
        var simulator = Simulator(problem: problem)
        #expect(simulator.simulate(try #require(polished.bestAssignment)).stepTime == summary.to)
        #expect(
            polished.bestResult?.stepTime == summary.to,
            "the best placement's simulation follows it")
        await actor.stop()
    }

    @Test func thereIsNoPolishOnHardware() async throws {
        let (actor, _) = try Self.actor(evaluator: ConstantEvaluator(), limit: 1)
        await actor.start()
        _ = try #require(await Self.waitFor(actor) { $0.status == .finished })
        #expect(await actor.polishBest() == false)
        await actor.stop()
    }

    @Test func aCheckpointThatCannotBeWrittenIsInTheSnapshotsAndTheSearchGoesOn() async throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 200, seed: 2).graph(),
            cluster: SyntheticCluster.make(deviceCount: 3), maximumStages: 8)
        let path = "/nonexistent-\(UUID().uuidString)/run.checkpoint.json"
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        let optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.spotlight, samples: 4, seed: 1))
        let actor = OptimizerActor(
            optimizer: optimizer, evaluator: evaluator, iterationLimit: 3, checkpointPath: path,
            checkpointEvery: 1)
        await actor.start()
        let finished = try #require(await Self.waitFor(actor) { $0.status == .finished })
        #expect(finished.iteration == 3)
        let failure = try #require(finished.checkpointFailure)
        #expect(failure.description.contains("\(path): cannot write"))
        await actor.stop()
        #expect(await actor.snapshot().checkpointFailure != nil)
    }
}

/// Measures every placement at 1 ms: a stand-in for hardware.
struct ConstantEvaluator: Evaluator {
    func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        assignments.map { _ in Evaluation(stepTime: 1000) }
    }
}
