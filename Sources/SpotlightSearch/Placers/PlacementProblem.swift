import SpotlightModel
import SpotlightSimulation

/// Everything a placer needs about one (graph, cluster) pair, resolved once.
public struct PlacementProblem: Sendable {
    public let graph: OperationGraph
    public let cluster: Cluster
    public let constraints: PlacementConstraints
    public let cost: CostModel
    public let stages: StagePartition
    /// Devices of kind "gpu", or every device when the cluster has none: what "the accelerators"
    /// means to the placers that spread work.
    public let accelerators: [Int]

    public init(graph: OperationGraph, cluster: Cluster, maximumStages: Int = StagePartition.defaultMaximumStages,
                groupHints: Bool = true) throws(InputError) {
        self.graph = graph
        self.cluster = cluster
        self.constraints = try PlacementConstraints(graph: graph, cluster: cluster)
        self.cost = CostModel(graph: graph, cluster: cluster)
        self.stages = StagePartition(graph: graph, maximumStages: maximumStages, groupHints: groupHints)
        let gpus = (0..<cluster.deviceCount).filter { cluster.devices[$0].kind == "gpu" }
        self.accelerators = gpus.isEmpty ? Array(0..<cluster.deviceCount) : gpus
    }

    /// The allowed device on which `op` computes fastest (lowest id on ties).
    public func fastestAllowedDevice(for op: Int) -> Int {
        var best = -1
        for device in 0..<cluster.deviceCount where constraints.allows(op: op, device: device) {
            if best < 0 || cost.time(op: op, device: device) < cost.time(op: op, device: best) { best = device }
        }
        return best
    }

    /// Turns per-op wishes into a valid assignment: each colocation set goes to the first wish of
    /// its members (in file order) that the whole set allows, else to the device fastest for the
    /// set's first member; every member then shares that device.
    public func repaired(_ wishes: [Int]) -> [Int] {
        var deviceOfSet = [Int](repeating: -1, count: graph.count)
        for op in 0..<graph.count {
            let root = constraints.colocationRoot[op]
            let wish = wishes[op]
            if deviceOfSet[root] < 0, wish >= 0, wish < cluster.deviceCount, constraints.allows(op: op, device: wish) {
                deviceOfSet[root] = wish
            }
        }
        for op in 0..<graph.count where deviceOfSet[constraints.colocationRoot[op]] < 0 {
            deviceOfSet[constraints.colocationRoot[op]] = fastestAllowedDevice(for: op)
        }
        return (0..<graph.count).map { deviceOfSet[constraints.colocationRoot[$0]] }
    }
}

/// A way of placing a graph on a cluster without search: the baselines Spotlight is measured against.
public protocol Placer: Sendable {
    /// The name in tables and in the placement file's `method`.
    var method: String { get }
    /// A valid assignment, or `nil` when the method does not apply (no `expert` hints, say).
    func place(_ problem: PlacementProblem) -> [Int]?
}
