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
            for op in 0..<problem.graph.count
            where problem.constraints.allows(op: op, device: device) {
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
        let wishes = (0..<problem.graph.count).map {
            accelerators[problem.stages.stageOf[$0] % accelerators.count]
        }
        return problem.repaired(wishes)
    }
}

/// The devices the graph file's `expert` keys name, as a human would place the model. Ops without
/// a usable hint follow the single-device choice.
///
/// Hints written for a bigger machine are folded onto a smaller one the way a person would: when a
/// hint names a device the cluster lacks (`gpu:3` on a two-GPU machine), the hinted devices of that
/// kind are taken in index order and spread evenly over the cluster's, so four per-layer GPUs
/// become the first two layers on `gpu:0` and the last two on `gpu:1`.
public struct ExpertPlacer: Placer {
    public let method = "expert"

    public init() {}

    public func place(_ problem: PlacementProblem) -> [Int]? {
        let graph = problem.graph
        guard graph.expert.contains(where: { $0 != nil }) else { return nil }
        let fallback = SingleDevicePlacer().fastestAccelerator(problem)
        let deviceOfHint = Self.devicesForHints(
            Set(graph.expert.compactMap { $0 }), in: problem.cluster)
        let wishes = (0..<graph.count).map { op in
            graph.expert[op].flatMap { deviceOfHint[$0] } ?? fallback
        }
        return problem.repaired(wishes)
    }

    /// The cluster device each hinted name stands for (names with no counterpart are left out).
    static func devicesForHints(_ hints: Set<String>, in cluster: Cluster) -> [String: Int] {
        var result: [String: Int] = [:]
        var hintsByKind: [String: [(index: Int, name: String)]] = [:]
        for hint in hints {
            if let device = cluster.deviceID(named: hint) { result[hint] = device }
            let parts = hint.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let index = Int(parts[1]) {
                hintsByKind[String(parts[0]), default: []].append((index, hint))
            }
        }
        for (kind, hinted) in hintsByKind where hinted.contains(where: { result[$0.name] == nil }) {
            let devices = cluster.devices.indices.filter { cluster.devices[$0].kind == kind }
            guard !devices.isEmpty else { continue }
            let ordered = hinted.sorted { $0.index < $1.index }
            for (rank, hint) in ordered.enumerated() {
                let slot =
                    ordered.count > devices.count ? rank * devices.count / ordered.count : rank
                result[hint.name] = devices[slot]
            }
        }
        return result
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
                let allowed = (0..<constraints.deviceCount).filter {
                    constraints.allows(op: root, device: $0)
                }
                deviceOfSet[root] = allowed[random.nextInt(in: 0...(allowed.count - 1))]
            }
            return deviceOfSet[root]
        }
    }
}
