import SpotlightModel
import SpotlightSimulation

/// One heuristic's placement and what the simulator measured of it.
public struct BaselineResult: Sendable {
    public var method: String
    public var assignment: [Int]
    public var result: SimulationResult
}

/// The heuristics every placement is compared against, run and simulated.
public enum Baselines {
    public static let placers: [any Placer] = [
        SingleDevicePlacer(), RoundRobinPlacer(), ExpertPlacer(), ListSchedulingPlacer(), MetisPlacer(),
    ]

    /// Each applicable baseline, in the order of `placers`.
    public static func run(_ problem: PlacementProblem, placers: [any Placer] = placers) -> [BaselineResult] {
        var simulator = Simulator(graph: problem.graph, cluster: problem.cluster)
        return placers.compactMap { placer in
            guard let assignment = placer.place(problem) else { return nil }
            return BaselineResult(method: placer.method, assignment: assignment, result: simulator.simulate(assignment))
        }
    }
}
