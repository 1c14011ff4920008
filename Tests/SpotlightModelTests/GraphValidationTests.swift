import Testing

@testable import SpotlightModel

/// Every kind of bad graph input gives a diagnostic naming the file, the JSON path and the problem.
@Suite struct GraphValidationTests {
    private func expectProblem(
        _ text: String, path: String, _ fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectDiagnostic(
            in: graphProblems(text), file: "g.json", path: path, fragment,
            sourceLocation: sourceLocation)
    }

    @Test func acceptsAMinimalGraph() throws {
        let graph = try decodeGraph(
            graphText([
                #"{"name": "a", "type": "Const"}"#,
                #"{"name": "b", "type": "Neg", "inputs": ["a"]}"#,
            ]))
        #expect(graph.count == 2)
        #expect(graph.edgeCount == 1)
    }

    @Test func wrongFormat() {
        expectProblem(
            #"{"format": "spotlight.graph/2", "name": "t", "ops": []}"#, path: "$.format",
            #"expected "spotlight.graph/1""#)
        expectProblem(
            #"{"format": "spotlight.cluster/1", "name": "t", "ops": []}"#, path: "$.format",
            "expected")
        expectProblem(#"{"name": "t", "ops": []}"#, path: "$.format", "missing required key")
        expectProblem("[1, 2]", path: "$", "expected an object")
    }

    @Test func anEmptyGraphIsRejected() {
        expectProblem(
            #"{"format": "spotlight.graph/1", "name": "t", "ops": []}"#, path: "$.ops",
            "the graph has no ops")
    }

    @Test func missingAndMistypedKeys() {
        expectProblem(
            #"{"format": "spotlight.graph/1", "name": "t"}"#, path: "$.ops", "missing required key")
        expectProblem(
            graphText([#"{"type": "Const"}"#]), path: "$.ops[0].name", "missing required key")
        expectProblem(
            graphText([#"{"name": "a", "type": 3}"#]), path: "$.ops[0].type", "expected a string")
        expectProblem(
            graphText([#"{"name": "a", "type": "X", "inputs": [7]}"#]), path: "$.ops[0].inputs[0]",
            "expected an op name")
        expectProblem(
            graphText([#"{"name": "a", "type": "X", "flops": "many"}"#]), path: "$.ops[0].flops",
            "expected a number")
    }

    @Test func duplicateOpNames() {
        expectProblem(
            graphText([
                #"{"name": "a", "type": "X"}"#, #"{"name": "b", "type": "X"}"#,
                #"{"name": "a", "type": "Y"}"#,
            ]),
            path: "$.ops[2].name", #"duplicate op name "a" (first defined at $.ops[0])"#)
    }

    @Test func inputNamingAMissingOp() {
        expectProblem(
            graphText([
                #"{"name": "a", "type": "X"}"#,
                #"{"name": "b", "type": "X", "inputs": ["a", {"from": "ghost", "bytes": 4}]}"#,
            ]),
            path: "$.ops[1].inputs[1]", #"has input "ghost", which is not an op of the graph"#)
    }

    @Test func cycleNamesItsOps() {
        let problems = graphProblems(
            graphText([
                #"{"name": "src", "type": "X"}"#,
                #"{"name": "a", "type": "X", "inputs": ["src", "c"]}"#,
                #"{"name": "b", "type": "X", "inputs": ["a"]}"#,
                #"{"name": "c", "type": "X", "inputs": ["b"]}"#,
                #"{"name": "after", "type": "X", "inputs": ["c"]}"#,
            ]))
        #expect(problems.count == 1)
        let message = problems.first?.message ?? ""
        #expect(message.contains("cycle"))
        for name in ["\"a\"", "\"b\"", "\"c\""] { #expect(message.contains(name), "\(message)") }
        #expect(!message.contains("src") && !message.contains("after"))
        // The cycle reads in edge order: a -> b -> c -> a.
        #expect(
            message.contains(#""a" -> "b" -> "c" -> "a""#)
                || message.contains(#""b" -> "c" -> "a" -> "b""#)
                || message.contains(#""c" -> "a" -> "b" -> "c""#), "\(message)")
    }

    @Test func selfLoopIsACycle() {
        expectProblem(
            graphText([#"{"name": "a", "type": "X", "inputs": ["a"]}"#]), path: "$.ops",
            #"cycle: "a" -> "a""#)
    }

    @Test func negativeSizesAndTimes() {
        expectProblem(
            graphText([#"{"name": "a", "type": "X", "output_bytes": -1}"#]),
            path: "$.ops[0].output_bytes", "must not be negative")
        expectProblem(
            graphText([#"{"name": "a", "type": "X", "flops": -5}"#]), path: "$.ops[0].flops",
            "must not be negative")
        expectProblem(
            graphText([#"{"name": "a", "type": "X", "persistent_bytes": -5}"#]),
            path: "$.ops[0].persistent_bytes", "must not be negative")
        expectProblem(
            graphText([#"{"name": "a", "type": "X", "time_us": {"k80": -2}}"#]),
            path: "$.ops[0].time_us.k80", "must not be negative")
        expectProblem(
            graphText([
                #"{"name": "a", "type": "X"}"#,
                #"{"name": "b", "type": "X", "inputs": [{"from": "a", "bytes": -3}]}"#,
            ]),
            path: "$.ops[1].inputs[1].bytes".replacingOccurrences(
                of: "[1].bytes", with: "[0].bytes"), "must not be negative")
    }

    @Test func colocationWithAMissingOp() {
        expectProblem(
            graphText([#"{"name": "a", "type": "X", "colocate_with": "nobody"}"#]),
            path: "$.ops[0].colocate_with",
            #"colocated with "nobody", which is not an op of the graph"#)
    }

    @Test func colocationWithDisjointDeviceKinds() {
        expectProblem(
            graphText([
                #"{"name": "v", "type": "VariableV2", "devices": ["cpu"]}"#,
                #"{"name": "u", "type": "ApplyAdam", "inputs": ["v"], "devices": ["gpu"], "colocate_with": "v"}"#,
            ]), path: "$.ops[1].colocate_with", "allow no common device kind")
    }

    @Test func emptyDevicesList() {
        expectProblem(
            graphText([#"{"name": "a", "type": "X", "devices": []}"#]), path: "$.ops[0].devices",
            "allows no device kind")
    }

    @Test func reportsManyProblemsAtOnce() {
        let problems = graphProblems(
            graphText([
                #"{"name": "a", "type": "X", "flops": -1}"#,
                #"{"name": "b", "type": "X", "output_bytes": -1}"#,
                #"{"name": "c"}"#,
            ]))
        #expect(problems.count == 3)
    }

    @Test func unknownKeysAreIgnored() throws {
        let graph = try decodeGraph(
            graphText([#"{"name": "a", "type": "X", "future_key": {"x": [1]}}"#]))
        #expect(graph.count == 1)
    }
}

@Suite struct GraphStructureTests {
    @Test func edgesAndTopologyOfADiamond() throws {
        let graph = try decodeGraph(
            graphText([
                #"{"name": "d", "type": "X", "inputs": ["b", "c"]}"#,
                #"{"name": "b", "type": "X", "inputs": ["a"], "output_bytes": 10}"#,
                #"{"name": "a", "type": "X", "output_bytes": 100}"#,
                #"{"name": "c", "type": "X", "inputs": [{"from": "a", "bytes": 7}], "output_bytes": 20}"#,
            ]))
        #expect(graph.topologicalOrder == [2, 1, 3, 0])
        #expect(graph.depth == [2, 1, 0, 1])
        #expect(graph.criticalPathLength == 3)
        #expect(Array(graph.inputs(of: 0)) == [1, 3])
        #expect(Array(graph.consumers(of: 2)) == [1, 3])
        #expect(graph.inputBytes == [10, 20, 100, 7])
        #expect(graph.opID(named: "c") == 3)
    }

    @Test func savingAndLoadingGivesTheSameGraph() throws {
        let original = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        let path = temporaryPath("tiny.graph.json")
        try original.save(to: path)
        let reloaded = try OperationGraph.load(path)
        #expect(reloaded.count == original.count)
        #expect(reloaded.name == original.name && reloaded.source == original.source)
        for op in 0..<original.count { #expect(reloaded.spec(of: op) == original.spec(of: op)) }
        // Saving is deterministic.
        let second = temporaryPath("again.json")
        try reloaded.save(to: second)
        #expect(try FileIO.read(path) == FileIO.read(second))
    }

    @Test func measuredTimesAreKeptPerDeviceType() throws {
        let graph = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        let matmul = try #require(graph.opID(named: "tower_a/MatMul"))
        #expect(graph.measuredTime(of: matmul, deviceType: "k80") == 200)
        #expect(graph.measuredTime(of: matmul, deviceType: "xeon") == 2000)
        #expect(graph.measuredTime(of: matmul, deviceType: "v100") == nil)
    }
}
