import Foundation
import SpotlightTestSupport
import Synchronization
import Testing

/// Mutated sample files through the real binary: every case must end with exit 0, or exit 1 and
/// an `error:` line naming the file; never a signal, a hang, `inf` or `nan` in the output, or a
/// raw control character on the terminal. Seeded: `SPOTLIGHT_FUZZ_CASES` (cases per kind of file,
/// 100 by default) and `SPOTLIGHT_FUZZ_SEED` (1) run more or other cases.
@Suite(.tags(.fuzz, .slow), .skippedInQuickLoop) struct FuzzTests {
    typealias CLI = CommandLineTests

    static let cases =
        ProcessInfo.processInfo.environment["SPOTLIGHT_FUZZ_CASES"].flatMap(Int.init) ?? 100
    static let seed =
        ProcessInfo.processInfo.environment["SPOTLIGHT_FUZZ_SEED"].flatMap(UInt64.init) ?? 1

    enum Target: String, CaseIterable {
        case graph, cluster, placement

        var sample: String {
            switch self {
            case .graph: "samples/tiny.graph.json"
            case .cluster: "samples/tiny.cluster.json"
            case .placement: "samples/tiny.expert.placement.json"
            }
        }

        /// The command run on a mutated file: the heuristics for a graph or a cluster (every
        /// placer and the simulator), the simulator for a placement.
        func arguments(_ file: String) -> [String] {
            switch self {
            case .graph: ["baselines", file, Target.cluster.sample]
            case .cluster: ["baselines", Target.graph.sample, file]
            case .placement: ["simulate", Target.graph.sample, Target.cluster.sample, file]
            }
        }
    }

    @Test(arguments: Target.allCases)
    func mutatedFilesFailCleanlyOrWork(target: Target) throws {
        let original = try [UInt8](
            Data(contentsOf: CLI.packageRoot.appendingPathComponent(target.sample)))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spotlight-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var mutator = Mutator(seed: Self.seed &* 31 &+ UInt64(target.rawValue.count))
        for index in 0..<Self.cases {
            let (bytes, how) = mutator.mutate(original)
            let file = directory.appendingPathComponent("\(target)-\(index).json").path
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let run = try Self.run(target.arguments(file), timeout: 30)
            let verdict = Self.verdict(run, file: file)
            #expect(
                verdict == nil,
                "case \(index) (\(how)): \(verdict ?? "")\n\(run.stderr.prefix(600))")
            if verdict != nil {
                try? FileManager.default.copyItem(atPath: file, toPath: file + ".kept")
            }
        }
    }

    /// A valid cluster whose name would retitle and clear the terminal: printed escaped.
    @Test func namesFromFilesReachStandardOutputEscaped() throws {
        let text = try String(
            contentsOf: CLI.packageRoot.appendingPathComponent(Target.cluster.sample),
            encoding: .utf8
        )
        .replacingOccurrences(of: #""tiny-cpu-2gpu""#, with: #""\u001b]0;pwned\u0007\u001b[2J\nx""#)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spotlight-name-\(UUID().uuidString).json"
        ).path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        for arguments in [["baselines", Target.graph.sample, file], ["validate", file]] {
            let run = try Self.run(arguments, timeout: 30)
            #expect(
                run.status == 0 && Self.verdict(run, file: file) == nil,
                "\(arguments[0]): \(run.stdout)")
            #expect(run.stdout.contains(#"\u{1B}]0;pwned\u{07}\u{1B}[2J\u{0A}x"#))
        }
    }

    /// What is wrong with a run, or nil.
    static func verdict(_ run: TimedRun, file: String) -> String? {
        if run.timedOut { return "did not end within its timeout" }
        if run.signalled { return "killed by signal \(run.status)" }
        guard run.status == 0 || run.status == 1 else { return "exit status \(run.status)" }
        if run.status == 1,
            !run.stderr.split(separator: "\n").contains(where: { $0.hasPrefix("error: \(file)") })
        {
            return "exit 1 without an error line naming the file"
        }
        let output = run.stdout + run.stderr
        if output.unicodeScalars.contains(where: {
            $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F
        }) {
            return "a raw control character in the output"
        }
        // Error lines may quote the file's own text; everything else must be finite.
        let reported = output.split(separator: "\n").filter { !$0.hasPrefix("error:") }.joined(
            separator: "\n")
        if reported.range(of: #"\b(inf|nan)\b"#, options: [.regularExpression, .caseInsensitive])
            != nil
        {
            return "inf or nan in the output"
        }
        return nil
    }

    struct TimedRun {
        var status: Int32
        var signalled: Bool
        var timedOut: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs the binary, killing it past `timeout` seconds.
    static func run(_ arguments: [String], timeout: Double) throws -> TimedRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.currentDirectoryURL = CLI.packageRoot
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let timer = DispatchWorkItem {
            if process.isRunning {
                process.interrupt()
                kill(process.processIdentifier, SIGKILL)
            }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let started = Date()
        // Both pipes at once: a command blocked writing one must not wait on a read of the other.
        // The second read runs on a thread of its own, not in Swift's cooperative pool, which a
        // blocking read would starve when many tests run at once.
        let errors = Mutex(Data())
        let done = DispatchSemaphore(value: 0)
        Thread {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errors.withLock { $0 = data }
            done.signal()
        }.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        let errData = errors.withLock { $0 }
        process.waitUntilExit()
        timer.cancel()
        return TimedRun(
            status: process.terminationStatus,
            signalled: process.terminationReason == .uncaughtSignal,
            timedOut: Date().timeIntervalSince(started) >= timeout,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

extension Tag {
    /// Many runs of the binary on generated input.
    @Tag static var fuzz: Self
}

/// Seeded mutations of a JSON file's bytes: truncations, byte flips, deleted spans, hostile
/// numbers, duplicated keys, control characters in strings, deep nesting and swapped brackets.
struct Mutator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

    static let hostileNumbers = [
        "1e308", "-1", "0", "5e-324", "1e400", "-0", "1e-320", "9007199254740993", "1e12",
        "123456789012345678901234567890", "NaN", "Infinity", "\"7\"", "null", "true", "[]", "{}",
    ]

    /// A mutated copy of `bytes`, and what was done.
    mutating func mutate(_ bytes: [UInt8]) -> ([UInt8], String) {
        var result = bytes
        var steps: [String] = []
        for _ in 0...below(2) {
            let (mutated, how) = mutateOnce(result)
            result = mutated
            steps.append(how)
        }
        return (result, steps.joined(separator: ", "))
    }

    private mutating func mutateOnce(_ bytes: [UInt8]) -> ([UInt8], String) {
        guard !bytes.isEmpty else { return (bytes, "empty") }
        var text = String(decoding: bytes, as: UTF8.self)
        switch below(8) {
        case 0:
            let cut = below(bytes.count)
            return (Array(bytes.prefix(cut)), "truncated at \(cut)")
        case 1:
            var flipped = bytes
            let at = below(bytes.count)
            flipped[at] ^= UInt8(1 + below(255))
            return (flipped, "byte \(at) flipped")
        case 2:
            var cut = bytes
            let at = below(bytes.count)
            let length = 1 + below(40)
            cut.removeSubrange(at..<min(bytes.count, at + length))
            return (cut, "\(length) bytes deleted at \(at)")
        case 3:
            let value = Self.hostileNumbers[below(Self.hostileNumbers.count)]
            return (
                Array(
                    replacing(#"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"#, in: &text, with: value)
                        .utf8), "a number -> \(value)"
            )
        case 4:
            let keys = matches(#""[a-z_]+": "#, in: text)
            guard let key = keys.isEmpty ? nil : keys[below(keys.count)] else {
                return (bytes, "unchanged")
            }
            text.replaceSubrange(key, with: String(text[key]) + "0, " + String(text[key]))
            return (Array(text.utf8), "duplicated key \(text[key])")
        case 5:
            let value = #""\u001b]0;pwned\u0007\u001b[2J\nname\u0000""#
            return (
                Array(replacing(#""[^"]*""#, in: &text, with: value).utf8),
                "a string -> control characters"
            )
        case 6:
            let depth = [10, 1000, 100_000][below(3)]
            let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            return (
                Array(replacing(#"-?[0-9]+(\.[0-9]+)?"#, in: &text, with: nested).utf8),
                "nesting \(depth) deep"
            )
        default:
            var swapped = bytes
            if let at = swapped.indices.dropFirst(below(bytes.count)).first(where: {
                swapped[$0] == UInt8(ascii: "[")
            }) {
                swapped[at] = UInt8(ascii: "{")
            }
            return (swapped, "a bracket swapped")
        }
    }

    private func matches(_ pattern: String, in text: String) -> [Range<String.Index>] {
        var found: [Range<String.Index>] = []
        var from = text.startIndex
        while let range = text.range(
            of: pattern, options: .regularExpression, range: from..<text.endIndex)
        {
            found.append(range)
            from = range.upperBound
        }
        return found
    }

    /// `text` with one random match of `pattern` replaced by `value`.
    private mutating func replacing(_ pattern: String, in text: inout String, with value: String)
        -> String
    {
        let found = matches(pattern, in: text)
        guard !found.isEmpty else { return text }
        text.replaceSubrange(found[below(found.count)], with: value)
        return text
    }
}
