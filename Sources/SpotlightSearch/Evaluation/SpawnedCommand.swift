import CSystem
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `/bin/sh -c COMMAND` in a process group of its own, so that a timeout can stop it together
/// with everything it started (Foundation's `Process` cannot: a killed shell leaves its children
/// holding the pipes).
struct SpawnedCommand: Sendable {
    struct SpawnError: Error {
        var message: String
    }

    /// How the shell ended: it exited with `code`, or (`exited` false) was killed by signal `code`.
    struct ExitStatus {
        var exited: Bool
        var code: Int32

        /// "exited with status 3", "was killed by signal 9": how a failure's message words it.
        var description: String {
            exited ? "exited with status \(code)" : "was killed by signal \(code)"
        }
    }

    let pid: pid_t
    /// The value of `LeftoverProcesses.variable` in the command's environment.
    let marker: String
    let input: FileHandle
    let output: FileHandle
    let errors: FileHandle

    /// `environment` entries (`NAME=value`) are added to Spotlight's own.
    init(command: String, environment extra: [String] = []) throws(SpawnError) {
        let inputPipe = try Self.makePipe()
        let outputPipe = try Self.makePipe()
        let errorPipe = try Self.makePipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
        for descriptor in inputPipe + outputPipe + errorPipe {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments = words.map { strdup($0) }
        defer {
            for argument in arguments { free(argument) }
        }
        let marker = LeftoverProcesses.newMarker()
        let environment = (Self.environment(marking: marker) + extra).map { strdup($0) }
        defer {
            for variable in environment { free(variable) }
        }
        var child: pid_t = 0
        let result = posix_spawn(
            &child, "/bin/sh", &actions, &attributes, arguments + [nil], environment + [nil])
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
        self.marker = marker
        input = FileHandle(fileDescriptor: inputPipe[1], closeOnDealloc: true)
        output = FileHandle(fileDescriptor: outputPipe[0], closeOnDealloc: true)
        errors = FileHandle(fileDescriptor: errorPipe[0], closeOnDealloc: true)
    }

    /// This process's environment, with `LeftoverProcesses.variable` set to `marker`.
    private static func environment(marking marker: String) -> [String] {
        var entries: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix(LeftoverProcesses.variable + "=") { entries.append(text) }
            cursor += 1
        }
        return entries + ["\(LeftoverProcesses.variable)=\(marker)"]
    }

    /// A pipe whose ends are closed on exec, so that commands other threads start at the same
    /// moment do not inherit them (an inherited write end would keep this command's input open).
    private static func makePipe() throws(SpawnError) -> [Int32] {
        var descriptors: [Int32] = [0, 0]
        guard spl_pipe_cloexec(&descriptors) == 0 else {
            throw SpawnError(message: String(cString: strerror(errno)))
        }
        return descriptors
    }

    /// Waits for the shell to end: how it ended; `nil` on timeout.
    func wait(timeoutSeconds: Double) -> ExitStatus? {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { break }
            if result < 0 && errno != EINTR { return ExitStatus(exited: false, code: 0) }
            if Date() >= deadline { return nil }
            usleep(5_000)
        }
        let signal = status & 0x7F
        return signal == 0
            ? ExitStatus(exited: true, code: (status >> 8) & 0xFF)
            : ExitStatus(exited: false, code: signal)
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL after two seconds; reaps the shell;
    /// then stops whatever the command started outside its group (`LeftoverProcesses`).
    func killGroup() {
        kill(-pid, SIGTERM)
        if wait(timeoutSeconds: 2) == nil {
            kill(-pid, SIGKILL)
            _ = wait(timeoutSeconds: 5)
        }
        kill(-pid, SIGKILL)
        stopLeftovers()
    }

    /// Stops every process the command started that is still running, in its group or not.
    func stopLeftovers() {
        kill(-pid, SIGKILL)
        LeftoverProcesses.stop(marker: marker)
    }
}

/// Keeps the last `limit` bytes a pipe delivers, on a background thread, until it closes: a
/// command may print any amount, and only its end (the step time, the last error) is read.
final class PipeReader: Sendable {
    /// The bytes of output kept: far more than a last line needs.
    static let tailBytes = 64 << 10
    private let tail = Mutex(Data())
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle, keeping limit: Int = PipeReader.tailBytes) {
        DispatchQueue.global().async {
            var kept = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                kept.append(chunk)
                if kept.count > 2 * limit { kept = Data(kept.suffix(limit)) }
            }
            let last = Data(kept.suffix(limit))
            self.tail.withLock { $0 = last }
            self.done.signal()
        }
    }

    /// The last bytes the pipe delivered, once it closes within `seconds`; `nil` if it stays open.
    func finish(within seconds: Double) -> String? {
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return tail.withLock { String(decoding: $0, as: UTF8.self) }
    }
}

/// Splits what a pipe delivers into lines, on a thread of its own (a blocking read must not hold
/// one of Dispatch's limited worker threads for the life of a server), until the pipe closes.
private func readLines(
    _ handle: FileHandle, name: String, _ deliver: @escaping @Sendable (String) -> Void,
    ended: @escaping @Sendable () -> Void
) {
    let thread = Thread {
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                deliver(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        if !pending.isEmpty { deliver(String(decoding: pending, as: UTF8.self)) }
        ended()
    }
    thread.name = name
    thread.start()
}

/// Delivers a pipe line by line as it arrives, for a conversation with a long-running command.
final class LineReader: Sendable {
    /// Lines delivered and not yet taken, and whether the pipe has closed.
    private let queue = Mutex((lines: [String](), ended: false))
    private let arrived = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        readLines(
            handle, name: "spotlight.server-output",
            { [self] line in
                queue.withLock { $0.lines.append(line) }
                arrived.signal()
            },
            ended: { [self] in
                queue.withLock { $0.ended = true }
                arrived.signal()
            })
    }

    enum Next: Equatable {
        case line(String)
        /// The pipe closed: the command exited (or closed its output).
        case ended
        case timedOut
    }

    /// The next line, waiting up to `seconds` for it.
    func next(within seconds: Double) -> Next {
        let deadline = DispatchTime.now() + seconds
        while true {
            // Signals can outnumber the lines still queued (a line taken without waiting leaves its
            // signal behind), so the queue, not the semaphore, says what is there.
            let taken: Next? = queue.withLock { queue in
                if !queue.lines.isEmpty { return .line(queue.lines.removeFirst()) }
                return queue.ended ? .ended : nil
            }
            if let taken { return taken }
            if arrived.wait(timeout: deadline) == .timedOut { return .timedOut }
        }
    }
}

/// Keeps the last lines a pipe delivers (a command's standard error), for the reason of a failure.
final class TailReader: Sendable {
    private let tail = Mutex([String]())
    private let closed = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle, keeping count: Int = 20) {
        readLines(
            handle, name: "spotlight.server-errors",
            { [self] line in
                tail.withLock { tail in
                    tail.append(line)
                    if tail.count > count { tail.removeFirst() }
                }
            }, ended: { [self] in closed.signal() })
    }

    /// The last non-empty line, once the pipe has closed or `seconds` have passed (a command that
    /// just exited may still have words in the pipe).
    func lastLine(within seconds: Double) -> String? {
        if closed.wait(timeout: .now() + seconds) == .success { closed.signal() }
        return tail.withLock { $0.last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } }
    }
}
