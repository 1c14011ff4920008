import SpotlightModel

/// One iteration's placements, drawn from the policy.
struct SampledBatch {
    /// The policy's pass over the batch's placements, which the update differentiates.
    var trace: PolicyTrace<Float>
    /// A device per op, per sample.
    var assignments: [[Int]]
    var fingerprints: [UInt64]
    /// Samples that repeat a placement measured before (or one earlier in the batch), since no
    /// redraw found a new one.
    var repeats: Int
}

extension Optimizer {
    /// Draws the iteration's placements: K samples from the policy, each one that repeats a
    /// placement the search has measured (or an earlier sample of the batch) replaced by the next
    /// new placement among up to `configuration.redraws` further batches of K.
    ///
    /// The batch is thus drawn from the policy conditioned on placements not yet measured, our
    /// addition to both papers' methods. A policy that has grown confident spends most of its
    /// samples on the few placements it favours: on the tiny sample, 908 of a 960-sample run's
    /// placements were repeats; on the RNNLM, half of the policy gradient's. A repeat teaches the
    /// search nothing new. The update weighs the new placements exactly as it would samples of
    /// the policy itself. Once the policy puts almost all of its probability on measured
    /// placements, redraws run out and repeats remain; `iterate` answers those from the record
    /// (`MeasuredPlacements`) instead of measuring them again.
    mutating func drawBatch() -> SampledBatch {
        let samples = configuration.samples, stages = inputs.stageCount
        typealias Draw = (stageDevices: [Int], assignment: [Int], fingerprint: UInt64)
        func draws(_ trace: PolicyTrace<Float>) -> [Draw] {
            (0..<samples).map { sample in
                let stageDevices = (0..<stages).map { trace.action(stage: $0, sample: sample) }
                let assignment = problem.assignment(stageDevices: stageDevices, opPins: state.opPins)
                return (stageDevices, assignment, MeasuredPlacements.fingerprint(assignment))
            }
        }
        var trace = state.network.forward(inputs, sampleCount: samples, pins: state.stagePins, random: &state.random)
        var batch = draws(trace)
        var inBatch = Set<UInt64>()
        var open: [Int] = []
        for (index, draw) in batch.enumerated() where state.measured.contains(draw.fingerprint) || !inBatch.insert(draw.fingerprint).inserted {
            open.append(index)
        }
        var replaced = false
        var round = 0
        // With every stage pinned, every draw is the same placement.
        let redraws = state.stagePins.contains(-1) ? configuration.redraws : 0
        while !open.isEmpty && round < redraws {
            round += 1
            let extra = state.network.forward(inputs, sampleCount: samples, pins: state.stagePins, random: &state.random)
            for draw in draws(extra) where !open.isEmpty && !state.measured.contains(draw.fingerprint) && inBatch.insert(draw.fingerprint).inserted {
                batch[open.removeFirst()] = draw
                replaced = true
            }
        }
        if replaced {
            // Score the batch as it now stands: every sample's probabilities along its own path.
            var actions = [Int](repeating: 0, count: stages * samples)
            for (sample, draw) in batch.enumerated() {
                for stage in 0..<stages { actions[stage * samples + sample] = draw.stageDevices[stage] }
            }
            var unused = SplitMix64(seed: 0)
            trace = state.network.forward(inputs, sampleCount: samples, pins: state.stagePins, actions: actions, random: &unused)
        }
        return SampledBatch(trace: trace, assignments: batch.map(\.assignment), fingerprints: batch.map(\.fingerprint), repeats: open.count)
    }
}
