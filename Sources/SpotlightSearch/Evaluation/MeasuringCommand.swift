import SpotlightModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the two command evaluators share: the command, its timeout, the graph and cluster its
/// placements are written against, and where the reasons of failed measurements go.
struct MeasuringCommand: Sendable {
    struct Failure: Error {
        var message: String
    }

    let command: String
    let timeoutSeconds: Double
    let graph: OperationGraph
    let cluster: Cluster
    let onFailure: @Sendable (String) -> Void
    /// The worker this command measures for, told to it as `SPOTLIGHT_WORKER`.
    let worker: Int?

    init(
        command: String, timeoutSeconds: Double, graph: OperationGraph, cluster: Cluster,
        worker: Int? = nil,
        onFailure: @escaping @Sendable (String) -> Void
    ) {
        self.command = command
        self.worker = worker
        self.timeoutSeconds = timeoutSeconds
        self.graph = graph
        self.cluster = cluster
        self.onFailure = onFailure
        // A command that exits without reading its input closes the pipe; writing the placement
        // must then fail with EPIPE (ignored) rather than kill Spotlight with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    /// The command started in a process group of its own and registered with `RunningCommands`
    /// (whoever stops it removes it), or why it could not start.
    func start() -> Result<SpawnedCommand, Failure> {
        guard RunningCommands.beginStart() else {
            return .failure(Failure(message: "`\(command)` was not started: Spotlight is quitting"))
        }
        do {
            let process = try SpawnedCommand(
                command: command, environment: worker.map { ["SPOTLIGHT_WORKER=\($0)"] } ?? [])
            RunningCommands.started(process.pid)
            return .success(process)
        } catch {
            RunningCommands.startFailed()
            return .failure(Failure(message: "cannot start `\(command)`: \(error.message)"))
        }
    }

    /// The placement as a measuring command reads it: one compact `spotlight.placement/1` line.
    func placementLine(_ assignment: [Int], method: String) -> String {
        let placement = Placement(
            graphName: graph.name, clusterName: cluster.name, method: method, assignment: assignment
        )
        return JSONWriter.compactString(placement.jsonValue(graph: graph, cluster: cluster)) + "\n"
    }

    /// A measurement's outcome as the search takes it; a failure's reason also goes to `onFailure`.
    func evaluation(_ outcome: Result<Double, Failure>) -> Evaluation {
        switch outcome {
        case .success(let microseconds):
            return Evaluation(stepTime: microseconds)
        case .failure(let reason):
            onFailure(reason.message)
            return Evaluation(stepTime: nil, failure: reason.message)
        }
    }
}
