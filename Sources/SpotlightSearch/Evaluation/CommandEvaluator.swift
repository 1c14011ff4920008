import Foundation
import SpotlightModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures placements on real hardware by running a user's command once per placement: the
/// placement file (`spotlight.placement/1`) on its standard input, the measured step time in
/// microseconds as the last line of its standard output. A command that exits non-zero, runs past
/// the timeout or prints no number marks that placement invalid, with the reason passed to
/// `onFailure`; the search goes on. Placements are measured one after another, since two runs on one
/// machine would disturb each other's timing.
public final class CommandEvaluator: Evaluator, @unchecked Sendable {
    public let command: String
    public let timeoutSeconds: Double
    private let graph: OperationGraph
    private let cluster: Cluster
    private let onFailure: @Sendable (String) -> Void

    /// `command` runs through `/bin/sh -c`.
    public init(command: String, graph: OperationGraph, cluster: Cluster, timeoutSeconds: Double = 600,
                onFailure: @escaping @Sendable (String) -> Void = { _ in }) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.graph = graph
        self.cluster = cluster
        self.onFailure = onFailure
        // A command that exits without reading its input closes the pipe; writing the placement
        // must then fail with EPIPE (ignored) rather than kill Spotlight with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    public func evaluate(_ assignments: [[Int]]) -> [Evaluation] {
        assignments.map { assignment in
            let placement = Placement(graphName: graph.name, clusterName: cluster.name, method: "spotlight", assignment: assignment)
            let input = JSONWriter.compactString(placement.jsonValue(graph: graph, cluster: cluster)) + "\n"
            switch run(input: input) {
            case .success(let microseconds):
                return Evaluation(stepTime: microseconds)
            case .failure(let reason):
                onFailure(reason.message)
                return Evaluation(stepTime: nil, failure: reason.message)
            }
        }
    }

    struct Failure: Error {
        var message: String
    }

    /// Runs the command once; the step time it printed, or why there is none.
    func run(input: String) -> Result<Double, Failure> {
        let child: SpawnedCommand
        do {
            child = try SpawnedCommand(command: command)
        } catch {
            return .failure(Failure(message: "cannot start `\(command)`: \(error.message)"))
        }
        RunningCommands.add(child.pid)
        defer { RunningCommands.remove(child.pid) }
        // Read both outputs on their own threads so that a chatty command never blocks on a full pipe.
        let output = PipeReader(child.output)
        let errors = PipeReader(child.errors)
        let writer = child.input
        DispatchQueue.global().async {
            try? writer.write(contentsOf: Data(input.utf8))
            try? writer.close()
        }
        let started = Date()
        guard let status = child.wait(timeoutSeconds: timeoutSeconds) else {
            child.killGroup()
            return .failure(Failure(message: "`\(command)` ran longer than \(JSONWriter.format(timeoutSeconds)) s and was stopped"))
        }
        // A process the command left running can hold its output open; the timeout covers that too.
        let remaining = max(1, timeoutSeconds - Date().timeIntervalSince(started))
        guard let text = output.finish(within: remaining), let errorText = errors.finish(within: 1) else {
            child.killGroup()
            return .failure(Failure(message: "`\(command)` exited but left processes holding its output open; they were stopped"))
        }
        guard status.exited, status.code == 0 else {
            let tail = errorText.split(separator: "\n").last.map { ": \($0)" } ?? ""
            let how = status.exited ? "exited with status \(status.code)" : "was killed by signal \(status.code)"
            return .failure(Failure(message: "`\(command)` \(how)\(tail)"))
        }
        let lastLine = text.split(whereSeparator: \.isNewline).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let value = Double(lastLine), value.isFinite, value > 0 else {
            return .failure(Failure(message: "`\(command)` printed \"\(lastLine.prefix(80))\" as its last line, not a step time in microseconds"))
        }
        return .success(value)
    }
}

/// `/bin/sh -c COMMAND` in a process group of its own, so that a timeout can stop it together
/// with everything it started (Foundation's `Process` cannot: a killed shell leaves its children
/// holding the pipes).
private struct SpawnedCommand {
    struct SpawnError: Error {
        var message: String
    }

    let pid: pid_t
    let input: FileHandle
    let output: FileHandle
    let errors: FileHandle

    init(command: String) throws(SpawnError) {
        let inputPipe = try Self.makePipe(), outputPipe = try Self.makePipe(), errorPipe = try Self.makePipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        for descriptor in inputPipe + outputPipe + errorPipe { posix_spawn_file_actions_addclose(&actions, descriptor) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments = words.map { strdup($0) }
        defer { arguments.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, "/bin/sh", &actions, &attributes, arguments + [nil], environ)
        close(inputPipe[0])
        close(outputPipe[1])
        close(errorPipe[1])
        guard result == 0 else {
            close(inputPipe[1])
            close(outputPipe[0])
            close(errorPipe[0])
            throw SpawnError(message: String(cString: strerror(result)))
        }
        pid = child
        input = FileHandle(fileDescriptor: inputPipe[1], closeOnDealloc: true)
        output = FileHandle(fileDescriptor: outputPipe[0], closeOnDealloc: true)
        errors = FileHandle(fileDescriptor: errorPipe[0], closeOnDealloc: true)
    }

    /// A pipe whose ends are closed on exec, so that commands other threads start at the same
    /// moment do not inherit them (an inherited write end would keep this command's input open).
    private static func makePipe() throws(SpawnError) -> [Int32] {
        var descriptors: [Int32] = [0, 0]
        #if os(Linux)
        guard linuxPipe2(&descriptors, O_CLOEXEC) == 0 else { throw SpawnError(message: String(cString: strerror(errno))) }
        #else
        guard pipe(&descriptors) == 0 else { throw SpawnError(message: String(cString: strerror(errno))) }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        #endif
        return descriptors
    }

    /// Waits for the shell to end: whether it exited (else it was killed) and its status or
    /// signal; `nil` on timeout.
    func wait(timeoutSeconds: Double) -> (exited: Bool, code: Int32)? {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { return (false, 0) }
            if Date() >= deadline { return nil }
            usleep(5_000)
        }
        let signal = status & 0x7F
        return signal == 0 ? (true, (status >> 8) & 0xFF) : (false, signal)
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL after two seconds; reaps the shell.
    func killGroup() {
        kill(-pid, SIGTERM)
        if wait(timeoutSeconds: 2) == nil {
            kill(-pid, SIGKILL)
            _ = wait(timeoutSeconds: 5)
        }
        kill(-pid, SIGKILL)
    }
}

#if os(Linux)
/// glibc's `pipe2`, which Swift's Glibc module does not export: creates both ends close-on-exec
/// atomically, with no window for another thread's spawn to inherit them.
@_silgen_name("pipe2")
private func linuxPipe2(_ descriptors: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32
#endif

/// Collects everything a pipe delivers, on a background thread.
private final class PipeReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    /// Everything the pipe delivered, once it closes within `seconds`; `nil` if it stays open.
    func finish(within seconds: Double) -> String? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
