import SpotlightModel

/// Turns one device per stage into one device per op, honouring pins and constraints: a pinned
/// op's colocation set goes to its pinned device; otherwise each set goes to its stage's device if
/// the whole set may run there, else to the device fastest for the set's first op.
public struct PlacementDecoder: Sendable {
    public let problem: PlacementProblem
    private let fallback: [Int]

    public init(problem: PlacementProblem) {
        self.problem = problem
        fallback = (0..<problem.graph.count).map { problem.fastestAllowedDevice(for: $0) }
    }

    /// `stageDevices[stage]`; `opPins[op]` >= 0 pins that op (and its colocation set).
    public func assignment(stageDevices: [Int], opPins: [Int]) -> [Int] {
        let graph = problem.graph, constraints = problem.constraints, stages = problem.stages
        var deviceOfSet = [Int](repeating: -1, count: graph.count)
        for op in 0..<graph.count where opPins.count > op && opPins[op] >= 0 {
            let root = constraints.colocationRoot[op]
            if constraints.allows(op: op, device: opPins[op]) { deviceOfSet[root] = opPins[op] }
        }
        var assignment = [Int](repeating: 0, count: graph.count)
        for op in 0..<graph.count {
            let root = constraints.colocationRoot[op]
            if deviceOfSet[root] < 0 {
                let wish = stageDevices[stages.stageOf[op]]
                deviceOfSet[root] = constraints.allows(op: op, device: wish) ? wish : fallback[op]
            }
            assignment[op] = deviceOfSet[root]
        }
        return assignment
    }
}
