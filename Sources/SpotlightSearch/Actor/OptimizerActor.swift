import Foundation
import SpotlightModel
import SpotlightSimulation
import Synchronization

/// Runs an `Optimizer` in the background: start, pause, resume, stop, and pin or unpin stages and
/// ops while it runs; optionally checkpoints every N iterations and on stop. Iterations run on a
/// thread of their own, so every command returns at once and takes effect at the next iteration (a
/// pause stops sampling within one iteration). Snapshots go out through `snapshots`, which keeps
/// only the newest, so a UI that drains it at its own frame rate never holds the search back.
public actor OptimizerActor {
    public nonisolated let snapshots: AsyncStream<OptimizerSnapshot>
    private let continuation: AsyncStream<OptimizerSnapshot>.Continuation
    private var optimizer: Optimizer
    private let evaluator: any Evaluator
    private var simulator: Simulator
    private var status = OptimizerSnapshot.Status.idle
    private var iterationInFlight = false
    private var iterationLimit: Int?
    private var loop: Task<Void, Never>?
    private var resumption: CheckedContinuation<Void, Never>?
    private var bestResult: SimulationResult?
    private var simulatedBest: [Int]?
    private let checkpointPath: String?
    private let checkpointEvery: Int
    /// Why the last checkpoint could not be written, if it could not.
    public private(set) var checkpointFailure: InputError?
    private var polishTask: Task<Void, Never>?
    private var lastPolish: PolishSummary?
    private let stopPolishing = StopFlag()
    /// Under a budget: the interleaved rounds, which also say what found the best placement,
    /// and the evaluator that counts every measurement.
    private var rounds: BudgetedSearch.Interleaving?
    private let counter: CountingEvaluator?

    /// `iterationLimit`: stop by itself after that many iterations in total (nil: run until
    /// stopped). `checkpointPath`: save the search there (atomically) every `checkpointEvery`
    /// iterations, when the limit is reached and on stop. `plan`: instead of iterations, run the
    /// interleaved rounds of the learned search and the climb (`BudgetedSearch.Interleaving`), and
    /// finish once the plan's budget of measured placements is spent.
    public init(
        optimizer: Optimizer, evaluator: any Evaluator, iterationLimit: Int? = nil,
        checkpointPath: String? = nil, checkpointEvery: Int = 10, plan: BudgetedSearch? = nil
    ) {
        self.optimizer = optimizer
        counter = plan.map { _ in CountingEvaluator(evaluator) }
        self.evaluator = counter ?? evaluator
        rounds = plan.map { BudgetedSearch.Interleaving(plan: $0, optimizer: optimizer) }
        self.iterationLimit = iterationLimit
        self.checkpointPath = checkpointPath
        self.checkpointEvery = max(1, checkpointEvery)
        self.simulator = Simulator(problem: optimizer.problem)
        (snapshots, continuation) = AsyncStream.makeStream(
            of: OptimizerSnapshot.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Starts iterating (once; later calls do nothing).
    public func start() {
        guard loop == nil, status == .idle else { return }
        status = .running
        publish()
        loop = Task { await self.run() }
    }

    /// Stops sampling after the running iteration; `resume()` continues the same curves.
    public func pause() {
        guard status == .running else { return }
        status = .paused
        publish()
    }

    /// Continues a paused search.
    public func resume() {
        guard status == .paused else { return }
        status = .running
        resumption?.resume()
        resumption = nil
        publish()
    }

    /// Stops the search for good and ends `snapshots` after a last one; waits for the running
    /// iteration to finish.
    public func stop() async {
        if status != .stopped && status != .finished { status = .stopped }
        resumption?.resume()
        resumption = nil
        stopPolishing.raise()
        let running = loop
        let polishing = polishTask
        await running?.value
        await polishing?.value
        saveCheckpoint()
        publish()
        continuation.finish()
    }

    /// Pins a stage to a device (`nil` unpins it) from the next iteration on; false, changing
    /// nothing, for an unknown stage or a device the stage may not use.
    @discardableResult
    public func pin(stage: Int, to device: Int?) -> Bool {
        let changed = optimizer.pin(stage: stage, to: device)
        if changed { publish() }
        return changed
    }

    /// Pins an op, and so its colocation set, to a device (`nil` unpins it) from the next
    /// iteration on; false, changing nothing, for an unknown op or a device it may not use.
    @discardableResult
    public func pin(op: Int, to device: Int?) -> Bool {
        let changed = optimizer.pin(op: op, to: device)
        if changed { publish() }
        return changed
    }

    /// Polishes the best placement found so far with a `LocalSearch` of at most `budget`
    /// placements, measured by a simulator of its own while the search goes on; a faster placement
    /// becomes the search's best. Returns false, doing nothing, when there is no best placement
    /// yet, a polish is already running, the search has stopped, or placements are measured on
    /// hardware (where thousands of runs would take hours, and mixing simulated times with
    /// measured ones would compare unlike things).
    @discardableResult
    public func polishBest(budget: Int = LocalSearch.simulatorBudget) -> Bool {
        guard polishTask == nil, status != .stopped, evaluator is SimulatorEvaluator,
            let start = optimizer.state.bestAssignment, let time = optimizer.state.bestStepTime
        else { return false }
        let search = LocalSearch(
            problem: optimizer.problem, opPins: optimizer.state.opPins,
            compoundMoves: optimizer.configuration.compoundMoves)
        let seed = optimizer.configuration.seed
        let stop = stopPolishing
        let measured = optimizer.state.measured
        polishTask = Task {
            let outcome = await Self.onOwnThread {
                search.polish(
                    start, stepTime: time, evaluator: SimulatorEvaluator(problem: search.problem),
                    budget: budget, seed: seed,
                    measured: measured, shouldStop: { stop.isRaised })
            }
            self.finishPolish(outcome, from: time)
        }
        publish()
        return true
    }

    private func finishPolish(_ outcome: LocalSearch.Outcome, from time: Double) {
        polishTask = nil
        lastPolish = PolishSummary(
            from: time, to: outcome.stepTime, improvements: outcome.improvements,
            evaluated: outcome.evaluated, isLocalOptimum: outcome.isLocalOptimum)
        optimizer.state.offerBest(outcome.assignment, stepTime: outcome.stepTime)
        optimizer.offerPinnedBest(outcome.assignment, stepTime: outcome.stepTime)
        publish()
    }

    /// The search's state now.
    public func snapshot() -> OptimizerSnapshot { makeSnapshot() }

    /// The optimizer itself, for checkpoints and final reports.
    public func currentOptimizer() -> Optimizer { optimizer }

    /// Runs one iteration on a thread of its own: an iteration is long synchronous work, which on
    /// Swift's cooperative threads (or GCD's pool, which backs them on Linux) would starve other
    /// tasks, a UI's among them, and could itself wait behind them.
    private static func iterateOnOwnThread(_ optimizer: Optimizer, evaluator: any Evaluator) async
        -> Optimizer
    {
        await onOwnThread {
            var working = optimizer
            working.iterate(evaluator: evaluator)
            return working
        }
    }

    /// Runs `work` on a new thread and waits for it without holding a cooperative thread.
    private static func onOwnThread<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async
        -> Value
    {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    private func run() async {
        while status != .stopped && status != .finished {
            if status == .paused {
                await withCheckedContinuation { resumption = $0 }
                continue
            }
            iterationInFlight = true
            var (advanced, round) = await advance()
            // Pins set while the iteration ran take effect at the next one; a polish that finished
            // meanwhile may have found a faster best.
            let pinsChanged =
                advanced.state.stagePins != optimizer.state.stagePins
                || advanced.state.opPins != optimizer.state.opPins
            advanced.state.stagePins = optimizer.state.stagePins
            advanced.state.opPins = optimizer.state.opPins
            advanced.state.offerBest(
                optimizer.state.bestAssignment, stepTime: optimizer.state.bestStepTime)
            // The batch was drawn under the old pins; under new ones, only what obeys them counts.
            if pinsChanged {
                advanced.resetPinnedBest()
                rounds?.repin(following: optimizer)
            }
            if let pinned = optimizer.state.pinnedBest {
                advanced.offerPinnedBest(pinned.assignment, stepTime: pinned.stepTime)
            }
            let learned = advanced.state.iteration > optimizer.state.iteration
            optimizer = advanced
            iterationInFlight = false
            if let limit = iterationLimit, optimizer.state.iteration >= limit { status = .finished }
            if rounds != nil && round == nil { status = .finished }
            if (learned && optimizer.state.iteration % checkpointEvery == 0)
                || status == .finished
            {
                saveCheckpoint()
            }
            publish()
            // Let queued commands (pause, pin, stop) run before the next iteration.
            await Task.yield()
        }
    }

    /// The next iteration, or under a budget the next round (nil once the budget is spent or
    /// neither search can go on), on a thread of its own.
    private func advance() async -> (Optimizer, BudgetedSearch.Interleaving.Round?) {
        guard let rounds, let counter else {
            return (await Self.iterateOnOwnThread(optimizer, evaluator: evaluator), nil)
        }
        let (advanced, next, round) = await Self.onOwnThread { [optimizer] in
            var working = optimizer
            var next = rounds
            let round = next.round(&working, evaluator: counter)
            return (working, next, round)
        }
        self.rounds = next
        return (advanced, round)
    }

    private func saveCheckpoint() {
        guard let checkpointPath else { return }
        do {
            try Checkpoint.save(optimizer, to: checkpointPath)
            checkpointFailure = nil
        } catch {
            checkpointFailure = error
        }
    }

    private func publish() {
        continuation.yield(makeSnapshot())
    }

    /// With pins, the best placement shown (and saved) is the fastest that obeys them, and the
    /// overall best is given beside it.
    private func makeSnapshot() -> OptimizerSnapshot {
        let state = optimizer.state
        let pinned = optimizer.hasPins
        let shown = pinned ? state.pinnedBest?.assignment : state.bestAssignment
        let shownTime = pinned ? state.pinnedBest?.stepTime : state.bestStepTime
        if let best = shown, best != simulatedBest {
            bestResult = simulator.simulate(best)
            simulatedBest = best
        }
        return OptimizerSnapshot(
            status: status, iterationInFlight: iterationInFlight, iteration: state.iteration,
            samplesEvaluated: state.samplesEvaluated, history: state.history,
            lowerBound: optimizer.lowerBound, bestStepTime: shownTime, bestAssignment: shown,
            bestResult: shown == nil ? nil : bestResult,
            stageProbabilities: optimizer.stageProbabilities(),
            stagePins: state.stagePins, opPins: state.opPins, checkpointFailure: checkpointFailure,
            polishing: polishTask != nil, lastPolish: lastPolish,
            unpinnedBestStepTime: pinned ? state.bestStepTime : nil, budget: budgetProgress(),
            preferencesDroppedAt: state.preferencesDroppedAt)
    }

    private func budgetProgress() -> BudgetProgress? {
        guard let rounds, let counter else { return nil }
        return BudgetProgress(
            budget: rounds.plan.budget, measured: counter.count,
            climbMeasured: rounds.climbMeasured, bestFoundBy: rounds.bestFoundBy,
            lastFit: rounds.lastRecalibration, ledger: rounds.ledger, trace: rounds.trace)
    }
}

/// A flag one thread raises and another polls.
private final class StopFlag: Sendable {
    private let raised = Mutex(false)

    func raise() { raised.withLock { $0 = true } }
    var isRaised: Bool { raised.withLock { $0 } }
}
