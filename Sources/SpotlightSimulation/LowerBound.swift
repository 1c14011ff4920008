import SpotlightModel

/// A step time no placement can beat (DESIGN.md): the larger of the longest dependency path with
/// every op at its fastest allowed device, and the total fastest work spread evenly over all
/// devices. Transfers are ignored, so the bound is optimistic; the distance of a placement from it
/// is Spotlight's figure of merit.
public enum LowerBound {
    public static func compute(
        cost: CostModel, graph: OperationGraph, constraints: PlacementConstraints
    ) -> Double {
        var fastest = [Double](repeating: 0, count: graph.count)
        var totalWork = 0.0
        for op in 0..<graph.count {
            var best = Double.infinity
            for device in 0..<cost.deviceCount where constraints.allows(op: op, device: device) {
                best = min(best, cost.time(op: op, device: device))
            }
            fastest[op] = best.isFinite ? best : 0
            totalWork += fastest[op]
        }
        var earliestFinish = [Double](repeating: 0, count: graph.count)
        var longestPath = 0.0
        for op in graph.topologicalOrder {
            var start = 0.0
            for producer in graph.inputs(of: op) { start = max(start, earliestFinish[producer]) }
            earliestFinish[op] = start + fastest[op]
            longestPath = max(longestPath, earliestFinish[op])
        }
        return max(longestPath, totalWork / Double(max(cost.deviceCount, 1)))
    }
}
