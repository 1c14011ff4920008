import Foundation
import Testing

@testable import SpotlightModel

/// Numbers past their physical range are errors at load, so that no later arithmetic reaches
/// infinity or NaN; a key given twice is an error; formatting never traps.
@Suite struct NumberRangeTests {
    @Test func anOpTimeOrSizePastItsCeilingIsAnError() {
        let problems = graphProblems(
            graphText([
                #"{"name": "a", "type": "X", "time_us": {"k80": 1e308}}"#,
                #"{"name": "b", "type": "X", "flops": 1e19, "inputs": [{"from": "a", "bytes": 1e16}]}"#,
            ]))
        expectDiagnostic(
            in: problems, file: "g.json", path: "$.ops[0].time_us.k80",
            "must be at most 1000000000000",
            sourceLocation: #_sourceLocation)
        expectDiagnostic(
            in: problems, file: "g.json", path: "$.ops[1].flops", "must be at most",
            sourceLocation: #_sourceLocation)
        expectDiagnostic(
            in: problems, file: "g.json", path: "$.ops[1].inputs[0].bytes", "must be at most",
            sourceLocation: #_sourceLocation)
        #expect(
            graphProblems(
                graphText([#"{"name": "a", "type": "X", "time_us": {"k80": 1e12}, "flops": 1e18}"#])
            ).isEmpty)
    }

    @Test func aRateTooSmallOrTooLargeIsAnError() {
        let slowLink = clusterText().replacingOccurrences(
            of: #""gbytes_per_s": 10"#, with: #""gbytes_per_s": 5e-324"#)
        expectDiagnostic(
            in: clusterProblems(slowLink), file: "c.json", path: "$.default_link.gbytes_per_s",
            "must be at least 1e-06 (found 5e-324)",
            sourceLocation: #_sourceLocation)
        let fastDevice = clusterText().replacingOccurrences(
            of: #""gflops": 100,"#, with: #""gflops": 1e300,"#)
        expectDiagnostic(
            in: clusterProblems(fastDevice), file: "c.json", path: "$.devices[0].gflops",
            "must be at most",
            sourceLocation: #_sourceLocation)
        let zero = clusterText().replacingOccurrences(
            of: #""gflops": 100,"#, with: #""gflops": 0,"#)
        expectDiagnostic(
            in: clusterProblems(zero), file: "c.json", path: "$.devices[0].gflops",
            "must be greater than zero",
            sourceLocation: #_sourceLocation)
    }

    /// The first of two "gflops" used to win silently where `jq` reads the last.
    @Test func aDuplicateKeyIsAnErrorWithItsPath() {
        let text = clusterText().replacingOccurrences(
            of: #""gflops": 100,"#, with: #""gflops": 2500, "gflops": 0,"#)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.reason == #"duplicate key "gflops" at $.devices[0].gflops"#)
            #expect(error.line == 1)
        }
        // A large object is checked through a set, with the same answer.
        let keys = (0..<40).map { #""k\#($0)": \#($0)"# }
        #expect((try? JSONParser.parse("{" + keys.joined(separator: ",") + "}")) != nil)
        #expect(
            (try? JSONParser.parse("{" + (keys + [#""k31": 0"#]).joined(separator: ",") + "}"))
                == nil)
        #expect(
            (try? JSONParser.parse(#"[{"a": 1}, {"a": 2}]"#)) != nil,
            "the same key in two objects is fine")
    }

    @Test func formattingNeverTraps() {
        for value in [Double.infinity, -.infinity, .nan, 1e300, -1e300] {
            #expect(!Units.percent(value).isEmpty)
            #expect(!Units.bytes(value).isEmpty)
            #expect(!Units.rate(value).isEmpty)
            #expect(!Units.microseconds(value).isEmpty)
        }
        #expect(Units.percent(0.256) == "26%")
        #expect(Units.whole(1e19) == "1e+19")
        #expect(Units.signedPercent(.nan, decimals: 1) == "nan%")
        #expect(Units.signedPercent(-.infinity, decimals: 0) == "-inf%")
    }

    @Test func signedPercentagesCarryTheirSignUnlessTheyRoundToZero() {
        #expect(Units.signedPercent(0.18, decimals: 0) == "+18%")
        #expect(Units.signedPercent(-0.042, decimals: 1) == "-4.2%")
        #expect(Units.signedPercent(-0.042, decimals: 1, minus: "−") == "−4.2%")
        #expect(Units.signedPercent(0.0004, decimals: 1) == "0.0%")
        #expect(Units.signedPercent(-0.0004, decimals: 1, minus: "−") == "0.0%")
        #expect(Units.signedPercent(0, decimals: 0) == "0%")
        #expect(Units.signedPercent(-0.0005, decimals: 1) == "-0.1%", "rounds half away")
    }
}

/// Names from files never reach the terminal raw, and a long cycle is shortened.
@Suite struct TerminalSafetyTests {
    @Test func controlCharactersInNamesAreEscaped() {
        #expect(
            TerminalSafe.escaped("a\u{1B}]0;pwned\u{07}\u{1B}[2J\nb\u{9B}")
                == #"a\u{1B}]0;pwned\u{07}\u{1B}[2J\u{0A}b\u{9B}"#)
        #expect(TerminalSafe.escaped("plain · ünïcode") == "plain · ünïcode")
        let diagnostic = Diagnostic(
            file: "g.json", path: "$.ops[0]", message: "op \"x\u{1B}[2J\" is bad")
        #expect(!diagnostic.description.unicodeScalars.contains { TerminalSafe.isControl($0) })
    }

    @Test func aLongCycleIsShortened() {
        let count = 2000
        let ops = (0..<count).map {
            #"{"name": "op\#($0)", "type": "X", "inputs": ["op\#(($0 + count - 1) % count)"]}"#
        }
        let problems = graphProblems(graphText(ops))
        let cycle = problems.first { $0.message.contains("cycle") }
        #expect(cycle != nil)
        #expect((cycle?.message.count ?? .max) < 200, "\(cycle?.message.prefix(300) ?? "")")
        #expect(cycle?.message.contains("(1,996 more)") == true)
        let short = graphProblems(
            graphText([
                #"{"name": "a", "type": "X", "inputs": ["b"]}"#,
                #"{"name": "b", "type": "X", "inputs": ["a"]}"#,
            ]))
        #expect(
            short.contains {
                $0.message.hasSuffix(#""a" -> "b" -> "a""#)
                    || $0.message.hasSuffix(#""b" -> "a" -> "b""#)
            })
    }
}

/// Any readable stream is read: a pipe or FIFO (`validate <(cat g.json)`), not only a regular file.
@Suite struct StreamReadingTests {
    @Test func aFIFOIsReadToItsEnd() throws {
        let path = temporaryPath("g.fifo")
        #expect(mkfifo(path, 0o600) == 0)
        let text = graphText([#"{"name": "a", "type": "Const"}"#])
        let writer = Thread {
            let handle = FileHandle(forWritingAtPath: path)
            handle?.write(Data(text.utf8))
            try? handle?.close()
        }
        writer.start()
        let read = try FileIO.readText(path)
        #expect(read == text)
    }

    @Test func aDirectoryAndAMissingFileAreClearErrors() {
        #expect(throws: InputError.self) { try FileIO.read(samplesDirectory) }
        do { _ = try FileIO.read(samplesDirectory) } catch {
            #expect(error.description.hasSuffix("is a directory, not a file"))
        }
        do { _ = try FileIO.read(samplesDirectory + "/none.json") } catch {
            #expect(error.description.hasSuffix("no such file"))
        }
    }
}

/// A process killed while writing leaves `.NAME.tmp-PID`; the next write of the same file
/// removes it, and leaves a running process's temporary alone.
@Suite struct StaleTemporaryTests {
    @Test func theNextWriteRemovesADeadProcesssTemporary() throws {
        let path = temporaryPath("run.checkpoint.json")
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        // PIDs above the kernel's limit (4194304 at most) never run; 1 (init) always does.
        let dead = directory + "/.run.checkpoint.json.tmp-99999999"
        let live = directory + "/.run.checkpoint.json.tmp-1"
        try "partial".write(toFile: dead, atomically: false, encoding: .utf8)
        try "partial".write(toFile: live, atomically: false, encoding: .utf8)
        try FileIO.writeAtomically("{}", to: path)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{}")
    }
}
