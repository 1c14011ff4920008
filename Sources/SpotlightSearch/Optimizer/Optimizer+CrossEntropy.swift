import SpotlightModel

extension Optimizer {
    /// Post's cross-entropy step after a batch's update
    /// (`OptimizerConfiguration.crossEntropyEvery`): the batch's valid samples join the elites,
    /// and every `crossEntropyEvery` iterations the elites are taught to the policy and
    /// forgotten. Nothing without it, or when anchored. O(K E + k stages) per batch of K with
    /// E elites, k of the batch kept, plus the teaching: `crossEntropySteps` forward and
    /// backward passes over E placements.
    mutating func crossEntropyStep(_ trace: PolicyTrace<Float>, _ evaluations: [Evaluation]) {
        let every = configuration.crossEntropyEvery
        guard every > 0, configuration.anchorMoves == nil, configuration.eliteCount > 0 else {
            return
        }
        let stages = inputs.stageCount
        let limit = configuration.eliteCount
        for (sample, evaluation) in evaluations.enumerated() {
            guard let time = evaluation.stepTime, evaluation.isValid else { continue }
            Self.keepFastest(&state.elites, stepTime: time, limit: limit) {
                (0..<stages).map { trace.action(stage: $0, sample: sample) }
            }
        }
        guard (state.iteration + 1) % every == 0 else { return }
        teachElites()
        state.elites.removeAll()
    }

    /// Adds a placement of `stepTime` to `elites` (fastest first) after every one at least as
    /// fast, and keeps the first `limit`: the `limit` fastest so far, the earlier of two equally
    /// fast first. `stageDevices` is asked for only when the placement is kept. O(E + stages).
    static func keepFastest(
        _ elites: inout [OptimizerState.Elite], stepTime: Double, limit: Int,
        stageDevices: () -> [Int]
    ) {
        let index = elites.firstIndex { $0.stepTime > stepTime } ?? elites.count
        guard index < limit else { return }
        elites.insert(
            OptimizerState.Elite(stepTime: stepTime, stageDevices: stageDevices()), at: index)
        if elites.count > limit { elites.removeLast() }
    }

    /// Adam steps on `-sum_e sum_n log q(elite_e,n | s_n)`, each elite along its own path, with a
    /// fresh Adam: the maximum-likelihood step of the cross-entropy method, which moves the
    /// policy toward the fastest placements it drew (pinned stages take no part).
    mutating func teachElites() {
        let count = state.elites.count
        guard count > 0 else { return }
        let stages = inputs.stageCount
        var actions = [Int](repeating: 0, count: stages * count)
        for (index, elite) in state.elites.enumerated() {
            for stage in 0..<stages { actions[stage * count + index] = elite.stageDevices[stage] }
        }
        teach(
            actions, paths: count, learningRate: configuration.crossEntropyLearningRate,
            steps: configuration.crossEntropySteps)
    }
}
