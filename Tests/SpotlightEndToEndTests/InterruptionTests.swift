import Foundation
import SpotlightTestSupport
import Testing

/// Ctrl-C during `optimize` with a measuring command: the first signal stops after the running
/// iteration and still saves the placement, the log and a checkpoint; a second quits at once; and
/// no measuring command outlives Spotlight.
@Suite(.serialized, .tags(.slow), .skippedInQuickLoop) struct InterruptionTests {
    typealias CLI = CommandLineTests

    /// The binary running with default signal handling, its output going to files.
    final class Running {
        let pid: pid_t
        let stderrPath: String

        init(_ arguments: [String], directory: String) throws {
            stderrPath = directory + "/stderr.txt"
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(
                &actions, 1, directory + "/stdout.txt", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_addopen(
                &actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard
                let child = spawnWithDefaultSignals(
                    CLI.binary, [CLI.binary] + arguments, actions: &actions)
            else {
                throw CocoaError(.executableNotLoadable)
            }
            pid = child
        }

        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        /// The exit status, once the process ends within `seconds`; nil if it is still running
        /// (it is then killed, so that a failing test leaves nothing behind).
        func exitStatus(within seconds: Double) -> Int32? {
            let deadline = Date().addingTimeInterval(seconds)
            var status: Int32 = 0
            while Date() < deadline {
                if waitpid(pid, &status, WNOHANG) == pid {
                    return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
                }
                usleep(20_000)
            }
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            return nil
        }
    }

    static let tinyGraph = CLI.packageRoot.path + "/samples/tiny.graph.json"
    static let tinyCluster = CLI.packageRoot.path + "/samples/tiny.cluster.json"

    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spotlight-interrupt-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Polls `condition` for up to `seconds`.
    /// Waits up to 30 s for a measuring command to list its pid in `pids`; the first listed.
    static func firstMeasuringCommand(
        listedIn pids: String, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> pid_t {
        #expect(
            eventually(30) { FileManager.default.fileExists(atPath: pids) },
            "the measuring command never started", sourceLocation: sourceLocation)
        return try #require(
            pid_t(String(contentsOfFile: pids, encoding: .utf8).split(separator: "\n")[0]),
            sourceLocation: sourceLocation)
    }

    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    /// Whether a process has ended (it is gone, or a zombie waiting for a parent to reap it).
    /// Whether every process whose pid is listed (a line each) in the file at `path` has ended.
    static func allListedHaveEnded(_ path: String) -> Bool {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { pid_t($0) }.allSatisfy(hasEnded)
    }

    static func hasEnded(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let name = stat.lastIndex(of: ")")
        else { return true }
        return stat[stat.index(name, offsetBy: 2)] == "Z"
    }

    @Test func aFirstSignalStopsAfterTheIterationAndSavesEverything() throws {
        let directory = try Self.directory()
        let out = directory + "/best.json"
        let log = directory + "/log.csv"
        let checkpoint = directory + "/run.checkpoint.json"
        let common = [
            "optimize", Self.tinyGraph, Self.tinyCluster, "--samples", "2", "--hidden", "16",
            "--evaluate-command", "sleep 0.1; echo 1000", "--checkpoint", checkpoint,
        ]
        let run = try Running(
            common + [
                "--iterations", "100000", "--checkpoint-every", "1000", "--out", out, "--log", log,
            ],
            directory: directory)
        // The log is written only at the end: wait for the measuring command to run a while.
        Thread.sleep(forTimeInterval: 2)
        kill(run.pid, SIGINT)
        let status = run.exitStatus(within: 30)
        #expect(status == 130, "\(run.stderr)")
        #expect(run.stderr.contains("stopping after the running iteration"))
        #expect(run.stderr.contains("stopped early by signal 2"))

        let rows = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        let iterations = rows.count - 1
        #expect(iterations >= 1)
        let validation = try CLI.run([
            "validate", "samples/tiny.graph.json", "samples/tiny.cluster.json", out,
        ])
        #expect(validation.status == 0, "\(validation.stderr)")
        // The checkpoint holds every finished iteration, though none fell on --checkpoint-every.
        let resumed = try CLI.run(
            common + ["--iterations", String(iterations + 1), "--resume", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            try SimulationCommandTests.object(resumed.stdout)["iterations"] as? Int == iterations
                + 1)
    }

    /// A measuring command that answers the tiny sample's five baseline measurements at once (run
    /// with `--model-polish 0`, so that no polished heuristic is measured), then for each
    /// placement of the search starts a `sleep 120` (its pid appended to `pids`) and waits.
    static func slowAfterTheBaselines(directory: String) -> (command: String, pids: String) {
        let pids = directory + "/pids"
        let counter = directory + "/measured"
        let command =
            "n=$(cat '\(counter)' 2>/dev/null || echo 0); echo $((n + 1)) > '\(counter)'; "
            + "if [ $n -ge 5 ]; then sleep 120 & echo $! >> '\(pids)'; wait; fi; echo 1000"
        return (command, pids)
    }

    @Test func aSecondSignalQuitsAtOnceAndStopsTheMeasuringCommand() throws {
        let directory = try Self.directory()
        let (command, pids) = Self.slowAfterTheBaselines(directory: directory)
        let run = try Running(
            [
                "optimize", Self.tinyGraph, Self.tinyCluster, "--samples", "2", "--hidden", "16",
                "--evaluate-command", command, "--model-polish", "0",
            ], directory: directory)
        let measuring = try Self.firstMeasuringCommand(listedIn: pids)
        kill(run.pid, SIGINT)
        #expect(Self.eventually(10) { run.stderr.contains("stopping after the running iteration") })
        #expect(!Self.hasEnded(measuring), "the first signal lets the measurement finish")
        kill(run.pid, SIGINT)
        #expect(run.exitStatus(within: 10) == 130, "\(run.stderr)")
        #expect(
            Self.eventually(5) { Self.hasEnded(measuring) },
            "the measuring command outlived Spotlight")
        // Nor does the next placement's command, which the evaluator starts once this one stops.
        usleep(300_000)
        #expect(
            Self.eventually(5) { Self.allListedHaveEnded(pids) },
            "a measuring command outlived Spotlight")
    }

    @Test func aSignalWhileTheBaselinesAreMeasuredQuitsAtOnceAndStopsTheCommand() throws {
        let directory = try Self.directory()
        let pids = directory + "/pids"
        let run = try Running(
            [
                "optimize", Self.tinyGraph, Self.tinyCluster, "--samples", "2", "--hidden", "16",
                "--evaluate-command", "sleep 120 & echo $! >> '\(pids)'; wait; echo 1000",
                "--model-polish", "0",
            ], directory: directory)
        let measuring = try Self.firstMeasuringCommand(listedIn: pids)
        #expect(run.stderr.contains("measuring the 5 heuristic placements"))
        kill(run.pid, SIGTERM)
        #expect(run.exitStatus(within: 10) == 128 + SIGTERM, "\(run.stderr)")
        #expect(
            Self.eventually(5) { Self.hasEnded(measuring) },
            "the measuring command outlived Spotlight")
        usleep(300_000)
        #expect(
            Self.eventually(5) { Self.allListedHaveEnded(pids) },
            "the next baseline's command outlived Spotlight")
    }
}
