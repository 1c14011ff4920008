import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process groups of the measuring commands running right now; on the way out, every
/// process they started (`LeftoverProcesses`).
///
/// A `CommandEvaluator` starts each command in a process group of its own, so that a timeout can
/// stop the command with everything it started. The same isolation keeps the terminal's Ctrl-C
/// from reaching it: without this registry, a command measuring on a GPU would outlive a
/// Spotlight that quit or was interrupted, and hold the hardware until its own end.
public enum RunningCommands {
    private struct Registry {
        var groups: Set<pid_t> = []
        /// Commands between `beginStart` and `started` or `startFailed`.
        var starting = 0
        /// Set by `stopAll`, on the way out: no command may start after it.
        var closed = false
    }

    private static let registry = Mutex(Registry())
    private static let exitHookInstalled: Void = {
        atexit { RunningCommands.stopAll(grace: 1) }
    }()

    /// Whether a command may start: false once `stopAll` has run. After true, the caller starts
    /// the command and reports `started(_:)` or `startFailed()`. An evaluator whose command was
    /// just stopped goes on to its next placement; without this, that command would start after
    /// the others were stopped and outlive Spotlight.
    static func beginStart() -> Bool {
        _ = exitHookInstalled
        return registry.withLock { registry in
            guard !registry.closed else { return false }
            registry.starting += 1
            return true
        }
    }

    /// Registers a started command's process group, or stops it at once if `stopAll` ran while
    /// it was starting.
    static func started(_ group: pid_t) {
        let closed = registry.withLock { registry in
            registry.starting -= 1
            if !registry.closed { registry.groups.insert(group) }
            return registry.closed
        }
        if closed { kill(-group, SIGKILL) }
    }

    static func startFailed() {
        registry.withLock { $0.starting -= 1 }
    }

    static func remove(_ group: pid_t) {
        _ = registry.withLock { $0.groups.remove(group) }
    }

    /// Stops every running command's process group: SIGTERM, then SIGKILL for any group still
    /// there after `grace` seconds; a command starting meanwhile is stopped as soon as it has
    /// started, and none may start after. The measurements they were taking fail as stopped. For
    /// the way out: called by itself when the process exits normally (`exit`, the end of
    /// `main`), and before a signal's quick exit.
    public static func stopAll(grace: Double = 2) {
        registry.withLock { $0.closed = true }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline && registry.withLock({ $0.starting > 0 }) { usleep(1_000) }
        let running = registry.withLock { $0.groups }
        guard !running.isEmpty else { return }
        for group in running { kill(-group, SIGTERM) }
        while Date() < deadline && running.contains(where: { kill(-$0, 0) == 0 }) { usleep(10_000) }
        for group in running { kill(-group, SIGKILL) }
        LeftoverProcesses.stop(marker: LeftoverProcesses.processPrefix, prefix: true)
    }
}
