import Foundation
import Synchronization
import Testing

@testable import SpotlightSearch

@Suite struct WorkerPoolTests {
    /// A worker answering 100 + the placement's first device, after `delay` seconds; it fails
    /// every placement when `broken`, and counts what it measured.
    final class FakeWorker: Evaluator, Sendable {
        let delay: Double
        let broken: Bool
        let measured = Mutex(0)

        init(delay: Double = 0.01, broken: Bool = false) {
            self.delay = delay
            self.broken = broken
        }

        func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
            measured.withLock { $0 += assignments.count }
            usleep(UInt32(delay * 1e6))
            return assignments.map {
                broken
                    ? Evaluation(stepTime: nil, failure: "broken")
                    : Evaluation(stepTime: 100 + Double($0[0]))
            }
        }
    }

    @Test func resultsKeepTheBatchOrderWhoeverMeasures() {
        let workers = (0..<4).map { FakeWorker(delay: 0.002 * Double($0 + 1)) }
        let pool = WorkerPool(workers)
        let batch = (0..<24).map { [$0] }
        #expect(
            pool.evaluate(batch, method: "t").map(\.stepTime) == batch.map { 100 + Double($0[0]) })
        #expect(workers.allSatisfy { $0.measured.withLock { $0 } > 0 }, "every worker took part")
        #expect(pool.statuses.reduce(0) { $0 + $1.measured } == 24)
    }

    /// A broken worker costs nothing: each placement it failed is measured again on another.
    @Test func aFailedMeasurementIsRetriedOnAnotherWorker() {
        let pool = WorkerPool([FakeWorker(broken: true), FakeWorker()])
        let results = pool.evaluate((0..<10).map { [$0] }, method: "t")
        #expect(results.map(\.stepTime) == (0..<10).map { 100 + Double($0) })
        #expect(pool.statuses[0].failed == pool.statuses[0].measured)
        // With every worker broken, a placement fails after its retry.
        let hopeless = WorkerPool([FakeWorker(broken: true), FakeWorker(broken: true)])
        #expect(hopeless.evaluate([[1]], method: "t")[0].stepTime == nil)
        #expect(hopeless.statuses.map(\.measured) == [1, 1])
    }

    /// A worker that, while it measures, reads how many of the pool's workers are busy.
    final class WatchingWorker: Evaluator, Sendable {
        let pool = Mutex<WorkerPool?>(nil)
        let busySeen = Mutex<[Int]>([])

        func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
            let busy = pool.withLock { $0?.statuses.filter(\.busy).count ?? -1 }
            busySeen.withLock { $0.append(busy) }
            return assignments.map { _ in Evaluation(stepTime: 1) }
        }
    }

    /// A worker is busy while it measures and idle once the batch is back.
    @Test func workersAreBusyOnlyWhileTheyMeasure() {
        let workers = [WatchingWorker(), WatchingWorker()]
        let pool = WorkerPool(workers)
        for worker in workers { worker.pool.withLock { $0 = pool } }
        _ = pool.evaluate((0..<6).map { [$0] }, method: "t")
        let seen = workers.flatMap { worker in worker.busySeen.withLock { $0 } }
        #expect(seen.count == 6 && seen.allSatisfy { (1...2).contains($0) }, "\(seen)")
        #expect(pool.statuses.allSatisfy { !$0.busy })
    }

    /// A worker that answers each placement with the length of the method it was given.
    final class MethodWorker: Evaluator, Sendable {
        func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
            assignments.map { _ in Evaluation(stepTime: Double(method.count)) }
        }
    }

    /// Placements that each name their method (a remeasurement's round) are measured at once,
    /// each with its own method, in their order; the medians follow.
    @Test func labelledPlacementsKeepTheirMethods() {
        let pool = WorkerPool([MethodWorker(), MethodWorker(), MethodWorker()])
        let placements = [("spotlight", [0]), ("heft", [1]), ("single_gpu", [2]), ("metis", [3])]
        let results = pool.evaluate(labelled: placements.map { ($0.1, $0.0) })
        #expect(results.map(\.stepTime) == [9, 4, 10, 5])
        let medians = Remeasurement.medians(
            of: placements.map { ($0.0, $0.1) }, repeats: 3, evaluator: pool)
        #expect(medians == [9, 4, 10, 5])
        #expect(pool.statuses.reduce(0) { $0 + $1.measured } == 16)
    }

    /// Any number of workers gives the same results (their pace is a benchmark, not a test).
    @Test func fourWorkersGiveWhatOneGives() {
        let one = WorkerPool([FakeWorker(delay: 0.005)])
        let four = WorkerPool((0..<4).map { _ in FakeWorker(delay: 0.005) })
        let batch = (0..<8).map { [$0 % 3] }
        #expect(one.evaluate(batch, method: "t") == four.evaluate(batch, method: "t"))
    }
}
