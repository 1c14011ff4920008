import Dispatch
import Foundation
import SpotlightSearch
import Synchronization

/// Ctrl-C, SIGTERM and SIGHUP for the commands that run a search without the explorer.
///
/// The first signal asks the work to stop at a point where nothing is lost (`optimize` finishes
/// its running iteration, then writes its placement, log and checkpoint); a second exits at once.
/// Measuring commands still running are stopped on the way out either way (`RunningCommands`).
enum Interruption {
    private static let received = Atomic<Int32>(0)
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// The first signal received since `install`, if any.
    static var signal: Int32? {
        let number = received.load(ordering: .acquiring)
        return number == 0 ? nil : number
    }

    /// Takes over SIGINT, SIGTERM and SIGHUP. `onFirst` runs (on a background queue) for the first
    /// signal; with `onFirst` nil, the first signal already exits. Call once, from the main thread.
    static func install(onFirst: (@Sendable (Int32) -> Void)?) {
        for number in [SIGINT, SIGTERM, SIGHUP] {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let earlier = received.exchange(number, ordering: .acquiringAndReleasing)
                guard earlier == 0, let onFirst else {
                    // Quit now: stop the measurements, then end without running exit handlers
                    // under the other threads' feet.
                    RunningCommands.stopAll(grace: 1)
                    _exit(128 + number)
                }
                onFirst(number)
            }
            source.resume()
            sources.append(source)
        }
    }
}
