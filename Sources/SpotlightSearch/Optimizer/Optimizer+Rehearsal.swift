import SpotlightSimulation

extension Optimizer {
    /// What a rehearsal in a model found: the fastest placement the policy drew there, with the
    /// model's time for it.
    public struct Rehearsal: Sendable, Equatable {
        public var assignment: [Int]
        public var predicted: Double
    }

    /// Trains the policy on `model` for `samples` placements, about, from where it stands, as if
    /// the model measured them: a model-based step (Dyna) for a search whose measurements are
    /// dear and whose model is free. The update is the search's own (Spotlight's proximal one,
    /// or REINFORCE), from the best placement's predicted time as the incumbent; of the state,
    /// only the policy and its optimizer's moments carry over. Nothing is measured, and the
    /// record of measured placements, the history and the best placement are left as they were.
    /// Returns the fastest placement drawn in the model when it differs from the best.
    /// Time: `samples` simulations and `samples / K` policy updates.
    public mutating func rehearse(in model: SimulatorEvaluator, samples: Int) -> Rehearsal? {
        var rehearsal = self
        rehearsal.configuration.redraws = 0
        rehearsal.configuration.confirmations = 0
        rehearsal.state.measured = MeasuredPlacements()
        rehearsal.state.history = []
        rehearsal.state.pinnedBest = nil
        rehearsal.state.bestAssignment = nil
        rehearsal.state.bestStepTime = nil
        rehearsal.state.worstValidStepTime = 0
        let start = state.bestAssignment
        if let start, let predicted = model.evaluate([start], method: "rehearsal")[0].stepTime {
            rehearsal.state.offerBest(start, stepTime: predicted)
        }
        for _ in 0..<max(1, samples / configuration.samples) {
            rehearsal.iterate(evaluator: model)
        }
        state.network = rehearsal.state.network
        state.adam = rehearsal.state.adam
        state.beta = rehearsal.state.beta
        state.baseline = rehearsal.state.baseline
        state.random = rehearsal.state.random
        state.anchorOffset = rehearsal.state.anchorOffset
        guard let found = rehearsal.state.bestAssignment, found != start,
            let predicted = rehearsal.state.bestStepTime
        else { return nil }
        return Rehearsal(assignment: found, predicted: predicted)
    }
}
