import SpotlightModel
import SpotlightSearch

/// What the explorer knows about the problem that never changes during a session, worked out
/// once: labels, each stage's ops in depth order, the devices each stage may use.
public struct ExplorerModel: Sendable {
    public let problem: PlacementProblem
    /// How the status line names the graph and the cluster (usually their file names).
    public let graphLabel: String
    public let clusterLabel: String
    public let method: OptimizerConfiguration.Method
    /// The method as the status line names it: `local` for the local search alone, else the
    /// learned method's name.
    public let methodLabel: String
    public let samplesPerIteration: Int
    /// The KL target of Spotlight's adaptive penalty (nil for the policy gradient), and which
    /// curve it is for: the largest stage's KL (the chart's max curve) or the mean.
    public let targetKL: Double?
    public let targetKLMeasure: OptimizerConfiguration.KLMeasure
    /// The simulator's lower bound on the step time; nil when placements are measured on hardware
    /// (`--evaluate-command` or `--evaluate-server`), whose times the cluster file's bound does not
    /// bound.
    public let lowerBound: Double?
    /// Devices each stage may use, as bits (the policy's mask).
    public let stageAllowedDevices: [UInt64]
    /// What places the policy's devices per stage as preferences (nil: they are the placement),
    /// as the search started; `ExplorerState.decoder` says what places them now.
    public let decoder: PreferenceDecoder?
    /// Each stage's ops, by topological depth then file order: the inspector's list.
    public let stageOpsByDepth: [[Int]]
    /// A short name for each stage: its group hint, or the name scope its ops share.
    public let stageLabels: [String]
    /// The greatest topological depth of any op.
    public let maximumDepth: Int
    let lowercasedOpNames: [String]

    /// Labels made distinct: a label that several stages share gets ` #k` on its k-th stage
    /// (`encoder_0 #3`), so that rows of the graph tell their stages apart.
    static func distinct(_ labels: [String]) -> [String] {
        var total: [String: Int] = [:]
        for label in labels { total[label, default: 0] += 1 }
        var seen: [String: Int] = [:]
        return labels.map { label in
            guard total[label]! > 1 else { return label }
            seen[label, default: 0] += 1
            return "\(label) #\(seen[label]!)"
        }
    }

    /// A file name without the suffixes every such file has (`nmt.graph.json.gz` is `nmt`), so
    /// that the status line keeps room for what changes.
    static func shortLabel(_ fileName: String) -> String {
        var label = fileName
        for suffix in [".gz", ".json", ".graph", ".cluster"]
        where label.hasSuffix(suffix) && label.count > suffix.count {
            label.removeLast(suffix.count)
        }
        return label
    }

    /// `measured`: the search's step times come from hardware, not the simulator. `methodLabel`:
    /// the method's name when it is not the learned one's (`local`).
    public init(
        optimizer: Optimizer, graphLabel: String, clusterLabel: String, measured: Bool = false,
        methodLabel: String? = nil
    ) {
        let problem = optimizer.problem
        let graph = problem.graph
        self.problem = problem
        self.graphLabel = Self.shortLabel(graphLabel)
        self.clusterLabel = Self.shortLabel(clusterLabel)
        method = optimizer.configuration.method
        self.methodLabel = methodLabel ?? method.rawValue
        samplesPerIteration = optimizer.configuration.samples
        targetKL = method == .spotlight ? Double(optimizer.configuration.targetKL) : nil
        targetKLMeasure = optimizer.configuration.klMeasure
        lowerBound = measured ? nil : optimizer.lowerBound
        stageAllowedDevices = optimizer.inputs.allowedDevices
        decoder = optimizer.decoder
        stageOpsByDepth = (0..<problem.stages.count).map { stage in
            problem.stages.ops(of: stage).sorted { (graph.depth[$0], $0) < (graph.depth[$1], $1) }
        }
        stageLabels = Self.distinct(stageOpsByDepth.map { Self.label(ops: $0, graph: graph) })
        maximumDepth = graph.depth.max() ?? 0
        lowercasedOpNames = graph.opNames.map { $0.lowercased() }
    }

    public var graph: OperationGraph { problem.graph }
    public var cluster: Cluster { problem.cluster }
    public var stageCount: Int { problem.stages.count }
    public var deviceCount: Int { problem.cluster.deviceCount }

    /// "1 gpu:0": how the explorer names device `index` (the number is its pin key).
    public func deviceLabel(_ index: Int) -> String {
        "\(index + 1) \(cluster.devices[index].name)"
    }

    /// Whether stage `stage` may be pinned to `device`.
    public func stage(_ stage: Int, allows device: Int) -> Bool {
        stageAllowedDevices[stage] & (1 << UInt64(device)) != 0
    }

    /// Ops whose name contains `query` (case-insensitive), in file order.
    public func ops(matching query: String) -> [Int] {
        let needle = query.lowercased()
        guard !needle.isEmpty else { return [] }
        return lowercasedOpNames.indices.filter { lowercasedOpNames[$0].contains(needle) }
    }

    static func label(ops: [Int], graph: OperationGraph) -> String {
        var groups: [Int] = []
        for op in ops where graph.groupOf[op] >= 0 && !groups.contains(graph.groupOf[op]) {
            groups.append(graph.groupOf[op])
            if groups.count > 1 { break }
        }
        if let first = groups.first {
            let name = graph.groupNames[first]
            return groups.count == 1 ? name : name + " +"
        }
        // No group hints: the longest name scope ("a/b/") the ops share, else the first op's name.
        guard let first = ops.first else { return "" }
        var prefix = Substring(graph.opNames[first])
        for op in ops.dropFirst() {
            let name = graph.opNames[op]
            while !prefix.isEmpty && !name.hasPrefix(prefix) { prefix = prefix.dropLast() }
        }
        if let slash = prefix.lastIndex(of: "/") { return String(prefix[..<slash]) }
        return ops.count == 1
            ? graph.opNames[first]
            : (prefix.isEmpty ? graph.opNames[first] + " +" : String(prefix) + "…")
    }
}
