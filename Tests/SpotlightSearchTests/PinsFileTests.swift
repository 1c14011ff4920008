import Foundation
import SpotlightModel
import Testing

@testable import SpotlightSearch

@Suite struct PinsFileTests {
    @Test func pinsSaveAndLoadTheSame() throws {
        let problem = try OptimizerTests.problem(ops: 120, stages: 8)
        let pins = PinsFile(stages: [(2, 1), (5, 0)], ops: [(7, 2)])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pins-\(UUID().uuidString).json"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try pins.save(to: path, problem: problem)
        #expect(try PinsFile.load(path, problem: problem) == pins)
        var optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.spotlight, samples: 4, seed: 1))
        pins.apply(to: &optimizer)
        #expect(
            PinsFile(stagePins: optimizer.state.stagePins, opPins: optimizer.state.opPins).stages
                .map(\.stage) == [2, 5])
        #expect(optimizer.state.opPins[7] == 2)
    }

    @Test func badPinsAreErrorsWithTheirPaths() throws {
        let problem = try OptimizerTests.problem(ops: 120, stages: 8)
        let text = """
            {"format": "spotlight.pins/1", "graph": "\(problem.graph.name)", "cluster": "other",
             "stages": [{"stage": 99, "device": "cpu:0"}, {"stage": 1, "device": "tpu:9"}],
             "ops": {"no such op": "cpu:0"}}
            """
        let document = try JSONParser.parse(Array(text.utf8))
        let problems = Self.problems(document, problem: problem)
        let paths = problems.map(\.path)
        #expect(
            paths.contains("$.cluster") && paths.contains("$.stages[0].stage")
                && paths.contains("$.stages[1].device"),
            "\(problems.map(\.description))")
        #expect(paths.contains { $0.hasPrefix("$.ops") }, "\(problems.map(\.description))")
    }

    static func problems(_ document: JSONValue, problem: PlacementProblem) -> [Diagnostic] {
        do {
            _ = try PinsFile.decode(document, file: "p.json", problem: problem)
            return []
        } catch {
            return error.diagnostics
        }
    }
}
