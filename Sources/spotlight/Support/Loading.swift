import ArgumentParser
import SpotlightModel
import SpotlightSearch

/// Loading and writing the files a command names, reporting every problem and exiting 1 on failure.
enum Loading {
    /// Runs `body`; an input error is printed (one line per problem) and becomes exit status 1.
    static func reporting<Value>(_ body: () throws(InputError) -> Value) throws -> Value {
        do {
            return try body()
        } catch {
            Output.report(error)
            throw ExitCode.failure
        }
    }

    /// Fails before any work when a file the command will write (those given) cannot be created.
    static func checkWritable(_ paths: String?...) throws {
        try reporting { () throws(InputError) in
            for path in paths.compactMap({ $0 }) { try FileIO.checkWritable(path) }
        }
    }

    static func graph(_ path: String) throws -> OperationGraph {
        try reporting { () throws(InputError) in try OperationGraph.load(path) }
    }

    static func cluster(_ path: String) throws -> Cluster {
        try reporting { () throws(InputError) in try Cluster.load(path) }
    }

    /// A graph and a cluster that fit together, as a placement problem with at most `maximumStages`
    /// stages. The problem a benchmark's `GRAPH:CLUSTER` argument names.
    static func workload(_ pair: String, maximumStages: Int, groupHints: Bool = true) throws
        -> PlacementProblem
    {
        let parts = pair.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw ValidationError("workload \"\(pair)\" is not GRAPH:CLUSTER")
        }
        return try problem(
            graph: parts[0], cluster: parts[1], maximumStages: maximumStages, groupHints: groupHints
        )
    }

    static func problem(
        graph graphPath: String, cluster clusterPath: String,
        maximumStages: Int = StagePartition.defaultMaximumStages, groupHints: Bool = true
    ) throws -> PlacementProblem {
        let graph = try graph(graphPath)
        let cluster = try cluster(clusterPath)
        return try reporting { () throws(InputError) in
            do throws(InputError) {
                return try PlacementProblem(
                    graph: graph, cluster: cluster, maximumStages: maximumStages,
                    groupHints: groupHints)
            } catch {
                // The problems are the graph's (ops this cluster cannot run): name its file.
                throw InputError(
                    error.diagnostics.map {
                        Diagnostic(file: graphPath, path: $0.path, message: $0.message)
                    })
            }
        }
    }

    static func placement(_ path: String, problem: PlacementProblem) throws -> Placement {
        try reporting { () throws(InputError) in
            try Placement.load(path, graph: problem.graph, cluster: problem.cluster)
        }
    }
}
