import SpotlightModel
import SpotlightSimulation

extension Baselines {
    /// Simulated placements each heuristic's polish in the model may take unless told otherwise
    /// (BENCHMARKS.md, "Heuristics polished in the model").
    public static let modelPolishMoves = 20_000

    /// Ops simulated in all by one heuristic's polish at most, so that on a large graph the
    /// polishes do not hold up the first measurement for long (BENCHMARKS.md, "Heuristics
    /// polished in the model").
    public static let modelPolishWork = 100_000_000

    /// The moves a polish takes by default on `problem`: `modelPolishMoves`, fewer on graphs so
    /// large that those moves would simulate more than `modelPolishWork` ops, but at least 1,000.
    public static func defaultPolishMoves(for problem: PlacementProblem) -> Int {
        min(modelPolishMoves, max(1_000, modelPolishWork / max(problem.graph.count, 1)))
    }

    /// Each heuristic placement climbed by the local search in the model, as more heuristics to
    /// measure on hardware: named `<method>+polish`, simulated, in the order of `baselines`.
    ///
    /// On hardware the simulator is free and a measurement is a run, and under measurement noise a
    /// climb on the machine keeps few moves, so a start the model has already climbed is worth
    /// more there than the heuristic it came from, even with the model wrong per op. Each climb
    /// takes at most `moves` simulated placements over the stages refined by its heuristic, with
    /// a fixed seed, so the result is as deterministic as the heuristics. A heuristic out of
    /// memory in the model is not climbed; a climb that keeps no move, or ends on a placement
    /// listed before, is left out. `polished` hears each as it is done (a polish can take
    /// seconds). Time: `moves` simulations per heuristic.
    public static func polished(
        _ baselines: [BaselineResult], in problem: PlacementProblem, moves: Int,
        polished report: (BaselineResult) -> Void = { _ in }
    ) -> [BaselineResult] {
        guard moves > 0 else { return [] }
        var seen = Set(baselines.map { MeasuredPlacements.fingerprint($0.assignment) })
        var polished: [BaselineResult] = []
        var simulator = Simulator(problem: problem)
        for baseline in baselines where !baseline.outOfMemory {
            let refined = problem.refined(by: baseline.assignment)
            let climb = LocalSearch(problem: refined).polish(
                baseline.assignment, stepTime: baseline.result.stepTime,
                evaluator: SimulatorEvaluator(problem: refined), budget: moves,
                method: "model polish")
            guard climb.improvements > 0,
                seen.insert(MeasuredPlacements.fingerprint(climb.assignment)).inserted
            else { continue }
            polished.append(
                BaselineResult(
                    method: baseline.method + "+polish", assignment: climb.assignment,
                    result: simulator.simulate(climb.assignment)))
            report(polished.last!)
        }
        return polished
    }
}
