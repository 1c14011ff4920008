import Foundation
import SpotlightTestSupport
import Testing

/// The explorer run for real in a tmux pane, driven by keys as a person would: the panels
/// appear, the iteration count rises, space pauses it, pinning shows in the inspector, s saves a
/// placement, a too-small window gets a message, and q gives the shell back.
@Suite(.serialized, .tags(.slow), .skippedInQuickLoop) struct ExplorerTerminalTests {
    /// A tmux server of its own (its own socket), so that the test never touches a user's sessions.
    final class Tmux {
        let socket = "spotlight-e2e-\(UUID().uuidString.prefix(8))"
        let session = "explorer"

        /// Runs a tmux command and waits for it with posix_spawn and waitpid. (Foundation's
        /// `Process` did not notice the exit of the client that starts the server, which lives on
        /// with the client's descriptors, so output is captured, through a pipe, only when asked.)
        @discardableResult
        func run(_ arguments: [String], capture: Bool = false) throws -> String {
            let argv = ["tmux", "-L", socket] + arguments
            var pipeEnds: [Int32] = [-1, -1]
            if capture { guard pipe(&pipeEnds) == 0 else { throw CocoaError(.fileWriteUnknown) } }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            if capture {
                posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
                posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
            } else {
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            }
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            // The tmux server (and the explorer under it) must not inherit this process's blocked
            // signals, or SIGWINCH never arrives.
            guard
                let pid = spawnWithDefaultSignals("tmux", argv, searchPath: true, actions: &actions)
            else {
                throw CocoaError(.executableNotLoadable)
            }
            var output = Data()
            if capture {
                close(pipeEnds[1])
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = read(pipeEnds[0], &buffer, buffer.count)
                    if count <= 0 { break }
                    output.append(contentsOf: buffer[0..<count])
                }
                close(pipeEnds[0])
            }
            var exitStatus: Int32 = 0
            while waitpid(pid, &exitStatus, 0) < 0 && errno == EINTR {}
            return String(decoding: output, as: UTF8.self)
        }

        func start(width: Int, height: Int) throws {
            try run([
                "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", String(width), "-y",
                String(height),
                "env", "PS1=$ ", "TERM=screen-256color", "bash", "--norc", "--noprofile",
            ])
        }

        func type(_ keys: String...) throws { try run(["send-keys", "-t", session] + keys) }

        func screen() throws -> String {
            try run(["capture-pane", "-p", "-t", session], capture: true)
        }

        /// Polls the pane until `condition` holds (or `seconds` pass); returns the last screen.
        @discardableResult
        func waitFor(_ what: String, seconds: Double = 60, _ condition: (String) -> Bool) throws
            -> String
        {
            let deadline = Date().addingTimeInterval(seconds)
            var last = ""
            while Date() < deadline {
                last = try screen()
                if condition(last) { return last }
                Thread.sleep(forTimeInterval: 0.2)
            }
            Issue.record("timed out waiting for \(what); the screen was:\n\(last)")
            throw CancellationError()
        }

        func kill() { _ = try? run(["kill-server"]) }
    }

    static func iteration(_ screen: String) -> Int? {
        guard let range = screen.range(of: #"iteration (\d+)"#, options: .regularExpression) else {
            return nil
        }
        return Int(screen[range].split(separator: " ")[1])
    }

    /// SIGTERM and SIGHUP (a closed SSH session) end the explorer: it finishes the running
    /// iteration, saves the checkpoint, gives the terminal back and exits 128 + the signal.
    @Test(arguments: [SIGTERM, SIGHUP])
    func aSignalEndsTheExplorerAndSavesItsCheckpoint(signal: Int32) throws {
        let tmux = Tmux()
        defer { tmux.kill() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spotlight-signal-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
        let pidFile = directory + "/pid"
        let checkpoint = directory + "/run.checkpoint.json"
        try tmux.start(width: 120, height: 36)
        try tmux.type(
            "cd '\(CommandLineTests.packageRoot.path)' && sh -c 'echo $$ > \(pidFile); exec \(CommandLineTests.binary) explore "
                + "samples/tiny.graph.json samples/tiny.cluster.json --hidden 16 --checkpoint \(checkpoint)'; echo \"exit $?\"",
            "Enter")
        try tmux.waitFor("the panels and a first iteration") {
            $0.contains("op graph") && (Self.iteration($0) ?? 0) >= 1
        }
        let pid = try #require(
            pid_t(
                String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        kill(pid, signal)
        let after = try tmux.waitFor("the exit status") { $0.contains("exit \(128 + signal)") }
        #expect(
            after.contains("placements: best step time") && !after.contains("╭─ op graph"),
            "the terminal is given back:\n\(after)")
        #expect(FileManager.default.fileExists(atPath: checkpoint))
    }

    @Test func explorerRunsPausesPinsSavesAndQuitsInARealTerminal() throws {
        let tmux = Tmux()
        defer { tmux.kill() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spotlight-explore-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true)
        let saved = directory + "/best.placement.json"
        try tmux.start(width: 160, height: 48)
        try tmux.type(
            "cd '\(CommandLineTests.packageRoot.path)' && '\(CommandLineTests.binary)' --out '\(saved)'",
            "Enter")

        // The default sample (NMT on four K80s): the panels appear and the count rises.
        let first = try tmux.waitFor("the panels and a first iteration") { screen in
            ["op graph", "devices", "reward", "KL", "stage 0 of"].allSatisfy(screen.contains)
                && (Self.iteration(screen) ?? 0) >= 1
        }
        let started = Self.iteration(first)!
        try tmux.waitFor("the iteration count to rise") { (Self.iteration($0) ?? 0) > started }

        // Space pauses: the status says so and the count stops.
        try tmux.type("Space")
        let paused = try tmux.waitFor("paused") { $0.contains("‖ paused") }
        let stoppedAt = Self.iteration(paused)!
        Thread.sleep(forTimeInterval: 1.5)
        #expect(Self.iteration(try tmux.screen()) == stoppedAt)

        // Pinning the selected stage to device 2 shows in the inspector.
        try tmux.type("j", "2")
        try tmux.waitFor("the pin in the inspector") {
            $0.contains("stage 1 of") && $0.contains("pinned to gpu:0")
        }

        // Resume continues from the same count.
        try tmux.type("Space")
        try tmux.waitFor("running again past the pause") {
            $0.contains("● running") && (Self.iteration($0) ?? 0) > stoppedAt
        }

        // s saves the best placement, and the file is a valid placement.
        try tmux.type("s")
        try tmux.waitFor("the save message") { $0.contains("saved the best placement") }
        let validation = try CommandLineTests.run([
            "validate", "samples/nmt.graph.json.gz", "samples/k80x4.cluster.json", saved,
        ])
        #expect(validation.status == 0, "\(validation.stderr)")

        // Help opens and closes.
        try tmux.type("?")
        try tmux.waitFor("the help") { $0.contains("any key closes") }
        try tmux.type("Escape")
        try tmux.waitFor("the help to close") { !$0.contains("any key closes") }

        // The other views draw in a real terminal: the policy (and its order), the Gantt chart
        // (zoomed), the chart cursor, a baseline compared; then back to the op graph.
        try tmux.type("v")
        try tmux.waitFor("the policy view") {
            $0.contains("policy q(device | stage) · by stage order")
        }
        try tmux.type("o")
        try tmux.waitFor("the policy by entropy") { $0.contains("by entropy") }
        try tmux.type("g", "+", ">")
        try tmux.waitFor("the Gantt chart") {
            $0.contains("step of the best placement") && $0.contains("gpu:0")
        }
        try tmux.type("c", "Left")
        try tmux.waitFor("the chart cursor's readout") {
            $0.contains("best so far") && $0.contains("esc back")
        }
        // Escape alone: followed at once by b, a terminal reads the two as Alt-b.
        try tmux.type("Escape")
        try tmux.waitFor("the cursor gone") { !$0.contains("esc back") }
        try tmux.type("b")
        try tmux.waitFor("a baseline compared") { $0.contains("stages moved") }
        try tmux.type("g")
        try tmux.waitFor("the op graph again") { $0.contains("op graph") }

        // A window too small gets a message, and the panels come back at full size.
        try tmux.run(["resize-window", "-t", tmux.session, "-x", "60", "-y", "20"])
        try tmux.waitFor("the too-small message") { $0.contains("at least 80×24") }
        try tmux.run(["resize-window", "-t", tmux.session, "-x", "160", "-y", "48"])
        try tmux.waitFor("the panels after growing") {
            $0.contains("op graph") && !$0.contains("at least 80×24")
        }

        // q quits, restores the screen and leaves a usable shell.
        try tmux.type("q")
        try tmux.waitFor("the summary line after quitting") {
            $0.contains("placements: best step time")
        }
        try tmux.type("echo shell-ok-$((6*7))", "Enter")
        let after = try tmux.waitFor("the shell to answer") { $0.contains("shell-ok-42") }
        #expect(!after.contains("╭─ op graph"))
    }

    /// A terminal that cannot draw the explorer (TERM=dumb, or one terminfo does not know) gets
    /// an error naming it and pointing to optimize, and exit 1, not a blank screen.
    @Test(arguments: ["dumb", "no-such-terminal"])
    func aTerminalThatCannotDrawIsAnError(term: String) throws {
        let tmux = Tmux()
        defer { tmux.kill() }
        try tmux.start(width: 150, height: 20)
        try tmux.type(
            "cd '\(CommandLineTests.packageRoot.path)' && TERM=\(term) '\(CommandLineTests.binary)' explore; echo \"exit $?\"",
            "Enter")
        let screen = try tmux.waitFor("the exit status") { $0.contains("exit 1") }
        #expect(
            screen.contains("error: this terminal (TERM=\(term))")
                && screen.contains("spotlight optimize"), "\(screen)")
    }

    @Test func ctrlCAlsoRestoresTheTerminal() throws {
        let tmux = Tmux()
        defer { tmux.kill() }
        try tmux.start(width: 100, height: 30)
        try tmux.type(
            "cd '\(CommandLineTests.packageRoot.path)' && '\(CommandLineTests.binary)' explore samples/tiny.graph.json samples/tiny.cluster.json --theme monochrome",
            "Enter")
        try tmux.waitFor("the panels") { $0.contains("op graph") }
        try tmux.type("C-c")
        try tmux.waitFor("the summary line") {
            $0.contains("placements: best step time") || $0.contains("no valid placement found")
        }
        try tmux.type("echo ctrl-c-ok", "Enter")
        try tmux.waitFor("the shell") { $0.contains("ctrl-c-ok") && !$0.contains("╭─ op graph") }
    }

    /// Quitting while a measuring command runs stops it: it runs in a process group of its own,
    /// out of reach of the terminal, and would otherwise hold the hardware after Spotlight exits.
    @Test func quittingStopsARunningMeasuringCommand() throws {
        let tmux = Tmux()
        defer { tmux.kill() }
        let directory = try InterruptionTests.directory()
        let (command, pids) = InterruptionTests.slowAfterTheBaselines(directory: directory)
        try tmux.start(width: 120, height: 40)
        try tmux.type(
            "cd '\(CommandLineTests.packageRoot.path)' && '\(CommandLineTests.binary)' explore samples/tiny.graph.json samples/tiny.cluster.json --samples 2 --model-polish 0 --evaluate-command '\(command.replacingOccurrences(of: "'", with: #"'\''"#))'",
            "Enter")
        try tmux.waitFor("the panels") { $0.contains("op graph") }
        let measuring = try InterruptionTests.firstMeasuringCommand(listedIn: pids)
        try tmux.type("q")
        try tmux.waitFor("the summary line") { $0.contains("placements:") }
        #expect(
            InterruptionTests.eventually(5) { InterruptionTests.hasEnded(measuring) },
            "the measuring command outlived the explorer")
    }

    /// Under a budget the status line counts every placement measured against it and says what
    /// found the best, the reward chart's title how the placements were spent; the run finishes
    /// at the budget, and the summary says the same part by part.
    @Test func aBudgetedExplorerCountsAgainstItsBudget() throws {
        let tmux = Tmux()
        defer { tmux.kill() }
        try tmux.start(width: 200, height: 40)
        try tmux.type(
            "cd '\(CommandLineTests.packageRoot.path)' && '\(CommandLineTests.binary)' explore "
                + "samples/tiny.graph.json samples/tiny.cluster.json --hidden 16 --budget 48",
            "Enter")
        let finished = try tmux.waitFor("the run to finish at its budget") {
            $0.contains("finished") && $0.contains("/48 measured")
        }
        #expect(finished.contains(" by "), "\(finished)")
        // The reward chart runs along placements measured, to the budget.
        #expect(
            finished.contains("placements measured") && finished.contains(" 48 "), "\(finished)")
        let measured = try #require(
            finished.range(of: #"(\d+)/48 measured"#, options: .regularExpression).map {
                Int(finished[$0].split(separator: "/")[0])
            })
        #expect((measured ?? 0) > 0 && (measured ?? 99) <= 48)
        // The chart's title says where the placements went, live.
        #expect(
            finished.range(of: #"reward −√step time · learned \d+ "#, options: .regularExpression)
                != nil, "\(finished)")
        try tmux.type("q")
        let summary = try tmux.waitFor("the summary and the ledger") {
            $0.contains("of a budget of 48") && $0.contains("where the placements went: ")
        }
        #expect(summary.contains("by the climb)"), "\(summary)")
        #expect(summary.contains("where the placements went: learned search "), "\(summary)")
    }

    @Test func withoutATerminalExploreSaysToUseOptimize() throws {
        let result = try CommandLineTests.run([
            "explore", "samples/tiny.graph.json", "samples/tiny.cluster.json",
        ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("spotlight optimize"))
    }

    @Test func anUnknownThemeIsAnError() throws {
        // Needs a terminal to get as far as the theme: run it in tmux and read the error.
        let tmux = Tmux()
        defer { tmux.kill() }
        try tmux.start(width: 160, height: 20)
        try tmux.type(
            "cd '\(CommandLineTests.packageRoot.path)' && '\(CommandLineTests.binary)' explore --theme nosuch; echo status=$?",
            "Enter")
        let screen = try tmux.waitFor("the error") {
            $0.range(of: #"status=\d"#, options: .regularExpression) != nil
        }
        #expect(screen.contains("no theme called \"nosuch\""))
        #expect(screen.contains("dark, light, monochrome"))
        #expect(screen.contains("status=1"))
    }
}
