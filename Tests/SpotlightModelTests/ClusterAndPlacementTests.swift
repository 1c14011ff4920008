import Foundation
import Testing

@testable import SpotlightModel

@Suite struct ClusterTests {
    private func expectProblem(
        _ text: String, path: String, _ fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectDiagnostic(
            in: clusterProblems(text), file: "c.json", path: path, fragment,
            sourceLocation: sourceLocation)
    }

    @Test func convertsUnitsAndFillsChannels() throws {
        let cluster = try Cluster.load(samplesDirectory + "/tiny.cluster.json")
        #expect(cluster.deviceCount == 3)
        #expect(cluster.flopsPerMicrosecond[1] == 2.5e6)
        #expect(cluster.memoryBytesPerMicrosecond[0] == 5e4)
        #expect(cluster.memoryCapacityBytes[1] == 5e7)
        // 1 MB over a 10 GB/s link with 10 us latency: 100 us + 10 us.
        #expect(cluster.transferTime(bytes: 1e6, from: 0, to: 1) == 110)
        #expect(cluster.transferTime(bytes: 1e6, from: 1, to: 0) == 110)
        #expect(cluster.transferTime(bytes: 1e6, from: 1, to: 2) == 55)
        #expect(cluster.transferTime(bytes: 1e6, from: 2, to: 2) == 0)
        #expect(cluster.kindNames == ["cpu", "gpu"])
        #expect(cluster.devices[0].type == "xeon")
    }

    @Test func defaultLinkCoversUnlistedPairs() throws {
        let cluster = try decodeCluster(
            clusterText(
                gpus: 2, extra: #", "links": [{"between": ["gpu:0", "gpu:1"], "gbytes_per_s": 50}]"#
            ))
        #expect(cluster.transferTime(bytes: 1e6, from: 1, to: 2) == 20)
        #expect(cluster.transferTime(bytes: 1e6, from: 0, to: 2) == 105)
        #expect(cluster.devices[0].type == "cpu", "type defaults to kind")
    }

    @Test func emptyCluster() {
        expectProblem(
            #"{"format": "spotlight.cluster/1", "name": "c", "devices": []}"#, path: "$.devices",
            "no devices")
    }

    @Test func linkNamingAMissingDevice() {
        expectProblem(
            clusterText(
                extra: #", "links": [{"between": ["gpu:0", "gpu:9"], "gbytes_per_s": 10}]"#),
            path: "$.links[0].between[1]", #"device "gpu:9", which is not in the cluster"#)
    }

    /// A device with a bad field is the one cause reported: links naming it say nothing more.
    @Test func aBadDeviceFieldCausesNoFollowOnErrors() {
        let text = clusterText(
            extra: #", "links": [{"between": ["cpu:0", "gpu:0"], "gbytes_per_s": 10}, "#
                + #"{"between": ["gpu:0", "gpu:7"], "gbytes_per_s": 10}]"#
        )
        .replacingOccurrences(
            of: #""name": "gpu:0", "kind": "gpu", "type": "k80", "gflops": 1000"#,
            with: #""name": "gpu:0", "kind": "gpu", "type": "k80", "gflops": "fast""#)
        let problems = clusterProblems(text)
        #expect(
            problems.map(\.path) == ["$.devices[1].gflops", "$.links[1].between[1]"],
            "\(problems.map(\.description))")
    }

    @Test func missingLinkWithoutDefault() {
        let text = #"""
            {"format": "spotlight.cluster/1", "name": "c", "devices": [
              {"name": "a", "kind": "gpu", "gflops": 1, "mem_gbytes_per_s": 1, "memory_gbytes": 1},
              {"name": "b", "kind": "gpu", "gflops": 1, "mem_gbytes_per_s": 1, "memory_gbytes": 1}]}
            """#
        expectProblem(text, path: "$.links", #"no link and no default_link between "a" and "b""#)
    }

    @Test func badDevicesAndLinks() {
        let duplicate = clusterText(gpus: 1).replacingOccurrences(of: "gpu:0", with: "cpu:0")
        expectProblem(duplicate, path: "$.devices[1].name", #"duplicate device name "cpu:0""#)
        expectProblem(
            clusterText().replacingOccurrences(of: #""gflops": 1000"#, with: #""gflops": 0"#),
            path: "$.devices[1].gflops", "greater than zero")
        expectProblem(
            clusterText().replacingOccurrences(
                of: #""memory_gbytes": 16"#, with: #""memory_gbytes": -16"#),
            path: "$.devices[0].memory_gbytes", "must not be negative")
        expectProblem(
            clusterText(
                extra: #", "links": [{"between": ["gpu:0", "gpu:0"], "gbytes_per_s": 10}]"#),
            path: "$.links[0].between", "to itself")
        expectProblem(
            clusterText(extra: #", "links": [{"between": ["gpu:0"], "gbytes_per_s": 10}]"#),
            path: "$.links[0].between", "expected two device names")
        expectProblem(
            clusterText(
                extra:
                    #", "links": [{"between": ["gpu:0", "gpu:1"], "gbytes_per_s": 1}, {"between": ["gpu:1", "gpu:0"], "gbytes_per_s": 2}]"#
            ),
            path: "$.links[1].between", "duplicate link")
        expectProblem(
            clusterText(extra: #", "links": [{"between": ["gpu:0", "gpu:1"], "latency_us": 1}]"#),
            path: "$.links[0].gbytes_per_s", "missing required key")
    }

    @Test func savingAndLoadingGivesTheSameCluster() throws {
        let original = try Cluster.load(samplesDirectory + "/tiny.cluster.json")
        let path = temporaryPath("c.json")
        try original.save(to: path)
        let reloaded = try Cluster.load(path)
        #expect(reloaded.devices == original.devices)
        #expect(reloaded.links == original.links)
        #expect(reloaded.channelBytesPerMicrosecond == original.channelBytesPerMicrosecond)
    }
}

@Suite struct ConstraintTests {
    @Test func opWhoseDevicesMatchNoDeviceOfTheCluster() throws {
        let graph = try decodeGraph(graphText([#"{"name": "a", "type": "X", "devices": ["tpu"]}"#]))
        let cluster = try decodeCluster(clusterText())
        #expect {
            try PlacementConstraints(graph: graph, cluster: cluster, graphFile: "g.json")
        } throws: { error in
            let diagnostic = (error as? InputError)?.diagnostics.first
            return diagnostic?.file == "g.json" && diagnostic?.path == "$.ops[0].devices"
                && diagnostic?.message.contains(#"only on "tpu""#) == true
        }
    }

    @Test func colocationSetNarrowsAllowedDevices() throws {
        let graph = try decodeGraph(
            graphText([
                #"{"name": "v", "type": "VariableV2", "devices": ["gpu", "cpu"]}"#,
                #"{"name": "u", "type": "ApplyAdam", "inputs": ["v"], "devices": ["gpu"], "colocate_with": "v"}"#,
                #"{"name": "free", "type": "X"}"#,
            ]))
        let constraints = try PlacementConstraints(
            graph: graph, cluster: decodeCluster(clusterText(gpus: 2)))
        #expect(constraints.allowedDevices == [0b110, 0b110, 0b111])
        #expect(constraints.colocationRoot[0] == constraints.colocationRoot[1])
        #expect(constraints.colocationRoot[2] != constraints.colocationRoot[0])
    }
}

@Suite struct PlacementTests {
    let graph: OperationGraph
    let cluster: Cluster

    init() throws {
        graph = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        cluster = try Cluster.load(samplesDirectory + "/tiny.cluster.json")
    }

    private func document(_ assignment: [(String, String)]) throws -> Placement.Document {
        let members = assignment.map { "\"\($0.0)\": \"\($0.1)\"" }.joined(separator: ", ")
        return try Placement.decodeDocument(
            JSONParser.parse(
                """
                {"format": "spotlight.placement/1", "graph": "tiny_two_tower", "cluster": "tiny-cpu-2gpu", "assignment": {\(members)}}
                """), file: "p.json")
    }

    private func expertAssignment() -> [(String, String)] {
        (0..<graph.count).map { (graph.opNames[$0], graph.expert[$0]!) }
    }

    private func problems(_ assignment: [(String, String)]) -> [Diagnostic] {
        do {
            _ = try document(assignment).resolve(graph: graph, cluster: cluster)
            return []
        } catch let error as InputError {
            return error.diagnostics
        } catch {
            return [Diagnostic(file: "?", path: "", message: "\(error)")]
        }
    }

    @Test func sampleExpertPlacementLoads() throws {
        let placement = try Placement.load(
            samplesDirectory + "/tiny.expert.placement.json", graph: graph, cluster: cluster)
        #expect(placement.method == "expert")
        #expect(placement.assignment[graph.opID(named: "input")!] == 0)
        #expect(placement.assignment[graph.opID(named: "tower_b/MatMul")!] == 2)
    }

    @Test func placementMissingAnOp() {
        let found = problems(Array(expertAssignment().dropFirst()))
        #expect(found.count == 1)
        #expect(found.first?.path == "$.assignment")
        #expect(
            found.first?.message.contains(
                #"1 ops of graph "tiny_two_tower" have no device: "input""#) == true)
    }

    @Test func placementNamingAMissingDevice() {
        var assignment = expertAssignment()
        assignment[4].1 = "gpu:7"
        let found = problems(assignment)
        #expect(found.map(\.path) == ["$.assignment.tower_a/MatMul"])
        #expect(found.first?.message.contains(#"device "gpu:7" is not in cluster"#) == true)
    }

    @Test func placementNamingAnUnknownOp() {
        let found = problems(expertAssignment() + [("ghost", "gpu:0")])
        #expect(found.first?.message.contains(#"op "ghost" is not in graph"#) == true)
    }

    @Test func placementBreakingDeviceAndColocationConstraints() {
        var assignment = expertAssignment()
        assignment[0].1 = "gpu:0"  // input is CPU-only
        let index = assignment.firstIndex { $0.0 == "train/update_tower_a/w" }!
        assignment[index].1 = "gpu:1"  // must share a device with tower_a/w
        let found = problems(assignment)
        #expect(
            found.contains {
                $0.path == "$.assignment.input" && $0.message.contains("may not run on \"gpu:0\"")
            })
        #expect(
            found.contains {
                $0.path == "$.assignment.train/update_tower_a/w"
                    && $0.message.contains("must share a device with \"tower_a/w\"")
            })
    }

    @Test func savingAndLoadingGivesTheSamePlacement() throws {
        let placement = try Placement.load(
            samplesDirectory + "/tiny.expert.placement.json", graph: graph, cluster: cluster)
        let path = temporaryPath("p.json")
        try placement.save(to: path, graph: graph, cluster: cluster)
        #expect(try Placement.load(path, graph: graph, cluster: cluster) == placement)
    }
}

@Suite struct FileTests {
    @Test func malformedJSONNamesFileLineAndColumn() throws {
        let path = temporaryPath("broken.json")
        try FileIO.writeAtomically(
            "{\n  \"format\": \"spotlight.graph/1\",\n  \"ops\": [,]\n}\n", to: path)
        #expect {
            try OperationGraph.load(path)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix(path + ": malformed JSON at line 3, column 11")
        }
    }

    @Test func missingFileAndDirectory() {
        #expect { try OperationGraph.load("/nonexistent/x.json") } throws: {
            "\($0)".contains("no such file")
        }
        #expect { try OperationGraph.load("/tmp") } throws: { "\($0)".contains("is a directory") }
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporary() throws {
        let path = temporaryPath("out.json")
        try FileIO.writeAtomically("first", to: path)
        try FileIO.writeAtomically("second", to: path)
        #expect(try FileIO.read(path) == Array("second".utf8))
        let directory = (path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.json"])
    }

    @Test func writingIntoAMissingDirectoryFailsCleanly() {
        #expect(throws: InputError.self) {
            try FileIO.writeAtomically("x", to: "/nonexistent/dir/out.json")
        }
    }

    @Test func writabilityIsCheckedBeforeTheWrite() throws {
        let path = temporaryPath("later.json")
        let directory = (path as NSString).deletingLastPathComponent
        try FileIO.checkWritable(path)
        #expect(!FileManager.default.fileExists(atPath: path), "checking creates nothing")
        #expect { try FileIO.checkWritable("/nonexistent/dir/out.json") } throws: {
            "\($0)"
                == "/nonexistent/dir/out.json: cannot write: its directory /nonexistent/dir does not exist"
        }
        #expect { try FileIO.checkWritable(directory) } throws: {
            "\($0)".hasSuffix("is a directory, not a file")
        }
        let file = temporaryPath("plain.txt")
        try FileIO.writeAtomically("x", to: file)
        #expect { try FileIO.checkWritable(file + "/inside.json") } throws: {
            "\($0)".hasSuffix("is not a directory")
        }
        let tooLong = directory + "/" + String(repeating: "n", count: 250) + ".json"
        #expect { try FileIO.checkWritable(tooLong) } throws: {
            "\($0)".hasSuffix("cannot write: File name too long")
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty,
            "no probe is left behind")
    }
}
