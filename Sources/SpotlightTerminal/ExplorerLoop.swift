import Foundation
import SpotlightExplorer
import SpotlightModel
import SpotlightSearch

/// The explorer's UI loop, on the calling thread (which owns ncurses): read keys and clicks,
/// take the newest snapshot, redraw at most `framesPerSecond` times a second when anything
/// changed. It never waits on the optimizer; the optimizer never waits on it.
public enum ExplorerLoop {
    public enum Exit: Equatable {
        case quit
        /// SIGINT, SIGTERM or SIGHUP.
        case signal(Int32)
    }

    /// Runs until q, Ctrl-C or a signal. The terminal must have been started; the caller restores
    /// it (also when this throws or traps, through the signal handlers).
    /// `failures` returns the latest reason a placement could not be measured, if any (shown as a
    /// message); `workers`, the measuring workers' state, read every frame.
    public static func run(
        state: inout ExplorerState, session: ExplorerSession, terminal: Terminal,
        framesPerSecond: Double = 30, failures: () -> String? = { nil },
        workers: () -> [WorkerStatus] = { [] }
    ) -> Exit {
        let frameInterval = 1 / framesPerSecond
        var grid = CellGrid(width: 0, height: 0)
        var lastFrame = 0.0
        var dirty = true
        var messageTimer = MessageTimer()
        (state.width, state.height) = terminal.size
        while true {
            if let number = terminal.takeSignal() { return .signal(number) }
            // Wait for input until the next frame is due; then drain whatever else is queued.
            let now = MonotonicClock.seconds()
            let wait =
                dirty
                ? max(0, Int(((lastFrame + frameInterval) - now) * 1000))
                : Int(frameInterval * 1000)
            var event = terminal.read(timeout: wait)
            var keyed = false
            while let current = event {
                switch current {
                case .resize:
                    (state.width, state.height) = terminal.size
                    terminal.invalidate()
                case .key(let key):
                    keyed = true
                    for effect in state.handle(key) {
                        if effect == .quit { return .quit }
                        if let message = session.perform(effect, state: state) {
                            state.message = message
                        }
                    }
                }
                dirty = true
                event = terminal.read(timeout: 0)
            }
            if let snapshot = session.takeSnapshot() {
                state.apply(snapshot)
                dirty = true
            }
            let current = workers()
            if current != state.workers {
                state.workers = current
                dirty = true
            }
            if let failure = failures() {
                state.message = StatusMessage("placement not measured: \(failure)", isError: true)
                messageTimer.renew(at: MonotonicClock.seconds())
                dirty = true
            }
            let time = MonotonicClock.seconds()
            if messageTimer.hasExpired(state.message, at: time) && !keyed {
                state.message = nil
                dirty = true
            }
            if dirty && (keyed || time - lastFrame >= frameInterval) {
                ExplorerView.render(state, into: &grid)
                terminal.draw(grid, theme: state.theme)
                lastFrame = time
                dirty = false
            }
        }
    }

}
