import SpotlightModel

/// Places a sample of one device per stage as preferences rather than as the placement itself:
/// HEFT's list scheduling (`ListSchedulingPlacer`) puts each op where it would finish earliest,
/// with the finish time on its stage's preferred device lowered by `strength` times the op's work
/// there (the whole colocation set's, for a set's first op). A weak preference gives way to a
/// much earlier finish elsewhere; a strong one rarely does, and the stronger they are, the nearer
/// a sample is to the placement it names, as in both papers (an op that costs nothing still goes
/// where it finishes first). So a uniform policy already draws placements near HEFT's, and
/// what the policy learns is where to overrule it, as a learned proposal distribution biases a
/// heuristic's decoder in REGAL (Paliwal et al., ICLR 2020).
///
/// Pinned stages and ops keep their device. The order and per-set totals are worked out once;
/// each placement is O(ops x devices x degree), about one simulated step's work.
public struct PreferenceDecoder: Sendable {
    /// The share of an op's work a preference is worth
    /// (`OptimizerConfiguration.preferenceStrength`).
    public let strength: Double
    private let placer = ListSchedulingPlacer()
    private let order: [Int]
    private let sets: ListSchedulingPlacer.SetTotals

    public init(problem: PlacementProblem, strength: Double) {
        self.strength = strength
        order = placer.order(problem)
        sets = ListSchedulingPlacer.SetTotals(problem)
    }

    /// The placement `stageDevices` stand for on `problem` (the one this decoder was made for):
    /// a stage pinned in `stagePins` (>= 0) requires its device for its ops, and `opPins` win
    /// over both (`PlacementProblem.repaired(_:pins:)`). A stage past the end of `stageDevices`
    /// prefers nothing.
    public func placement(
        stageDevices: [Int], stagePins: [Int], opPins: [Int], in problem: PlacementProblem
    ) -> [Int] {
        let stageOf = problem.stages.stageOf
        var required = [Int](repeating: -1, count: stageOf.count)
        for op in stageOf.indices {
            let stage = stageOf[op]
            let pin = op < opPins.count ? opPins[op] : -1
            required[op] = pin >= 0 ? pin : stage < stagePins.count ? stagePins[stage] : -1
        }
        let preferred = stageOf.map { $0 < stageDevices.count ? stageDevices[$0] : -1 }
        let preferences = ListSchedulingPlacer.Preferences(
            preferred: preferred, required: required, strength: strength)
        let scheduled = placer.schedule(
            problem, order: order, sets: sets, preferences: preferences)
        return problem.repaired(scheduled, pins: required)
    }
}

extension PlacementProblem {
    /// The placement a whole sample of one device per stage makes: with `decoder`, its devices
    /// are preferences that list scheduling places (`PreferenceDecoder`); without, each stage's
    /// ops go to its device (`assignment(stageDevices:opPins:)`). Pins win either way.
    public func placement(
        sampled stageDevices: [Int], stagePins: [Int], opPins: [Int], decoder: PreferenceDecoder?
    ) -> [Int] {
        guard let decoder else { return assignment(stageDevices: stageDevices, opPins: opPins) }
        return decoder.placement(
            stageDevices: stageDevices, stagePins: stagePins, opPins: opPins, in: self)
    }
}
