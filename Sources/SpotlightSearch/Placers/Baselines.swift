import SpotlightModel
import SpotlightSimulation

/// One heuristic's placement, what the simulator predicted of it, and the step time the search
/// compares against: the simulator's, or the hardware's once `Baselines.measure(_:with:measured:)`
/// has run.
public struct BaselineResult: Sendable {
    public var method: String
    public var assignment: [Int]
    public var result: SimulationResult
    /// In microseconds: the simulated step time, or the measured one.
    public var stepTime: Double
    public var outOfMemory: Bool

    public init(method: String, assignment: [Int], result: SimulationResult) {
        self.method = method
        self.assignment = assignment
        self.result = result
        stepTime = result.stepTime
        outOfMemory = result.outOfMemory
    }
}

/// The heuristics every placement is compared against, run and simulated.
public enum Baselines {
    public static let placers: [any Placer] = [
        SingleDevicePlacer(), RoundRobinPlacer(), ExpertPlacer(), ListSchedulingPlacer(),
        MetisPlacer(),
    ]

    /// Each applicable baseline, in the order of `placers`.
    public static func run(_ problem: PlacementProblem, placers: [any Placer] = placers)
        -> [BaselineResult]
    {
        var simulator = Simulator(problem: problem)
        return placers.compactMap { placer in
            guard let assignment = placer.place(problem) else { return nil }
            return BaselineResult(
                method: placer.method, assignment: assignment,
                result: simulator.simulate(assignment))
        }
    }

    /// The baselines as `evaluator` measures them, so that a search measured on hardware starts
    /// from, and is compared with, the heuristic that is fastest there. A baseline whose
    /// measurement failed is left out, with its method and the reason in `failures`. They are
    /// measured one at a time, each reported to `measured` as it is done (a measurement can take
    /// minutes): the baseline, and its evaluation.
    public static func measure(
        _ baselines: [BaselineResult], with evaluator: any Evaluator,
        measured report: (BaselineResult, Evaluation) -> Void = { _, _ in }
    )
        -> (baselines: [BaselineResult], failures: [(method: String, reason: String)])
    {
        var measured: [BaselineResult] = []
        var failures: [(method: String, reason: String)] = []
        for baseline in baselines {
            let evaluation = evaluator.evaluate([baseline.assignment], method: baseline.method)[0]
            report(baseline, evaluation)
            guard let stepTime = evaluation.stepTime else {
                failures.append((baseline.method, evaluation.failure ?? "not measured"))
                continue
            }
            var copy = baseline
            copy.stepTime = stepTime
            copy.outOfMemory = evaluation.outOfMemory
            measured.append(copy)
        }
        return (measured, failures)
    }
}
