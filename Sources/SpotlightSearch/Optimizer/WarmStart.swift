import SpotlightModel

/// Where a search begins: from a uniform policy, as in the papers, or from the fastest heuristic
/// placement, with the stages split so that the placement is expressible and the policy taught to
/// favour it (`Optimizer.init(problem:configuration:warmStart:)`).
///
/// Starting from the best heuristic is our addition to the method of Gao, Chen and Li (2018): a
/// policy that starts uniform over the devices spends its first hundreds of samples finding what
/// list scheduling finds in a second, and with layer-sized stages it cannot express an op-level
/// schedule at all.
public enum WarmStart: String, Sendable, CaseIterable {
    /// A freshly initialised policy over the problem's own stages.
    case none
    /// The fastest valid baseline's placement.
    case best

    /// The problem the search runs on and the placement it starts from (`nil`: none, or no
    /// baseline gave a valid placement).
    public func prepare(_ problem: PlacementProblem, baselines: [BaselineResult]) -> (
        problem: PlacementProblem, start: BaselineResult?
    ) {
        guard self == .best, let start = Self.fastest(baselines) else { return (problem, nil) }
        return (problem.refined(by: start.assignment), start)
    }

    /// The fastest baseline that fits in memory (the first of equals).
    public static func fastest(_ baselines: [BaselineResult]) -> BaselineResult? {
        baselines.filter { !$0.outOfMemory }.min { $0.stepTime < $1.stepTime }
    }
}
