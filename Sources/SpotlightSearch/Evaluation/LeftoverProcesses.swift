import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds and stops every process a measuring command started, including those that left its
/// process group (`setsid`, a double fork): each command runs with an environment variable of its
/// own (`variable`, value `marker`), which its descendants inherit, and a stop kills every process
/// of this user whose environment carries it. Linux only (it reads `/proc`); elsewhere only the
/// process group is stopped. O(processes on the machine) per stop.
enum LeftoverProcesses {
    /// The environment variable that marks a measuring command's processes.
    static let variable = "SPOTLIGHT_MEASUREMENT"

    private static let nextCommand = Atomic<Int>(0)

    /// A marker no other command of any Spotlight process shares: this process's id and a count.
    static func newMarker() -> String {
        "\(getpid()).\(nextCommand.add(1, ordering: .relaxed).newValue)"
    }

    /// The markers of every command this process has started, as the prefix they share.
    static var processPrefix: String { "\(getpid())." }

    /// SIGKILLs every process carrying `marker` (or, with `prefix`, any marker starting with it),
    /// until none is left or a few rounds have passed; returns how many were stopped.
    @discardableResult
    static func stop(marker: String, prefix: Bool = false) -> Int {
        #if os(Linux)
            var stopped = 0
            for _ in 0..<5 {
                let found = carrying(marker: marker, prefix: prefix)
                if found.isEmpty { break }
                for process in found where kill(process, SIGKILL) == 0 { stopped += 1 }
                usleep(2_000)
            }
            return stopped
        #else
            return 0
        #endif
    }

    #if os(Linux)
        /// The processes, other than this one, whose environment holds the marker.
        private static func carrying(marker: String, prefix: Bool) -> [pid_t] {
            let needle = Array("\(variable)=\(marker)".utf8)
            let me = getpid()
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
                return []
            }
            return entries.compactMap { entry -> pid_t? in
                guard let process = pid_t(entry), process != me,
                    let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
                else { return nil }
                return holds(environment, needle, prefix: prefix) ? process : nil
            }
        }

        /// Whether the NUL-separated `environment` has an entry equal to `needle` (or, with
        /// `prefix`, starting with it).
        static func holds(_ environment: Data, _ needle: [UInt8], prefix: Bool) -> Bool {
            environment.split(separator: 0, omittingEmptySubsequences: true).contains { entry in
                prefix ? entry.starts(with: needle) : entry.elementsEqual(needle)
            }
        }
    #endif
}
