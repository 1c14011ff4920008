import RealModule
import SpotlightModel

/// One batch's change to the policy, apart from sampling and evaluation: Spotlight's proximal
/// epochs or one REINFORCE step, then the KL and entropy of the moved policy on the batch's states.
public enum PolicyUpdate {
    /// Updates `network`, `adam` and Spotlight's KL weight `beta` on the batch `trace` (sampled
    /// from `network` with `pins`) with per-sample `advantages`, and returns the surrogate measured
    /// after the update (its mean and largest per-stage KL from the sampling policy, and its
    /// entropy). The network's stage logits learn at `stageLogitFactor` times the rate.
    ///
    /// Spotlight's first epoch scores the batch with the very weights that sampled it, so it reuses
    /// the sampling pass; an epoch whose KL check stops the batch has already run the forward pass
    /// the final measurement needs. Neither changes any number.
    public static func apply(
        network: inout PolicyNetwork<Float>, adam: inout Adam<Float>, beta: inout Float,
        trace: PolicyTrace<Float>, inputs: PolicyInputs, pins: [Int], advantages: [Float],
        configuration: OptimizerConfiguration, stageLogitFactor: Float = 1
    ) -> PolicyObjective.Value<Float> {
        let devices = network.deviceCount
        let samples = trace.sampleCount
        var unused = SplitMix64(seed: 0)
        func score() -> PolicyTrace<Float> {
            network.forward(
                inputs, sampleCount: samples, pins: pins, actions: trace.actions,
                anchor: trace.anchor,
                random: &unused)
        }
        func surrogate(_ current: PolicyTrace<Float>) -> PolicyObjective.Value<Float> {
            PolicyObjective.spotlight(
                current, oldProbabilities: trace.probabilities, advantages: advantages,
                beta: beta, entropyWeight: configuration.entropyWeight, deviceCount: devices)
        }
        func divergence(_ value: PolicyObjective.Value<Float>) -> Float {
            configuration.klMeasure == .mean ? value.meanKL : value.maxKL
        }
        var measured: PolicyObjective.Value<Float>?
        var steps = 0
        switch configuration.method {
        case .spotlight:
            for epoch in 0..<max(configuration.epochs, 1) {
                let current = epoch == 0 ? trace : score()
                let value = surrogate(current)
                // The bound holds only while the step stays near the old policy: once the epochs
                // have moved it past the KL target by half again, the rest of this batch's epochs
                // are skipped.
                if epoch > 0
                    && divergence(value) > configuration.earlyStopKL * configuration.targetKL
                {
                    measured = value
                    break
                }
                adam.update(
                    &network.parameters,
                    gradient: network.backward(current, logitGradient: value.logitGradient),
                    tail: network.stageLogitsOffset, tailFactor: stageLogitFactor)
                steps += 1
            }
        case .policyGradient:
            let value = PolicyObjective.reinforce(
                trace, advantages: advantages, entropyWeight: configuration.entropyWeight,
                deviceCount: devices)
            adam.update(
                &network.parameters,
                gradient: network.backward(trace, logitGradient: value.logitGradient),
                tail: network.stageLogitsOffset, tailFactor: stageLogitFactor)
        }
        let result = measured ?? surrogate(score())
        if configuration.method == .spotlight {
            beta = adapted(
                beta, divergence: divergence(result), target: configuration.targetKL, steps: steps)
        }
        return result
    }

    /// Spotlight's next KL weight, after a batch whose `steps` Adam steps moved the policy
    /// `divergence` from the one that sampled it: doubled (up to 1e4) above 1.5 times `target`,
    /// halved (down to 1e-4) below two thirds of it, as in PPO's adaptive penalty (Schulman et al.
    /// 2017).
    ///
    /// Beta is not raised when the batch's first step alone overshot. That step starts at the
    /// sampling policy, where the penalty's gradient is zero, so beta cannot shape it: on the
    /// 2k-op graph, single steps overshot batch after batch, beta doubled to 1e4 while they did,
    /// and the policy then stood still for another fifteen iterations while beta came back down.
    static func adapted(_ beta: Float, divergence: Float, target: Float, steps: Int) -> Float {
        if divergence > 1.5 * target { return steps > 1 ? min(beta * 2, 1e4) : beta }
        if divergence < target / 1.5 { return max(beta / 2, 1e-4) }
        return beta
    }
}
