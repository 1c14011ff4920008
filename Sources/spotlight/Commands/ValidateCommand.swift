import ArgumentParser
import SpotlightModel

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check graph, cluster and placement files.",
        discussion: """
            Each file's kind is read from its "format" key. Every graph is also checked against \
            every cluster given (can each op run somewhere, can colocated ops share a device), and \
            every placement against the graph and cluster it names (or the only ones given). \
            Exits 0 when every file is valid; otherwise prints one error per problem and exits 1.
            """
    )

    @Argument(help: "Files to check.", completion: .file(extensions: ["json"]))
    var files: [String]

    @Flag(name: .shortAndLong, help: "Print nothing for valid files.")
    var quiet = false

    func run() throws {
        let result = Validation.run(files)
        for failure in result.failures { Output.report(failure) }
        if !quiet { for line in result.summaries { Output.line(line) } }
        if !result.failures.isEmpty { throw ExitCode.failure }
    }
}

/// The work of `spotlight validate`, apart from printing.
struct Validation {
    struct Result {
        var summaries: [String] = []
        var failures: [InputError] = []
    }

    var result = Result()
    var graphs: [(file: String, graph: OperationGraph)] = []
    var clusters: [(file: String, cluster: Cluster)] = []
    var placements: [Placement.Document] = []

    /// Each file on its own, then every graph against every cluster, then each placement
    /// against its graph and cluster when they are among the files.
    static func run(_ files: [String]) -> Result {
        var validation = Validation()
        for file in files {
            do throws(InputError) {
                try validation.read(file)
            } catch {
                validation.result.failures.append(error)
            }
        }
        validation.checkPairs()
        validation.checkPlacements()
        return validation.result
    }

    /// Reads a file as the document its `format` names.
    private mutating func read(_ file: String) throws(InputError) {
        let document = try FileIO.readJSON(file)
        switch document["format"] {
        case .string(OperationGraph.formatIdentifier):
            let graph = try OperationGraph.decode(document, file: file)
            graphs.append((file, graph))
            result.summaries.append(
                "ok  \(file): graph \"\(graph.name)\", \(graph.count) ops, "
                    + "\(graph.edgeCount) edges")
        case .string(Cluster.formatIdentifier):
            let cluster = try Cluster.decode(document, file: file)
            clusters.append((file, cluster))
            result.summaries.append(
                "ok  \(file): cluster \"\(cluster.name)\", \(cluster.deviceCount) devices")
        case .string(Placement.formatIdentifier):
            placements.append(try Placement.decodeDocument(document, file: file))
        case .string(let other):
            throw InputError(
                file: file, path: "$.format",
                message: """
                    unknown format "\(other)"; expected "\(OperationGraph.formatIdentifier)", \
                    "\(Cluster.formatIdentifier)" or "\(Placement.formatIdentifier)"
                    """)
        case .some(let other):
            throw InputError(
                file: file, path: "$.format",
                message: "expected a string, found \(other.kindDescription)")
        case .none:
            throw InputError(
                file: file, path: "$", message: "not a Spotlight document: no \"format\" key")
        }
    }

    /// Every graph's ops must each have a device in every cluster.
    private mutating func checkPairs() {
        for (graphFile, graph) in graphs {
            for (_, cluster) in clusters {
                do {
                    _ = try PlacementConstraints(
                        graph: graph, cluster: cluster, graphFile: graphFile)
                } catch {
                    result.failures.append(error)
                }
            }
        }
    }

    /// Each placement against the graph and cluster it names (or the only ones given).
    private mutating func checkPlacements() {
        for document in placements {
            let graph =
                graphs.first { $0.graph.name == document.graphName }
                ?? (graphs.count == 1 ? graphs[0] : nil)
            let cluster =
                clusters.first { $0.cluster.name == document.clusterName }
                ?? (clusters.count == 1 ? clusters[0] : nil)
            guard let graph, let cluster else {
                result.summaries.append(
                    """
                    ok  \(document.file): placement of \(document.assignment.count) ops (structure only: \
                    give graph "\(document.graphName)" and cluster "\(document.clusterName)" to check the assignment)
                    """)
                continue
            }
            do {
                _ = try document.resolve(graph: graph.graph, cluster: cluster.cluster)
                result.summaries.append(
                    "ok  \(document.file): placement of graph \"\(graph.graph.name)\" "
                        + "on cluster \"\(cluster.cluster.name)\"")
            } catch {
                result.failures.append(error)
            }
        }
    }
}
