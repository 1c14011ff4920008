import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process groups of the measuring commands running right now.
///
/// A `CommandEvaluator` starts each command in a process group of its own, so that a timeout can
/// stop the command with everything it started. The same isolation keeps the terminal's Ctrl-C
/// from reaching it: without this registry, a command measuring on a GPU would outlive a
/// Spotlight that quit or was interrupted, and hold the hardware until its own end.
public enum RunningCommands {
    private static let groups = Mutex<Set<pid_t>>([])
    private static let exitHookInstalled: Void = {
        atexit { RunningCommands.stopAll(grace: 1) }
    }()

    static func add(_ group: pid_t) {
        _ = exitHookInstalled
        groups.withLock { _ = $0.insert(group) }
    }

    static func remove(_ group: pid_t) {
        _ = groups.withLock { $0.remove(group) }
    }

    /// Stops every running command's process group: SIGTERM, then SIGKILL for any group still
    /// there after `grace` seconds. The measurements they were taking fail as stopped. Called by
    /// itself when the process exits normally (`exit`, the end of `main`).
    public static func stopAll(grace: Double = 2) {
        let running = groups.withLock { $0 }
        guard !running.isEmpty else { return }
        for group in running { kill(-group, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline && running.contains(where: { kill(-$0, 0) == 0 }) { usleep(10_000) }
        for group in running { kill(-group, SIGKILL) }
    }
}
