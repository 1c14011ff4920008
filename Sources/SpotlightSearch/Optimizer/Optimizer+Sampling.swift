import RealModule
import SpotlightModel

/// One sample: its device per stage, the placement that stands for, and its fingerprint.
typealias SampleDraw = (stageDevices: [Int], assignment: [Int], fingerprint: UInt64)

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
    /// The anchor the next batch proposes changes to: the best placement so far, one device per
    /// stage, with `configuration.anchorMoves`; nil when the search samples whole placements, or
    /// before it has a best placement.
    public func currentAnchor() -> PolicyAnchor? {
        guard let moves = configuration.anchorMoves, let best = state.bestAssignment else {
            return nil
        }
        let devices = problem.stageDevices(of: best, allowedDevices: inputs.allowedDevices)
        var anchor = PolicyAnchor(
            devices: devices, moves: moves, allowedDevices: inputs.allowedDevices,
            pins: state.stagePins)
        for stage in anchor.bias.indices where anchor.bias[stage] != 0 {
            anchor.bias[stage] += state.anchorOffset
        }
        return anchor
    }

    /// Up to `count` single-stage moves away from `anchor` that this pass of the sweep has not
    /// tried, drawn without replacement with probability proportional to the anchored policy's
    /// q(device | stage, the anchor's devices before it) (Gumbel top-k): the local search's
    /// neighbourhood, ordered by what the policy has learned. Each is marked tried; once every
    /// move has been, a new pass begins. Moves whose placement was measured, or is in `avoiding`,
    /// are marked tried and skipped. Returns each move as the sample it makes. O(stages x devices)
    /// plus a one-sample forward pass and a placement per move chosen.
    mutating func sweepMoves(anchor: PolicyAnchor, count: Int, avoiding: Set<UInt64>)
        -> [SampleDraw]
    {
        let stages = inputs.stageCount
        let devices = problem.cluster.deviceCount
        if state.sweptMoves.count != stages * devices {
            state.sweptMoves = [Bool](repeating: false, count: stages * devices)
        }
        var unused = SplitMix64(seed: 0)
        let path = state.network.forward(
            inputs, sampleCount: 1, pins: state.stagePins, actions: anchor.devices, anchor: anchor,
            random: &unused)
        var chosen: [SampleDraw] = []
        var taken = Set<Int>()
        for pass in 0..<2 where chosen.count < count {
            var keyed: [(key: Double, move: Int)] = []
            for stage in 0..<stages where state.stagePins[stage] < 0 {
                for device in 0..<devices
                where device != anchor.devices[stage] && !state.sweptMoves[stage * devices + device]
                    && inputs.allowedDevices[stage] & (1 << UInt64(device)) != 0
                {
                    let probability = Double(path.probabilities[stage * devices + device])
                    let gumbel = -Double.log(-Double.log(max(state.random.nextUnit(), 1e-300)))
                    keyed.append(
                        (Double.log(max(probability, 1e-30)) + gumbel, stage * devices + device))
                }
            }
            keyed.sort { $0.key > $1.key }
            for entry in keyed where chosen.count < count && !taken.contains(entry.move) {
                state.sweptMoves[entry.move] = true
                var stageDevices = anchor.devices
                stageDevices[entry.move / devices] = entry.move % devices
                let assignment = placement(stageDevices, anchor: anchor)
                let fingerprint = MeasuredPlacements.fingerprint(assignment)
                if state.measured.contains(fingerprint) || avoiding.contains(fingerprint) {
                    continue
                }
                chosen.append((stageDevices, assignment, fingerprint))
                taken.insert(entry.move)
            }
            // Every move of the pass tried: the next pass begins.
            if chosen.count < count && pass == 0 {
                state.sweptMoves = [Bool](repeating: false, count: stages * devices)
            }
        }
        return chosen
    }

    /// The placement a sample's devices per stage stand for. Unanchored, every op goes to its
    /// stage's device, or, with a `decoder`, the devices are preferences that list scheduling
    /// places (`PreferenceDecoder`). Anchored, the sample is a change to the best placement: only
    /// the stages whose device differs from the anchor's move (each op that may run there), and
    /// every other op stays where the best placement has it, so that a placement finer than one
    /// device per stage (a heuristic's, a polished one) is not blurred. Pins win in both.
    func placement(_ stageDevices: [Int], anchor: PolicyAnchor?) -> [Int] {
        guard let anchor, let best = state.bestAssignment else {
            return problem.placement(
                sampled: stageDevices, stagePins: state.stagePins, opPins: state.opPins,
                decoder: decoder)
        }
        var wishes = best
        for stage in 0..<inputs.stageCount where stageDevices[stage] != anchor.devices[stage] {
            for op in problem.stages.ops(of: stage)
            where problem.constraints.allows(op: op, device: stageDevices[stage]) {
                wishes[op] = stageDevices[stage]
            }
        }
        return problem.repaired(wishes, pins: state.opPins)
    }

    /// Moves `state.anchorOffset` by half the log of the ratio between the stages the batch's
    /// policy expected to differ from `anchor` (the mean over samples of the sum over stages of
    /// 1 - q(anchor's device)) and `moves`.
    mutating func adaptAnchorOffset(
        _ trace: PolicyTrace<Float>, anchor: PolicyAnchor, moves: Double
    ) {
        let devices = problem.cluster.deviceCount
        let samples = trace.sampleCount
        var expected = 0.0
        for stage in 0..<trace.stageCount where anchor.bias[stage] != 0 {
            for sample in 0..<samples {
                expected += Double(
                    1
                        - trace.probabilities[
                            (stage * samples + sample) * devices + anchor.devices[stage]])
            }
        }
        expected /= Double(samples)
        let step = 0.5 * Double.log((expected + 0.05) / (moves + 0.05))
        state.anchorOffset = min(max(state.anchorOffset + Float(min(max(step, -1), 1)), -20), 20)
    }

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
        let samples = configuration.samples
        let anchor = currentAnchor()
        var trace = state.network.forward(
            inputs, sampleCount: samples, pins: state.stagePins, anchor: anchor,
            random: &state.random)
        var batch = draws(trace, anchor: anchor)
        if let anchor, let moves = configuration.anchorMoves {
            adaptAnchorOffset(trace, anchor: anchor, moves: moves)
        }
        var inBatch = Set<UInt64>()
        var open: [Int] = []
        for (index, draw) in batch.enumerated()
        where state.measured.contains(draw.fingerprint)
            || !inBatch.insert(draw.fingerprint).inserted
        {
            open.append(index)
        }
        var replaced = redraw(into: &batch, open: &open, inBatch: &inBatch, anchor: anchor)
        if let anchor, configuration.sweepShare > 0 {
            replaced = sweep(into: &batch, open: &open, anchor: anchor) || replaced
        }
        if replaced {
            // Score the batch as it now stands: every sample's probabilities along its own path.
            trace = rescore(batch, anchor: anchor)
        }
        return SampledBatch(
            trace: trace, assignments: batch.map(\.assignment),
            fingerprints: batch.map(\.fingerprint), repeats: open.count)
    }

    /// Each sample of `trace` as stage devices, the placement they make and its fingerprint.
    private func draws(_ trace: PolicyTrace<Float>, anchor: PolicyAnchor?) -> [SampleDraw] {
        (0..<configuration.samples).map { sample in
            let stageDevices = (0..<inputs.stageCount).map {
                trace.action(stage: $0, sample: sample)
            }
            let assignment = placement(stageDevices, anchor: anchor)
            return (stageDevices, assignment, MeasuredPlacements.fingerprint(assignment))
        }
    }

    /// Fills the `open` slots (repeats) from further batches of the policy, up to the
    /// configured redraws, with placements neither measured nor in the batch. Returns whether
    /// any slot was filled.
    private mutating func redraw(
        into batch: inout [SampleDraw], open: inout [Int], inBatch: inout Set<UInt64>,
        anchor: PolicyAnchor?
    ) -> Bool {
        var replaced = false
        var round = 0
        // With every stage pinned, every draw is the same placement.
        let redraws = state.stagePins.contains(-1) ? configuration.redraws : 0
        while !open.isEmpty && round < redraws {
            round += 1
            let extra = state.network.forward(
                inputs, sampleCount: configuration.samples, pins: state.stagePins, anchor: anchor,
                random: &state.random)
            for draw in draws(extra, anchor: anchor)
            where !open.isEmpty && !state.measured.contains(draw.fingerprint)
                && inBatch.insert(draw.fingerprint).inserted
            {
                batch[open.removeFirst()] = draw
                replaced = true
            }
        }
        return replaced
    }

    /// Anchored: the batch's last `sweepShare` slots become single-stage moves of the anchor.
    /// Returns whether any slot was replaced.
    private mutating func sweep(
        into batch: inout [SampleDraw], open: inout [Int], anchor: PolicyAnchor
    ) -> Bool {
        let samples = configuration.samples
        let sweepCount = min(samples, Int((Double(samples) * configuration.sweepShare).rounded()))
        let moves = sweepMoves(
            anchor: anchor, count: sweepCount,
            avoiding: Set(batch.prefix(samples - sweepCount).map(\.fingerprint)))
        for (offset, move) in moves.enumerated() {
            let index = samples - sweepCount + offset
            if let slot = open.firstIndex(of: index) { open.remove(at: slot) }
            batch[index] = move
        }
        return !moves.isEmpty
    }

    /// The policy's trace along the batch's own stage devices, for the update.
    private func rescore(_ batch: [SampleDraw], anchor: PolicyAnchor?) -> PolicyTrace<Float> {
        let samples = configuration.samples
        var actions = [Int](repeating: 0, count: inputs.stageCount * samples)
        for (sample, draw) in batch.enumerated() {
            for stage in 0..<inputs.stageCount {
                actions[stage * samples + sample] = draw.stageDevices[stage]
            }
        }
        var unused = SplitMix64(seed: 0)
        return state.network.forward(
            inputs, sampleCount: samples, pins: state.stagePins, actions: actions, anchor: anchor,
            random: &unused)
    }
}
