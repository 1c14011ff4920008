/// A device for every op of a graph, on a cluster: `assignment[op]` is a device id.
public struct Placement: Sendable, Equatable {
    public var graphName: String
    public var clusterName: String
    /// Which placer produced it ("spotlight", "single_gpu", "expert", ...).
    public var method: String
    /// The step time the producer measured, if any.
    public var stepTimeMicroseconds: Double?
    public var assignment: [Int]

    public init(
        graphName: String, clusterName: String, method: String, stepTimeMicroseconds: Double? = nil,
        assignment: [Int]
    ) {
        self.graphName = graphName
        self.clusterName = clusterName
        self.method = method
        self.stepTimeMicroseconds = stepTimeMicroseconds
        self.assignment = assignment
    }

    /// Problems with this placement on `graph` and `cluster`: a missing op, a device out of range,
    /// an op on a device kind it may not use, colocated ops apart. Empty when valid.
    public func violations(
        graph: OperationGraph, cluster: Cluster, constraints: PlacementConstraints, file: String
    ) -> [Diagnostic] {
        var log = DiagnosticLog(file: file)
        let assignmentPath = JSONPath.member(JSONPath.root, "assignment")
        guard assignment.count == graph.count else {
            log.add(assignmentPath, "assigns \(assignment.count) ops; the graph has \(graph.count)")
            return log.failure().diagnostics
        }
        for op in 0..<graph.count {
            let path = JSONPath.member(assignmentPath, graph.opNames[op])
            let device = assignment[op]
            guard device >= 0 && device < cluster.deviceCount else {
                log.add(
                    path,
                    "op \"\(graph.opNames[op])\" is not assigned to a device of cluster \"\(cluster.name)\""
                )
                continue
            }
            let target = graph.colocateWith[op]
            if target >= 0, assignment[target] != device {
                log.add(
                    path,
                    "op \"\(graph.opNames[op])\" is on \"\(cluster.devices[device].name)\" but must share a device with \"\(graph.opNames[target])\""
                )
            } else if !constraints.allows(op: op, device: device) {
                log.add(
                    path,
                    "op \"\(graph.opNames[op])\" may not run on \"\(cluster.devices[device].name)\" (kind \"\(cluster.devices[device].kind)\")"
                )
            }
        }
        return log.diagnostics
    }
}
