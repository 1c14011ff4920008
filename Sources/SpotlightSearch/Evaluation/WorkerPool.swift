import Dispatch
import Foundation
import Synchronization

/// Measures a batch's placements on several workers at once: each worker is an evaluator of its
/// own (a measuring command or server that knows its index through `SPOTLIGHT_WORKER`, so that it
/// can target its own machine or GPUs), and takes the next unmeasured placement whenever it is
/// free. Results come back in the batch's order, whichever worker finished first, so a search is
/// the same run for any number of workers. A placement whose measurement failed is measured
/// once more on another worker before it counts as failed; a worker whose command fails or
/// hangs costs that placement only, never the run.
public final class WorkerPool: Evaluator, Sendable {
    public let workers: [any Evaluator]
    /// What each worker has done and is doing, for the reports and the explorer.
    private let tallies: Mutex<[WorkerStatus]>

    public init(_ workers: [any Evaluator]) {
        precondition(!workers.isEmpty, "at least one worker")
        self.workers = workers
        tallies = Mutex(Array(repeating: WorkerStatus(), count: workers.count))
    }

    /// Each worker's placements measured and failed, and whether it is measuring one now.
    public var statuses: [WorkerStatus] { tallies.withLock { $0 } }

    public func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        guard workers.count > 1 else {
            return onOnlyWorker { $0.evaluate(assignments, method: method) }
        }
        return evaluate(labelled: assignments.map { (assignment: $0, method: method) })
    }

    public func evaluate(labelled placements: [(assignment: [Int], method: String)])
        -> [Evaluation]
    {
        guard workers.count > 1 else { return onOnlyWorker { $0.evaluate(labelled: placements) } }
        let first = measure(placements.indices.map { ($0, -1) }, placements)
        // Failed ones once more, each on a worker other than the one that failed it.
        let retries = first.enumerated().compactMap { index, outcome in
            outcome.evaluation.stepTime == nil ? (index, outcome.worker) : nil
        }
        guard !retries.isEmpty else { return first.map(\.evaluation) }
        var results = first.map(\.evaluation)
        for (slot, outcome) in zip(retries, measure(retries, placements)) {
            results[slot.0] = outcome.evaluation
        }
        return results
    }

    /// Measures the `(index, worker to avoid)` jobs, a free worker taking the next job it may.
    private func measure(
        _ jobs: [(index: Int, avoid: Int)], _ placements: [(assignment: [Int], method: String)]
    ) -> [(evaluation: Evaluation, worker: Int)] {
        let state = JobBoard(jobs: jobs)
        // A thread per worker, not Dispatch's pool: measuring commands mostly wait, and the pool
        // would run no more of them at once than there are cores.
        let group = DispatchGroup()
        for worker in workers.indices {
            group.enter()
            let thread = Thread { [self] in
                while let job = state.take(worker: worker) {
                    let placement = placements[jobs[job].index]
                    setBusy(worker, true)
                    let evaluation = workers[worker].evaluate(
                        [placement.assignment], method: placement.method)[0]
                    setBusy(worker, false)
                    _ = record(worker: worker, [evaluation])
                    state.finish(job, evaluation, worker: worker)
                }
                group.leave()
            }
            thread.name = "spotlight.measure-\(worker)"
            thread.start()
        }
        group.wait()
        return state.outcomes()
    }

    /// `measure` run on the one worker, busy meanwhile, its results recorded.
    private func onOnlyWorker(_ measure: (any Evaluator) -> [Evaluation]) -> [Evaluation] {
        setBusy(0, true)
        defer { setBusy(0, false) }
        return record(worker: 0, measure(workers[0]))
    }

    private func setBusy(_ worker: Int, _ busy: Bool) {
        tallies.withLock { $0[worker].busy = busy }
    }

    private func record(worker: Int, _ evaluations: [Evaluation]) -> [Evaluation] {
        tallies.withLock { tallies in
            tallies[worker].measured += evaluations.count
            tallies[worker].failed += evaluations.filter { $0.stepTime == nil }.count
        }
        return evaluations
    }
}

/// One worker of a `WorkerPool`: placements it measured, how many of those failed, and whether
/// it is measuring one now.
public struct WorkerStatus: Sendable, Equatable {
    public var measured = 0
    public var failed = 0
    public var busy = false

    public init(measured: Int = 0, failed: Int = 0, busy: Bool = false) {
        self.measured = measured
        self.failed = failed
        self.busy = busy
    }
}

extension Collection where Element == WorkerStatus {
    /// Workers measuring a placement now.
    public var busyCount: Int { filter(\.busy).count }
    /// Placements that failed, over all workers.
    public var failedCount: Int { reduce(0) { $0 + $1.failed } }
}

/// The jobs of one batch and who measured each: a free worker takes the first job not taken
/// that it may run.
private final class JobBoard: Sendable {
    private let jobs: [(index: Int, avoid: Int)]
    private let board: Mutex<(taken: [Bool], outcomes: [(evaluation: Evaluation, worker: Int)?])>

    init(jobs: [(index: Int, avoid: Int)]) {
        self.jobs = jobs
        board = Mutex(
            (Array(repeating: false, count: jobs.count), Array(repeating: nil, count: jobs.count)))
    }

    func take(worker: Int) -> Int? {
        board.withLock { board in
            guard
                let job = board.taken.indices.first(where: {
                    !board.taken[$0] && jobs[$0].avoid != worker
                })
            else { return nil }
            board.taken[job] = true
            return job
        }
    }

    func finish(_ job: Int, _ evaluation: Evaluation, worker: Int) {
        board.withLock { $0.outcomes[job] = (evaluation, worker) }
    }

    /// Every job's outcome; with several workers no job is left, since each avoids one worker.
    func outcomes() -> [(evaluation: Evaluation, worker: Int)] {
        board.withLock { board in
            board.outcomes.map {
                $0 ?? (Evaluation(stepTime: nil, failure: "no worker could measure it"), -1)
            }
        }
    }
}
