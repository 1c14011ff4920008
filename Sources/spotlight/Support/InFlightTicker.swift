import Foundation
import SpotlightSearch
import Synchronization

/// While measuring workers are busy, redraws the progress bar once a second with how many
/// placements are in flight, so that a batch measured on hardware for minutes is not a silent
/// wait. The search's updates and the ticker's redraws are drawn under one lock.
final class InFlightTicker: Sendable {
    private let progress: ProgressLine
    private let pool: WorkerPool
    /// The search's last update, and whether the ticker has stopped.
    private let last = Mutex<(done: Int, parts: [String], stopped: Bool)>((0, [], false))

    init(progress: ProgressLine, pool: WorkerPool) {
        self.progress = progress
        self.pool = pool
        let thread = Thread { [self] in tick() }
        thread.name = "spotlight.progress"
        thread.start()
    }

    /// The search's progress, drawn at once with the placements in flight.
    func update(_ done: Int, _ parts: [String]) {
        last.withLock { last in
            last.done = done
            last.parts = parts
            draw(done, parts)
        }
    }

    /// Stops the redraws; the bar stays as last drawn.
    func stop() { last.withLock { $0.stopped = true } }

    private func tick() {
        while true {
            Thread.sleep(forTimeInterval: 1)
            let stopped = last.withLock { last -> Bool in
                guard !last.stopped else { return true }
                if last.done > 0 { draw(last.done, last.parts) }
                return false
            }
            if stopped { return }
        }
    }

    /// The bar with the search's `parts` and the placements in flight; under `last`'s lock.
    private func draw(_ done: Int, _ parts: [String]) {
        progress.update(done, parts + Self.inFlight(pool.statuses))
    }

    /// "3 in flight" while any worker measures; nothing otherwise.
    static func inFlight(_ statuses: [WorkerStatus]) -> [String] {
        let busy = statuses.busyCount
        return busy > 0 ? ["\(busy) in flight"] : []
    }
}
