import CMetis
import SpotlightModel
import Synchronization

/// METIS keeps its random generator in global state, so two partitions running at once corrupt
/// each other's and give different answers for the same graph: one at a time.
private let metisCalls = Mutex(())

/// A k-way partition of the graph over the accelerators with METIS (Karypis, Kumar, "A fast and
/// high quality multilevel scheme for partitioning irregular graphs", SIAM J. Sci. Comput. 1998):
/// balance compute time, minimise the bytes cut.
///
/// Colocation sets are contracted into one vertex, weighted by its compute time on the fastest
/// accelerator; edges are weighted by the bytes they carry, both ways summed. Ops that may run on
/// no accelerator go to their fastest allowed device. The seed is fixed, so the answer is
/// deterministic.
public struct MetisPlacer: Placer {
    public let method = "metis"
    /// Allowed load imbalance over the mean part, in thousandths of it (METIS's `ufactor`).
    public var imbalance: Int32

    public init(imbalance: Int32 = 30) { self.imbalance = imbalance }

    public func place(_ problem: PlacementProblem) -> [Int]? {
        let contracted = Contracted(problem)
        guard problem.accelerators.count > 1,
            contracted.vertexCount > problem.accelerators.count
        else {
            return RoundRobinPlacer().place(problem)
        }
        guard let part = partition(contracted, parts: problem.accelerators.count) else {
            return nil
        }
        let wishes = (0..<problem.graph.count).map { op -> Int in
            let vertex = contracted.vertexOfSet[problem.constraints.colocationRoot[op]]
            return vertex >= 0 ? problem.accelerators[Int(part[vertex])] : -1
        }
        return problem.repaired(wishes)
    }

    /// The graph METIS partitions: a vertex per colocation set that may use an accelerator,
    /// weighted by its compute time on the fastest one, and an undirected, deduplicated
    /// adjacency in compressed rows weighted by the bytes between the sets, both ways summed.
    struct Contracted {
        var vertexOfSet: [Int]
        var vertexCount = 0
        var weight: [Double] = []
        var xadj: [idx_t] = [0]
        var adjacency: [idx_t] = []
        var bytes: [Double] = []

        init(_ problem: PlacementProblem) {
            let graph = problem.graph
            let constraints = problem.constraints
            var acceleratorMask: UInt64 = 0
            for device in problem.accelerators { acceleratorMask |= 1 << UInt64(device) }
            vertexOfSet = [Int](repeating: -1, count: graph.count)
            for op in 0..<graph.count {
                let root = constraints.colocationRoot[op]
                guard constraints.allowedDevices[op] & acceleratorMask != 0 else { continue }
                if vertexOfSet[root] < 0 {
                    vertexOfSet[root] = vertexCount
                    vertexCount += 1
                    weight.append(0)
                }
                let fastest =
                    problem.accelerators.map { problem.cost.time(op: op, device: $0) }.min() ?? 0
                weight[vertexOfSet[root]] += fastest
            }
            buildAdjacency(problem)
        }

        private mutating func buildAdjacency(_ problem: PlacementProblem) {
            let graph = problem.graph
            let root = problem.constraints.colocationRoot
            var neighbours = [[(vertex: Int, bytes: Double)]](repeating: [], count: vertexCount)
            for consumer in 0..<graph.count {
                let v = vertexOfSet[root[consumer]]
                guard v >= 0 else { continue }
                for edge in graph.inputStart[consumer]..<graph.inputStart[consumer + 1] {
                    let u = vertexOfSet[root[graph.inputOp[edge]]]
                    guard u >= 0, u != v else { continue }
                    neighbours[u].append((v, graph.inputBytes[edge]))
                    neighbours[v].append((u, graph.inputBytes[edge]))
                }
            }
            for vertex in 0..<vertexCount {
                let sorted = neighbours[vertex].sorted { $0.vertex < $1.vertex }
                var index = 0
                while index < sorted.count {
                    var total = 0.0
                    let other = sorted[index].vertex
                    while index < sorted.count && sorted[index].vertex == other {
                        total += sorted[index].bytes
                        index += 1
                    }
                    adjacency.append(idx_t(other))
                    bytes.append(total)
                }
                xadj.append(idx_t(adjacency.count))
            }
        }
    }

    /// METIS's k-way partition of `graph` into `parts`, with integer weights scaled within its
    /// 32-bit sums and a fixed seed; nil when METIS fails.
    private func partition(_ graph: Contracted, parts count: Int) -> [idx_t]? {
        let weightScale = 1e8 / max(graph.weight.reduce(0, +), 1e-9)
        var vertexWeights = graph.weight.map {
            idx_t(max(1, min(1e8, ($0 * weightScale).rounded())))
        }
        let byteScale = 1e8 / max(graph.bytes.reduce(0, +), 1)
        var edgeWeights = graph.bytes.map { idx_t(max(1, min(1e8, ($0 * byteScale).rounded()))) }
        var xadj = graph.xadj
        var adjacency = graph.adjacency
        var vertices = idx_t(graph.vertexCount)
        var constraintsCount: idx_t = 1
        var parts = idx_t(count)
        var options = [idx_t](repeating: 0, count: Int(METIS_NOPTIONS))
        METIS_SetDefaultOptions(&options)
        options[Int(METIS_OPTION_SEED.rawValue)] = 1
        options[Int(METIS_OPTION_NUMBERING.rawValue)] = 0
        options[Int(METIS_OPTION_UFACTOR.rawValue)] = imbalance
        var cut: idx_t = 0
        var part = [idx_t](repeating: 0, count: graph.vertexCount)
        let status = metisCalls.withLock { _ in
            METIS_PartGraphKway(
                &vertices, &constraintsCount, &xadj, &adjacency, &vertexWeights, nil,
                &edgeWeights, &parts, nil, nil, &options, &cut, &part)
        }
        return status == Int32(METIS_OK.rawValue) ? part : nil
    }
}
