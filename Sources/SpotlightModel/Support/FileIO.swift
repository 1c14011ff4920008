import CZlib
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading and atomically writing user files.
public enum FileIO {
    /// The largest file Spotlight reads, as it is and after decompression: about 300 times the
    /// largest sample graph (a graph of some million ops), low enough that a corrupt or hostile
    /// file cannot exhaust memory. Decompression sizes its buffer exactly, so it holds no more
    /// than this at once.
    public static let maximumFileBytes = 256 << 20
    public static let maximumDecompressedBytes = maximumFileBytes

    /// The bytes of `path`, or a `InputError` naming the file and the reason. A gzip file (say
    /// `inception_v3.graph.json.gz`) is recognised by its magic number and decompressed, so every
    /// command reads compressed and plain files alike.
    public static func read(_ path: String) throws(InputError) -> [UInt8] {
        let bytes = try readRaw(path)
        guard bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b else { return bytes }
        return try gunzip(bytes, file: path)
    }

    /// Decompresses a gzip stream, naming `file` in the error if it is corrupt, truncated or
    /// larger than `limit` bytes. Inflates twice, first to count the bytes, so that
    /// the result is the only large buffer.
    public static func gunzip(
        _ bytes: [UInt8], file: String,
        limit: Int = maximumDecompressedBytes
    ) throws(InputError) -> [UInt8] {
        var size = 0
        var message: UnsafePointer<CChar>?
        var status = bytes.withUnsafeBufferPointer { input in
            spl_gunzip(input.baseAddress, input.count, nil, limit, &size, &message)
        }
        var output: [UInt8] = []
        if status == Z_OK {
            output = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                var produced = 0
                status = bytes.withUnsafeBufferPointer { input in
                    spl_gunzip(
                        input.baseAddress, input.count, buffer.baseAddress, size, &produced,
                        &message)
                }
                count = status == Z_OK ? produced : 0
            }
        }
        guard status == Z_OK else {
            let reason =
                status == Z_MEM_ERROR
                ? "expands past \(Units.grouped(limit)) bytes"
                : message.map { String(cString: $0) } ?? "zlib error \(status)"
            throw InputError(file: file, message: "is not a valid gzip file: \(reason)")
        }
        return output
    }

    /// The bytes of `path` read to its end: a regular file, a pipe, a FIFO, `/dev/stdin` or `-`
    /// (standard input) alike, so that `validate <(zcat g.json.gz)` works. Stops with an error
    /// past `maximumFileBytes` (a device such as /dev/zero never ends).
    private static func readRaw(_ path: String) throws(InputError) -> [UInt8] {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw InputError(
                file: path,
                message: code == ENOENT
                    ? "no such file" : "cannot open: \(String(cString: strerror(code)))")
        }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        var status = stat()
        if fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR {
            throw InputError(file: path, message: "is a directory, not a file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes {
                readDescriptor(descriptor, $0.baseAddress, $0.count)
            }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw InputError(
                    file: path, message: "cannot read: \(String(cString: strerror(errno)))")
            }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maximumFileBytes {
                throw InputError(
                    file: path,
                    message: "is larger than \(maximumFileBytes >> 20) MiB; not read further")
            }
        }
    }

    /// The text of `path`, which must be UTF-8.
    public static func readText(_ path: String) throws(InputError) -> String {
        let bytes = try read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError(file: path, message: "is not UTF-8 text")
        }
        return text
    }

    /// Parses `path` as JSON, turning a syntax error into a diagnostic with its line and column.
    public static func readJSON(_ path: String) throws(InputError) -> JSONValue {
        let bytes = try read(path)
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw InputError(file: path, message: "malformed JSON at \(error)")
        }
    }

    /// Checks, before any long work, that `writeAtomically` could write `path`: it is not a
    /// directory, and the temporary beside it can be created (then it is removed again). A search
    /// that runs for an hour should not end in "cannot write".
    public static func checkWritable(_ path: String) throws(InputError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            throw InputError(file: path, message: "is a directory, not a file")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw InputError(
                file: path, message: "cannot write: its directory \(directory) does not exist")
        }
        guard isDirectory.boolValue else {
            throw InputError(file: path, message: "cannot write: \(directory) is not a directory")
        }
        let temporary = temporaryPath(besides: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw InputError(
                file: path, message: "cannot write: \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        unlink(temporary)
    }

    /// Where `writeAtomically` writes before renaming: a hidden file beside `path`.
    private static func temporaryPath(besides path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().path + "/." + url.lastPathComponent
            + ".tmp-\(getpid())"
    }

    /// Writes `text` to `path` atomically: a temporary file beside it, flushed, then renamed over
    /// the target, so that a crash or a full disk never leaves a half-written or lost file.
    public static func writeAtomically(_ text: String, to path: String) throws(InputError) {
        let temporary = temporaryPath(besides: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw InputError(
                file: path, message: "cannot write: \(String(cString: strerror(errno)))")
        }
        var bytes = Array(text.utf8)
        var written = 0
        var failure: String?
        bytes.withUnsafeMutableBytes { buffer in
            while written < buffer.count {
                let result = write(
                    descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                written += result
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil && rename(temporary, path) != 0 {
            failure = String(cString: strerror(errno))
        }
        if let failure {
            unlink(temporary)
            throw InputError(file: path, message: "cannot write: \(failure)")
        }
        removeStaleTemporaries(of: path)
    }

    /// Removes the temporaries of `path` that a killed process left (`.NAME.tmp-PID` whose PID
    /// is no longer running; up to a checkpoint's size each), so that they do not pile up.
    /// Another live process's temporary is left alone. O(entries in the directory).
    static func removeStaleTemporaries(of path: String) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + ".tmp-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return
        }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            // kill(pid, 0) fails with ESRCH when no such process exists.
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + "/" + name) }
        }
    }
}

/// POSIX `read`, which `FileIO.read(_:)` hides inside the enum.
private func readDescriptor(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int)
    -> Int
{
    read(descriptor, buffer, count)
}
