import Foundation
import SpotlightTestSupport
import Testing

/// Runs the built `spotlight` binary as a user would and checks exit codes and output.
@Suite(.tags(.slow), .skippedInQuickLoop) struct CommandLineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var directory = besideTests
        // The test bundle may sit inside a .xctest directory; walk up to the products folder.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("spotlight").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/spotlight").path
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    static func write(_ text: String, name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spotlight-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func samples() throws -> [String] {
        try FileManager.default.contentsOfDirectory(
            atPath: packageRoot.appendingPathComponent("samples").path
        )
        .filter { $0.hasSuffix(".json") }.sorted().map { "samples/" + $0 }
    }

    @Test func validateAcceptsEverySample() throws {
        let result = try Self.run(["validate"] + Self.samples())
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty)
        #expect(result.stdout.contains("ok  samples/tiny.graph.json"))
    }

    @Test(arguments: [
        (
            "{\"format\": \"spotlight.graph/1\", \"name\": \"t\", \"ops\": [",
            "malformed JSON at line 1"
        ),
        (
            "{\"format\": \"spotlight.graph/9\", \"name\": \"t\", \"ops\": []}",
            "unknown format \"spotlight.graph/9\""
        ),
        (
            "{\"format\": \"spotlight.graph/1\", \"name\": \"t\", \"ops\": [{\"name\": \"a\", \"type\": \"X\"}, {\"name\": \"a\", \"type\": \"X\"}]}",
            "$.ops[1].name: duplicate op name \"a\""
        ),
        (
            "{\"format\": \"spotlight.graph/1\", \"name\": \"t\", \"ops\": [{\"name\": \"a\", \"type\": \"X\", \"inputs\": [\"b\"]}]}",
            "$.ops[0].inputs[0]: op \"a\" has input \"b\", which is not an op of the graph"
        ),
        (
            "{\"format\": \"spotlight.graph/1\", \"name\": \"t\", \"ops\": [{\"name\": \"a\", \"type\": \"X\", \"inputs\": [\"a\"]}]}",
            "the graph has a cycle: \"a\" -> \"a\""
        ),
        (
            "{\"format\": \"spotlight.graph/1\", \"name\": \"t\", \"ops\": [{\"name\": \"a\", \"type\": \"X\", \"output_bytes\": -4}]}",
            "$.ops[0].output_bytes: must not be negative"
        ),
        (
            "{\"format\": \"spotlight.cluster/1\", \"name\": \"c\", \"devices\": []}",
            "$.devices: the cluster has no devices"
        ),
        (
            "{\"format\": \"spotlight.cluster/1\", \"name\": \"c\", \"devices\": [{\"name\": \"g\", \"kind\": \"gpu\", \"gflops\": 1, \"mem_gbytes_per_s\": 1, \"memory_gbytes\": 1}], \"links\": [{\"between\": [\"g\", \"h\"], \"gbytes_per_s\": 1}]}",
            "$.links[0].between[1]: link names device \"h\", which is not in the cluster"
        ),
        ("[]", "not a Spotlight document"),
    ])
    func validateRejectsBadInput(text: String, expected: String) throws {
        let path = try Self.write(text, name: "bad.json")
        let result = try Self.run(["validate", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: \(path): "), "\(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test func validateChecksAGraphAgainstTheClusterGiven() throws {
        let graph = try Self.write(
            "{\"format\": \"spotlight.graph/1\", \"name\": \"t\", \"ops\": [{\"name\": \"a\", \"type\": \"X\", \"devices\": [\"tpu\"]}]}",
            name: "g.json")
        let result = try Self.run(["validate", graph, "samples/tiny.cluster.json"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("\(graph): $.ops[0].devices: op \"a\" may run only on \"tpu\""),
            "\(result.stderr)")
    }

    @Test func validateChecksAPlacementAgainstItsGraphAndCluster() throws {
        let original = try String(
            contentsOfFile: Self.packageRoot.appendingPathComponent(
                "samples/tiny.expert.placement.json"
            ).path, encoding: .utf8)
        let broken = original.replacingOccurrences(of: "\"input\": \"cpu:0\",", with: "")
            .replacingOccurrences(of: "\"loss\": \"gpu:0\"", with: "\"loss\": \"gpu:5\"")
        let placement = try Self.write(broken, name: "p.json")
        let result = try Self.run([
            "validate", "samples/tiny.graph.json", "samples/tiny.cluster.json", placement,
        ])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("$.assignment.loss: device \"gpu:5\" is not in cluster"),
            "\(result.stderr)")
        #expect(result.stderr.contains("have no device: \"input\""), "\(result.stderr)")
    }

    @Test func validateReportsAMissingFile() throws {
        let result = try Self.run(["validate", "samples/nope.json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("samples/nope.json: no such file"))
    }

    @Test func infoPrintsJSONWithTheDocumentedKeys() throws {
        let result = try Self.run(["info", "samples/tiny.graph.json", "--json", "--stages", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["ops"] as? Int == 21)
        #expect(object["edges"] as? Int == 30)
        #expect(
            object["flops"] as? Double == 2_756_100_000 || object["flops"] as? Int == 2_756_100_000)
        #expect(object["persistent_bytes"] as? Int == 10_000_000)
        #expect(object["stages"] as? Int == 3)
    }

    @Test func infoPrintsATable() throws {
        let result = try Self.run(["info", "samples/tiny.graph.json"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("ops         21"))
        #expect(result.stdout.contains("stages      8"))
    }

    @Test func generateWritesAValidDeterministicGraph() throws {
        let first = try Self.write("", name: "a.json")
        let second = try Self.write("", name: "b.json")
        #expect(
            try Self.run(["generate", "--ops", "500", "--seed", "7", "--out", first]).status == 0)
        #expect(
            try Self.run(["generate", "--ops", "500", "--seed", "7", "--out", second]).status == 0)
        #expect(FileManager.default.contentsEqual(atPath: first, andPath: second))
        let validation = try Self.run(["validate", first, "samples/tiny.cluster.json"])
        #expect(validation.status == 0, "\(validation.stderr)")
        let info = try Self.run(["info", first, "--json"])
        #expect(info.stdout.contains("\"ops\": 500"))
    }

    @Test func generateRefusesBadArguments() throws {
        let tooFew = try Self.run(["generate", "--ops", "2", "--out", "/tmp/x.json"])
        #expect(tooFew.status != 0)
        #expect(tooFew.stderr.contains("--ops must be at least"))
        let badPath = try Self.run(["generate", "--ops", "50", "--out", "/nonexistent/dir/x.json"])
        #expect(badPath.status == 1)
        #expect(badPath.stderr.contains("/nonexistent/dir/x.json: cannot write"))
    }

    /// `bench budget` takes the synthetic graphs by name, as it runs them by default, and
    /// names the two it knows when a workload is neither a pair nor one of them.
    @Test func budgetBenchTakesTheSyntheticGraphsByName() throws {
        let result = try Self.run([
            "bench", "budget", "--budget", "32", "--seeds", "1", "--methods", "local",
            "synthetic-2k",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("| synthetic 2k | 59.77 | 105.21 (metis) |"))
        let unknown = try Self.run(["bench", "budget", "--methods", "local", "synthetic-3k"])
        #expect(unknown.status == 64)
        let known = "is neither GRAPH:CLUSTER nor synthetic-2k or synthetic-10k"
        #expect(unknown.stderr.contains(#"workload "synthetic-3k" "# + known))
    }

    /// `--noisy-start` measures the heuristics with the run's noise, so it needs `--noise`: the
    /// search then starts from a noisy time (its per-seed line's "search" figure, which the
    /// local search alone never changes), while the table still gives the heuristic's exact one.
    @Test func budgetBenchNoisyStartMeasuresTheStart() throws {
        let arguments = [
            "bench", "budget", "--budget", "16", "--seeds", "1", "--methods", "local",
            "synthetic-2k", "--noise", "0.05",
        ]
        let withoutNoise = try Self.run(Array(arguments.dropLast(2)) + ["--noisy-start"])
        #expect(withoutNoise.status == 64)
        #expect(withoutNoise.stderr.contains("--noisy-start needs --noise"))
        let exactStart = try Self.run(arguments)
        #expect(exactStart.stderr.contains("(search 105.21 ms,"), "\(exactStart.stderr)")
        let noisyStart = try Self.run(arguments + ["--noisy-start"])
        #expect(noisyStart.status == 0, "\(noisyStart.stderr)")
        #expect(
            noisyStart.stderr.contains("(search ") && !noisyStart.stderr.contains("(search 105.21"))
        #expect(noisyStart.stdout.contains("| synthetic 2k | 59.77 | 105.21 (metis) |"))
    }
}
