import SpotlightModel
import SpotlightSearch

/// A synthetic training graph the benchmarks run beside the sample workloads, on one CPU and
/// three K80-class GPUs (`SyntheticCluster`): the same ops and seed always give the same graph.
struct SyntheticWorkload: Sendable {
    /// The name `bench budget` takes on its command line.
    let name: String
    let ops: Int
    let seed: UInt64

    /// The name its table rows carry.
    var title: String { "synthetic \(ops / 1000)k" }

    /// The placement problem, grouped into at most `maximumStages` stages.
    func problem(maximumStages: Int, groupHints: Bool = true) throws -> PlacementProblem {
        try PlacementProblem(
            graph: SyntheticGraph(opCount: ops, seed: seed).graph(),
            cluster: SyntheticCluster.make(deviceCount: 4), maximumStages: maximumStages,
            groupHints: groupHints)
    }

    /// The two the benchmarks run: 2,000 and 10,000 ops.
    static let all = [
        SyntheticWorkload(name: "synthetic-2k", ops: 2000, seed: 3),
        SyntheticWorkload(name: "synthetic-10k", ops: 10000, seed: 4),
    ]
}
