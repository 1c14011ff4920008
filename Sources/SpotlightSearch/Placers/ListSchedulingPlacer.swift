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
        schedule(problem, order: order(problem), sets: SetTotals(problem), preferences: nil)
    }

    /// The ops in the order they are placed: decreasing upward rank, ties in topological order.
    func order(_ problem: PlacementProblem) -> [Int] {
        let graph = problem.graph
        let rank = upwardRanks(problem)
        var position = [Int](repeating: 0, count: graph.count)
        for (index, op) in graph.topologicalOrder.enumerated() { position[op] = index }
        return (0..<graph.count).sorted {
            rank[$0] != rank[$1] ? rank[$0] > rank[$1] : position[$0] < position[$1]
        }
    }

    /// Places the ops one by one in `order`, each where it finishes earliest (with
    /// `preferences`, where its lowered finish time is earliest). O(ops x devices x degree).
    func schedule(
        _ problem: PlacementProblem, order: [Int], sets: SetTotals, preferences: Preferences?
    ) -> [Int] {
        var sets = sets
        var plan = Plan(graph: problem.graph, cluster: problem.cluster)
        for op in order {
            let root = problem.constraints.colocationRoot[op]
            let best = bestDevice(
                for: op, problem: problem, sets: sets, plan: &plan, preferences: preferences)
            if sets.device[root] < 0 {
                sets.device[root] = best
                plan.persistent[best] += sets.persistent[root]
            }
            _ = plan.earliestFinish(
                of: op, on: best, duration: problem.cost.time(op: op, device: best), commit: true)
        }
        return plan.assignment
    }

    /// Devices the schedule favours or requires, per op (-1: none). A preferred device's finish
    /// time is lowered by `strength` times the op's work there (its set's, for the first op of a
    /// set); an op with a required device may use no other while that device allows it.
    struct Preferences {
        var preferred: [Int]
        var required: [Int]
        var strength: Double
    }

    /// Per colocation set (by its root op): its persistent bytes, its compute time on each
    /// device, and the device its first op chose (-1 until then).
    struct SetTotals {
        var persistent: [Double]
        var time: [Double]
        var device: [Int]

        init(_ problem: PlacementProblem) {
            let graph = problem.graph
            let devices = problem.cluster.deviceCount
            persistent = [Double](repeating: 0, count: graph.count)
            time = [Double](repeating: 0, count: graph.count * devices)
            device = [Int](repeating: -1, count: graph.count)
            for op in 0..<graph.count {
                let root = problem.constraints.colocationRoot[op]
                persistent[root] += graph.persistentBytes[op]
                for device in 0..<devices {
                    time[root * devices + device] += problem.cost.time(op: op, device: device)
                }
            }
        }
    }

    /// The device where `op` finishes first among those it may use (its set's, once chosen),
    /// preferring devices whose memory budget still holds the set's persistent bytes; the first
    /// op of a set counts the set's other work, and ties go where its consumers run fastest.
    /// `preferences` lower a preferred device's finish and confine an op to a required one.
    private func bestDevice(
        for op: Int, problem: PlacementProblem, sets: SetTotals, plan: inout Plan,
        preferences: Preferences?
    ) -> Int {
        let devices = problem.cluster.deviceCount
        let root = problem.constraints.colocationRoot[op]
        var best = -1
        var bestScore = Double.infinity
        var bestTieBreak = Double.infinity
        var bestFits = false
        let required = preferences.map { $0.required[op] } ?? -1
        let requires = required >= 0 && problem.constraints.allows(op: op, device: required)
        for device in 0..<devices where problem.constraints.allows(op: op, device: device) {
            if sets.device[root] >= 0 && sets.device[root] != device { continue }
            if requires && sets.device[root] < 0 && device != required { continue }
            let first = sets.device[root] < 0
            let fits =
                !first
                || plan.persistent[device] + sets.persistent[root] <= memoryBudget
                    * problem.cluster.memoryCapacityBytes[device]
            let duration = problem.cost.time(op: op, device: device)
            var score = plan.earliestFinish(of: op, on: device, duration: duration, commit: false)
            // The first op of a colocation set chooses for the whole set: count the others' work.
            if first { score += sets.time[root * devices + device] - duration }
            if let preferences, preferences.preferred[op] == device {
                score -=
                    preferences.strength
                    * (first ? sets.time[root * devices + device] : duration)
            }
            // Ties (free ops such as variables) go where the op's consumers run fastest.
            var tieBreak = 0.0
            for consumer in problem.graph.consumers(of: op) {
                tieBreak += problem.cost.time(op: consumer, device: device)
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
        return best
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
        /// Scratch: each source device's channel into the candidate, as this op's inputs use it.
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

        /// When `op` would finish on `device`; with `commit`, books the op, transfers and device.
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
