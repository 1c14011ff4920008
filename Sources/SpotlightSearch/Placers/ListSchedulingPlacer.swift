import SpotlightModel

/// Earliest-finish-time list scheduling in the HEFT family (Topcuoglu, Hariri, Wu, "Performance-
/// effective and low-complexity task scheduling for heterogeneous computing", IEEE TPDS 2002), as
/// used for device placement by m-ETF (Wu et al.; Baechi, SoCC 2020).
///
/// Ops are taken in decreasing upward rank (average compute time plus the longest average-cost
/// path to the end of the graph); each goes to the allowed device where it would finish earliest,
/// given when its inputs arrive there and when that device is free (appending, not inserting into
/// gaps). Arrivals follow the simulator's link model: a tensor crosses to a device once, and each
/// direction of a link carries one transfer at a time, so the plan sees link contention that
/// classic HEFT ignores. A device is skipped while its persistent bytes would pass `memoryBudget`
/// of its capacity, the rest being left for activations. Colocated ops follow the first of their
/// set to be placed, which counts the whole set's work when it chooses; ties between devices (ops
/// that cost nothing anywhere, such as variables) go where the op's consumers run fastest.
public struct ListSchedulingPlacer: Placer {
    public let method = "heft"
    /// The share of each device's memory that persistent bytes may fill.
    public var memoryBudget: Double

    public init(memoryBudget: Double = 0.8) { self.memoryBudget = memoryBudget }

    public func place(_ problem: PlacementProblem) -> [Int]? {
        let graph = problem.graph
        let cluster = problem.cluster
        let cost = problem.cost
        let constraints = problem.constraints
        let devices = cluster.deviceCount
        let rank = upwardRanks(problem)
        var position = [Int](repeating: 0, count: graph.count)
        for (index, op) in graph.topologicalOrder.enumerated() { position[op] = index }
        let order = (0..<graph.count).sorted {
            rank[$0] != rank[$1] ? rank[$0] > rank[$1] : position[$0] < position[$1]
        }

        var persistentOfSet = [Double](repeating: 0, count: graph.count)
        var timeOfSet = [Double](repeating: 0, count: graph.count * devices)
        for op in 0..<graph.count {
            let root = constraints.colocationRoot[op]
            persistentOfSet[root] += graph.persistentBytes[op]
            for device in 0..<devices {
                timeOfSet[root * devices + device] += cost.time(op: op, device: device)
            }
        }
        var deviceOfSet = [Int](repeating: -1, count: graph.count)
        var plan = Plan(graph: graph, cluster: cluster)

        for op in order {
            let root = constraints.colocationRoot[op]
            var best = -1
            var bestScore = Double.infinity
            var bestTieBreak = Double.infinity
            var bestFits = false
            for device in 0..<devices where constraints.allows(op: op, device: device) {
                if deviceOfSet[root] >= 0 && deviceOfSet[root] != device { continue }
                let first = deviceOfSet[root] < 0
                let fits =
                    !first
                    || plan.persistent[device] + persistentOfSet[root] <= memoryBudget
                        * cluster.memoryCapacityBytes[device]
                let duration = cost.time(op: op, device: device)
                var score = plan.earliestFinish(
                    of: op, on: device, duration: duration, commit: false)
                // The first op of a colocation set chooses for the whole set: count the others' work.
                if first { score += timeOfSet[root * devices + device] - duration }
                // Ties (free ops such as variables) go where the op's consumers run fastest.
                var tieBreak = 0.0
                for consumer in graph.consumers(of: op) {
                    tieBreak += cost.time(op: consumer, device: device)
                }
                let better =
                    fits != bestFits
                    ? fits
                    : score != bestScore
                        ? score < bestScore
                        : tieBreak < bestTieBreak
                if better {
                    best = device
                    bestScore = score
                    bestTieBreak = tieBreak
                    bestFits = fits
                }
            }
            if deviceOfSet[root] < 0 {
                deviceOfSet[root] = best
                plan.persistent[best] += persistentOfSet[root]
            }
            _ = plan.earliestFinish(
                of: op, on: best, duration: cost.time(op: op, device: best), commit: true)
        }
        return plan.assignment
    }

    /// The schedule being built: where and when each op runs, when each device and each channel
    /// is next free, and when each tensor reaches each device.
    private struct Plan {
        let graph: OperationGraph
        let cluster: Cluster
        let devices: Int
        var assignment: [Int]
        var finish: [Double]
        var deviceFree: [Double]
        var channelFree: [Double]
        var persistent: [Double]
        /// `arrival[producer * devices + device]`, or -1 before the tensor is sent there.
        var arrival: [Double]
        /// Scratch: each source device's channel into the candidate device, as this op's inputs use it.
        var pendingChannelFree: [Double]

        init(graph: OperationGraph, cluster: Cluster) {
            self.graph = graph
            self.cluster = cluster
            devices = cluster.deviceCount
            assignment = [Int](repeating: -1, count: graph.count)
            finish = [Double](repeating: 0, count: graph.count)
            deviceFree = [Double](repeating: 0, count: devices)
            channelFree = [Double](repeating: 0, count: devices * devices)
            persistent = [Double](repeating: 0, count: devices)
            arrival = [Double](repeating: -1, count: graph.count * devices)
            pendingChannelFree = [Double](repeating: 0, count: devices)
        }

        /// When `op` would finish on `device`; with `commit`, books the op, its transfers and the device.
        mutating func earliestFinish(of op: Int, on device: Int, duration: Double, commit: Bool)
            -> Double
        {
            for source in 0..<devices {
                pendingChannelFree[source] = channelFree[source * devices + device]
            }
            var ready = 0.0
            for edge in graph.inputStart[op]..<graph.inputStart[op + 1] {
                let producer = graph.inputOp[edge]
                let source = assignment[producer]
                var available = finish[producer]
                if source != device {
                    let known = arrival[producer * devices + device]
                    if known >= 0 {
                        available = known
                    } else {
                        let start = max(finish[producer], pendingChannelFree[source])
                        available =
                            start
                            + cluster.transferTime(
                                bytes: graph.inputBytes[edge], from: source, to: device)
                        pendingChannelFree[source] = available
                        if commit { arrival[producer * devices + device] = available }
                    }
                }
                ready = max(ready, available)
            }
            let end = max(ready, deviceFree[device]) + duration
            if commit {
                for source in 0..<devices {
                    channelFree[source * devices + device] = pendingChannelFree[source]
                }
                assignment[op] = device
                finish[op] = end
                deviceFree[device] = end
            }
            return end
        }
    }

    /// Upward rank: an op's average compute time over its allowed devices, plus the most expensive
    /// (average transfer + rank) among its consumers.
    func upwardRanks(_ problem: PlacementProblem) -> [Double] {
        let graph = problem.graph
        let cluster = problem.cluster
        let devices = cluster.deviceCount
        var bandwidth = 0.0
        var latency = 0.0
        if devices > 1 {
            for from in 0..<devices {
                for to in 0..<devices where from != to {
                    bandwidth += 1 / cluster.channelBytesPerMicrosecond[from * devices + to]
                    latency += cluster.channelLatencyMicroseconds[from * devices + to]
                }
            }
            let pairs = Double(devices * (devices - 1))
            bandwidth /= pairs
            latency /= pairs
        }
        var rank = [Double](repeating: 0, count: graph.count)
        for op in graph.topologicalOrder.reversed() {
            var total = 0.0
            var count = 0.0
            for device in 0..<devices where problem.constraints.allows(op: op, device: device) {
                total += problem.cost.time(op: op, device: device)
                count += 1
            }
            var tail = 0.0
            for edge in graph.outputStart[op]..<graph.outputStart[op + 1] {
                let communication =
                    devices > 1 ? latency + graph.outputEdgeBytes[edge] * bandwidth : 0
                tail = max(tail, communication + rank[graph.outputOp[edge]])
            }
            rank[op] = (count > 0 ? total / count : 0) + tail
        }
        return rank
    }
}
