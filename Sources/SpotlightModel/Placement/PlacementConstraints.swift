/// What a graph allows on a given cluster: for every op, the devices it may use (its own `devices`
/// kinds, intersected over its colocation set), and which colocation set it belongs to.
///
/// Building this is the check that a graph can run on a cluster at all.
public struct PlacementConstraints: Sendable {
    /// Bit `d` set: the op may run on device `d`.
    public let allowedDevices: [UInt64]
    /// The representative op of each op's colocation set; ops with equal roots share a device.
    public let colocationRoot: [Int]
    public let deviceCount: Int

    public init(graph: OperationGraph, cluster: Cluster, graphFile: String = "<graph>")
        throws(InputError)
    {
        var log = DiagnosticLog(file: graphFile)
        let everyDevice: UInt64 =
            cluster.deviceCount == 64 ? .max : (1 << UInt64(cluster.deviceCount)) - 1
        // Device mask of each of the graph's kind names on this cluster.
        let devicesOfKind: [UInt64] = graph.kindNames.map { kind in
            var mask: UInt64 = 0
            for device in 0..<cluster.deviceCount where cluster.devices[device].kind == kind {
                mask |= 1 << UInt64(device)
            }
            return mask
        }
        var allowed = [UInt64](repeating: everyDevice, count: graph.count)
        for op in 0..<graph.count where graph.allowedKinds[op] != 0 {
            var mask: UInt64 = 0
            for kind in graph.kindNames.indices
            where graph.allowedKinds[op] & (1 << UInt64(kind)) != 0 {
                mask |= devicesOfKind[kind]
            }
            allowed[op] = mask
            if mask == 0 {
                let kinds = graph.kindNames.indices.filter {
                    graph.allowedKinds[op] & (1 << UInt64($0)) != 0
                }
                .map { "\"\(graph.kindNames[$0])\"" }.joined(separator: ", ")
                log.add(
                    JSONPath.member(OperationGraph.opPath(op), "devices"),
                    "op \"\(graph.opNames[op])\" may run only on \(kinds), and cluster \"\(cluster.name)\" has no such device"
                )
            }
        }
        let root = graph.colocationRoot
        var common = [UInt64](repeating: everyDevice, count: graph.count)
        for op in 0..<graph.count { common[root[op]] &= allowed[op] }
        var reported = Set<Int>()
        for op in 0..<graph.count {
            let mask = common[root[op]]
            if mask == 0 && allowed[op] != 0 && reported.insert(root[op]).inserted {
                log.add(
                    JSONPath.member(OperationGraph.opPath(op), "colocate_with"),
                    "op \"\(graph.opNames[op])\" and the ops colocated with it share no device of cluster \"\(cluster.name)\""
                )
            }
            allowed[op] = mask
        }
        try log.throwIfAny()
        self.allowedDevices = allowed
        self.colocationRoot = root
        self.deviceCount = cluster.deviceCount
    }

    @inline(__always)
    public func allows(op: Int, device: Int) -> Bool {
        allowedDevices[op] & (1 << UInt64(device)) != 0
    }
}
