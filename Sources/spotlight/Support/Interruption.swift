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
    private enum FirstSignal: Sendable {
        case quit
        case call(@Sendable (Int32) -> Void)
    }

    private static let received = Atomic<Int32>(0)
    private static let firstSignal = Mutex<FirstSignal>(.quit)
    private static let numbers = [SIGINT, SIGTERM, SIGHUP]
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    /// The actions libdispatch installed for its sources, to hand the signals back to them after
    /// someone else took them over (the explorer's terminal).
    nonisolated(unsafe) private static var dispatchActions: [Int32: sigaction] = [:]

    /// The first signal received since `install`, if any.
    static var signal: Int32? {
        let number = received.load(ordering: .acquiring)
        return number == 0 ? nil : number
    }

    /// Takes over SIGINT, SIGTERM and SIGHUP. `onFirst` runs (on a background queue) for the first
    /// signal; with `onFirst` nil, the first signal already exits. Call from the main thread; a
    /// later call replaces `onFirst` and takes the signals back from whoever handled them since.
    static func install(onFirst: (@Sendable (Int32) -> Void)?) {
        firstSignal.withLock { $0 = onFirst.map(FirstSignal.call) ?? .quit }
        guard sources.isEmpty else {
            for (number, action) in dispatchActions {
                var restored = action
                sigaction(number, &restored, nil)
            }
            return
        }
        for number in numbers {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let earlier = received.exchange(number, ordering: .acquiringAndReleasing)
                let first = firstSignal.withLock { $0 }
                guard earlier == 0, case .call(let onFirst) = first else {
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
        dispatchActions = awaitDispatchActions()
    }

    /// libdispatch installs its handler for a signal source asynchronously; wait (briefly) until
    /// it has, and return the actions. Cancelling a source and making a new one would not do:
    /// libdispatch does not install its handler again for a signal it has handled.
    private static func awaitDispatchActions() -> [Int32: sigaction] {
        let deadline = Date().addingTimeInterval(1)
        var actions: [Int32: sigaction] = [:]
        while actions.count < numbers.count && Date() < deadline {
            for number in numbers where actions[number] == nil {
                var action = sigaction()
                sigaction(number, nil, &action)
                #if os(Linux)
                    let handler = unsafeBitCast(action.__sigaction_handler.sa_handler, to: Int.self)
                #else
                    let handler = unsafeBitCast(action.__sigaction_u.__sa_handler, to: Int.self)
                #endif
                if handler != unsafeBitCast(SIG_IGN, to: Int.self) { actions[number] = action }
            }
            if actions.count < numbers.count { usleep(1000) }
        }
        return actions
    }
}
