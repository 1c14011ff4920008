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

    /// The most stages and whether the graph's group hints shaped them, for `refined(by:)`.
    public let maximumStages: Int
    public let groupHints: Bool

    public init(
        graph: OperationGraph, cluster: Cluster,
        maximumStages: Int = StagePartition.defaultMaximumStages,
        groupHints: Bool = true
    ) throws(InputError) {
        self.graph = graph
        self.cluster = cluster
        self.constraints = try PlacementConstraints(graph: graph, cluster: cluster)
        self.cost = CostModel(graph: graph, cluster: cluster)
        self.stages = StagePartition(
            graph: graph, maximumStages: maximumStages, groupHints: groupHints)
        self.maximumStages = maximumStages
        self.groupHints = groupHints
        let gpus = (0..<cluster.deviceCount).filter { cluster.devices[$0].kind == "gpu" }
        self.accelerators = gpus.isEmpty ? Array(0..<cluster.deviceCount) : gpus
    }

    private init(_ problem: PlacementProblem, stages: StagePartition) {
        graph = problem.graph
        cluster = problem.cluster
        constraints = problem.constraints
        cost = problem.cost
        maximumStages = problem.maximumStages
        groupHints = problem.groupHints
        accelerators = problem.accelerators
        self.stages = stages
    }

    /// The same problem with stages split by the device `assignment` gives each op, so that the
    /// assignment is expressible as one device per stage (as far as the stage budget allows):
    /// what a search warm-started from a heuristic placement needs.
    ///
    /// Group hints can be far coarser than the budget: the RNNLM's layers make 7 stages of 256.
    /// When stages formed without the hints are more and still express the assignment exactly
    /// (every stage's ops on one device), those are taken instead: the search gets finer decisions
    /// and loses nothing of its start. When dropping the hints would blur the assignment (merging
    /// ops of different devices to fit the budget, as on the NMT model), the hints stay.
    public func refined(by assignment: [Int]) -> PlacementProblem {
        let hinted = StagePartition(
            graph: graph, maximumStages: maximumStages, groupHints: groupHints,
            refinement: assignment)
        if groupHints && hinted.count < maximumStages {
            let plain = StagePartition(
                graph: graph, maximumStages: maximumStages, groupHints: false,
                refinement: assignment)
            if plain.count > hinted.count && Self.expresses(plain, assignment) {
                return PlacementProblem(self, stages: plain)
            }
        }
        return PlacementProblem(self, stages: hinted)
    }

    /// The step time no placement of this problem can beat (`LowerBound`), from its cost model.
    /// Computed on each call, in time linear in the graph.
    public func lowerBound() -> Double {
        LowerBound.compute(cost: cost, graph: graph, constraints: constraints)
    }

    /// Whether every stage of `partition` holds ops of one device of `assignment` only.
    static func expresses(_ partition: StagePartition, _ assignment: [Int]) -> Bool {
        (0..<partition.count).allSatisfy { stage in
            let ops = partition.ops(of: stage)
            return ops.allSatisfy { assignment[$0] == assignment[ops.first!] }
        }
    }

    /// The same problem over a given partition (`nil` when it is not one of this graph).
    public func withStages(stageOf: [Int]) -> PlacementProblem? {
        StagePartition(graph: graph, stageOf: stageOf).map { PlacementProblem(self, stages: $0) }
    }

    /// One device per stage, among the stage's `allowedDevices` (a bit mask per stage): the device
    /// that `assignment` gives the largest share of the stage's compute time (lowest id on ties).
    public func stageDevices(of assignment: [Int], allowedDevices: [UInt64]) -> [Int] {
        let devices = cluster.deviceCount
        var share = [Double](repeating: 0, count: devices)
        return (0..<stages.count).map { stage in
            for device in 0..<devices { share[device] = 0 }
            for op in stages.ops(of: stage) {
                share[assignment[op]] += cost.time(op: op, device: assignment[op]) + 1e-9
            }
            var best = -1
            for device in 0..<devices where allowedDevices[stage] & (1 << UInt64(device)) != 0 {
                if best < 0 || share[device] > share[best] { best = device }
            }
            return max(best, 0)
        }
    }

    /// The allowed device on which `op` computes fastest (lowest id on ties).
    public func fastestAllowedDevice(for op: Int) -> Int {
        var best = -1
        for device in 0..<cluster.deviceCount where constraints.allows(op: op, device: device) {
            if best < 0 || cost.time(op: op, device: device) < cost.time(op: op, device: best) {
                best = device
            }
        }
        return best
    }

    /// Turns per-op wishes into a valid assignment: each colocation set goes to the first pin of
    /// its members (`pins[op]` >= 0, in file order) that the whole set allows, else to the first
    /// such wish, else to the device fastest for the set's first member; every member then shares
    /// that device.
    public func repaired(_ wishes: [Int], pins: [Int] = []) -> [Int] {
        var deviceOfSet = [Int](repeating: -1, count: graph.count)
        for op in pins.indices where pins[op] >= 0 {
            claim(op: op, device: pins[op], in: &deviceOfSet)
        }
        for op in 0..<graph.count { claim(op: op, device: wishes[op], in: &deviceOfSet) }
        for op in 0..<graph.count where deviceOfSet[constraints.colocationRoot[op]] < 0 {
            deviceOfSet[constraints.colocationRoot[op]] = fastestAllowedDevice(for: op)
        }
        return (0..<graph.count).map { deviceOfSet[constraints.colocationRoot[$0]] }
    }

    /// One device per stage as an assignment: every op wishes for its stage's device, and
    /// `opPins` take precedence (`repaired(_:pins:)`). What a policy's sample places.
    public func assignment(stageDevices: [Int], opPins: [Int] = []) -> [Int] {
        repaired(stages.stageOf.map { stageDevices[$0] }, pins: opPins)
    }

    private func claim(op: Int, device: Int, in deviceOfSet: inout [Int]) {
        let root = constraints.colocationRoot[op]
        if deviceOfSet[root] < 0, device >= 0, device < cluster.deviceCount,
            constraints.allows(op: op, device: device)
        {
            deviceOfSet[root] = device
        }
    }
}

/// A way of placing a graph on a cluster without search: the baselines Spotlight must beat.
public protocol Placer: Sendable {
    /// The name in tables and in the placement file's `method`.
    var method: String { get }
    /// A valid assignment, or `nil` when the method does not apply (no `expert` hints, say).
    func place(_ problem: PlacementProblem) -> [Int]?
}

extension Simulator {
    /// A simulator of `problem`'s graph on its cluster that shares the problem's cost model instead
    /// of working it out again.
    public init(problem: PlacementProblem) {
        self.init(graph: problem.graph, cluster: problem.cluster, cost: problem.cost)
    }
}
