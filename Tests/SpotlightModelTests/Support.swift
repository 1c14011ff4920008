import Foundation
import Testing

@testable import SpotlightModel

/// Expects a diagnostic for `file` at `path` whose message contains `fragment`.
func expectDiagnostic(
    in problems: [Diagnostic], file: String, path: String, _ fragment: String,
    sourceLocation: SourceLocation
) {
    #expect(
        problems.contains { $0.file == file && $0.path == path && $0.message.contains(fragment) },
        "expected \(path): …\(fragment)…, got \(problems.map(\.description))",
        sourceLocation: sourceLocation)
}

/// Parses `text` and decodes it as a graph named "g.json" in messages.
func decodeGraph(_ text: String) throws -> OperationGraph {
    try OperationGraph.decode(JSONParser.parse(text), file: "g.json")
}

func decodeCluster(_ text: String) throws -> Cluster {
    try Cluster.decode(JSONParser.parse(text), file: "c.json")
}

/// The diagnostics that decoding `text` as a graph produces (empty when it is valid).
func graphProblems(_ text: String) -> [Diagnostic] {
    do {
        _ = try decodeGraph(text)
        return []
    } catch let error as InputError {
        return error.diagnostics
    } catch {
        return [Diagnostic(file: "g.json", path: "", message: "\(error)")]
    }
}

func clusterProblems(_ text: String) -> [Diagnostic] {
    do {
        _ = try decodeCluster(text)
        return []
    } catch let error as InputError {
        return error.diagnostics
    } catch {
        return [Diagnostic(file: "c.json", path: "", message: "\(error)")]
    }
}

/// A graph document with the given ops (each a JSON object text).
func graphText(_ ops: [String]) -> String {
    """
    {"format": "spotlight.graph/1", "name": "t", "ops": [\(ops.joined(separator: ",\n"))]}
    """
}

/// A cluster of one CPU and `gpus` GPUs joined by a default link.
func clusterText(gpus: Int = 2, extra: String = "") -> String {
    var devices = [
        #"{"name": "cpu:0", "kind": "cpu", "gflops": 100, "mem_gbytes_per_s": 10, "memory_gbytes": 16}"#
    ]
    for index in 0..<gpus {
        devices.append(
            #"{"name": "gpu:\#(index)", "kind": "gpu", "type": "k80", "gflops": 1000, "mem_gbytes_per_s": 100, "memory_gbytes": 8}"#
        )
    }
    return """
        {"format": "spotlight.cluster/1", "name": "c", "devices": [\(devices.joined(separator: ","))],
         "default_link": {"gbytes_per_s": 10, "latency_us": 5}\(extra)}
        """
}

/// The repository's samples folder.
let samplesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("samples").path

func temporaryPath(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "spotlight-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
}
