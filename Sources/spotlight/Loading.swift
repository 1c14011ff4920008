import ArgumentParser
import SpotlightModel
import SpotlightSearch

/// Loading the files a command names, reporting every problem and exiting 1 on failure.
enum Loading {
    static func graph(_ path: String) throws -> OperationGraph {
        do {
            return try OperationGraph.load(path)
        } catch {
            Output.report(error)
            throw ExitCode.failure
        }
    }

    static func cluster(_ path: String) throws -> Cluster {
        do {
            return try Cluster.load(path)
        } catch {
            Output.report(error)
            throw ExitCode.failure
        }
    }

    /// A graph and a cluster that fit together, as a placement problem with at most `maximumStages` stages.
    static func problem(graph graphPath: String, cluster clusterPath: String,
                        maximumStages: Int = StagePartition.defaultMaximumStages, groupHints: Bool = true) throws -> PlacementProblem {
        let graph = try graph(graphPath), cluster = try cluster(clusterPath)
        do {
            return try PlacementProblem(graph: graph, cluster: cluster, maximumStages: maximumStages, groupHints: groupHints)
        } catch {
            Output.report(InputError(error.diagnostics.map {
                Diagnostic(file: graphPath, path: $0.path, message: $0.message)
            }))
            throw ExitCode.failure
        }
    }

    static func placement(_ path: String, problem: PlacementProblem) throws -> Placement {
        do {
            return try Placement.load(path, graph: problem.graph, cluster: problem.cluster)
        } catch {
            Output.report(error)
            throw ExitCode.failure
        }
    }

    /// Runs `body`, turning a write failure into a reported error and exit 1.
    static func writing(_ body: () throws(InputError) -> Void) throws {
        do {
            try body()
        } catch {
            Output.report(error)
            throw ExitCode.failure
        }
    }
}
