import SpotlightModel

/// Everything on the one accelerator that runs this graph fastest: what most people do. Ops that
/// may not run there (CPU-only input pipelines) go to their fastest allowed device.
public struct SingleDevicePlacer: Placer {
    public let method = "single_gpu"

    public init() {}

    public func place(_ problem: PlacementProblem) -> [Int]? {
        let device = fastestAccelerator(problem)
        return problem.repaired([Int](repeating: device, count: problem.graph.count))
    }

    /// The accelerator with the least total compute time for the ops it may run.
    func fastestAccelerator(_ problem: PlacementProblem) -> Int {
        var best = problem.accelerators[0]
        var bestTime = Double.infinity
        for device in problem.accelerators {
            var total = 0.0
            for op in 0..<problem.graph.count where problem.constraints.allows(op: op, device: device) {
                total += problem.cost.time(op: op, device: device)
            }
            if total < bestTime {
                bestTime = total
                best = device
            }
        }
        return best
    }
}

/// Stage `s` on accelerator `s mod count`: spreads work with no thought for traffic.
public struct RoundRobinPlacer: Placer {
    public let method = "round_robin"

    public init() {}

    public func place(_ problem: PlacementProblem) -> [Int]? {
        let accelerators = problem.accelerators
        let wishes = (0..<problem.graph.count).map { accelerators[problem.stages.stageOf[$0] % accelerators.count] }
        return problem.repaired(wishes)
    }
}

/// The devices the graph file's `expert` keys name, as a human would place the model. Ops without
/// a usable hint follow the single-device choice.
public struct ExpertPlacer: Placer {
    public let method = "expert"

    public init() {}

    public func place(_ problem: PlacementProblem) -> [Int]? {
        let graph = problem.graph
        guard graph.expert.contains(where: { $0 != nil }) else { return nil }
        let fallback = SingleDevicePlacer().fastestAccelerator(problem)
        let wishes = (0..<graph.count).map { op in
            graph.expert[op].flatMap { problem.cluster.deviceID(named: $0) } ?? fallback
        }
        return problem.repaired(wishes)
    }
}

/// Every colocation set on a uniformly random allowed device; for tests and benchmarks.
public struct RandomPlacer: Placer {
    public let method = "random"
    public var seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    public func place(_ problem: PlacementProblem) -> [Int]? {
        var random = SplitMix64(seed: seed)
        let constraints = problem.constraints
        var deviceOfSet = [Int](repeating: -1, count: problem.graph.count)
        return (0..<problem.graph.count).map { op in
            let root = constraints.colocationRoot[op]
            if deviceOfSet[root] < 0 {
                let allowed = (0..<constraints.deviceCount).filter { constraints.allows(op: root, device: $0) }
                deviceOfSet[root] = allowed[random.nextInt(in: 0...(allowed.count - 1))]
            }
            return deviceOfSet[root]
        }
    }
}
