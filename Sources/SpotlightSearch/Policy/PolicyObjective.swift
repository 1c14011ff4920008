import RealModule

/// The losses the optimizers minimise, with their gradients at the output logits (which
/// `PolicyNetwork.backward` carries to the parameters).
public enum PolicyObjective {
    public struct Value<Scalar: Real & BinaryFloatingPoint & SIMDScalar & Sendable>: Sendable {
        public var loss: Scalar
        /// `[(stage * K + sample) * devices + device]`.
        public var logitGradient: [Scalar]
        /// Mean over samples and free stages of KL(old || new), and the largest per-stage mean
        /// (the paper's D_KL^max), when the objective measures them.
        public var meanKL: Scalar = 0
        public var maxKL: Scalar = 0
        /// Mean per-stage entropy of q over free stages.
        public var entropy: Scalar = 0
    }

    /// Spotlight's surrogate (Gao, Chen, Li 2018, section 4): minimise
    /// `-(1/K) sum_k sum_n ratio_nk A_k + beta (1/K) sum_k sum_n KL(p_old_nk || p_nk)`, where
    /// `ratio_nk = p_nk(a_nk) / p_old_nk(a_nk)`. The KL term is the penalty standing for
    /// `2 eps2 n D_KL^max` of Theorem 1. With `entropyWeight` w, `- w (1/K) sum_k sum_n H(p_nk)` is
    /// added, the entropy bonus the policy gradient has too: several epochs on one batch otherwise
    /// drive a small search's policy to a single placement within a few iterations.
    ///
    /// The whole objective is divided by `1 + beta`. That moves no minimum, but keeps the
    /// gradient's size from following beta: after beta had swung up to 128 and back, Adam's second
    /// moments (which forget over about a thousand steps) stayed a hundred times too large, and the
    /// policy stood still for the rest of the run.
    @_specialize(where Scalar == Float)
    public static func spotlight<Scalar>(
        _ trace: PolicyTrace<Scalar>, oldProbabilities: [Scalar], advantages: [Scalar],
        beta: Scalar,
        entropyWeight: Scalar = 0, deviceCount devices: Int
    ) -> Value<Scalar> {
        let stages = trace.stageCount
        let samples = trace.sampleCount
        var gradient = [Scalar](repeating: 0, count: stages * samples * devices)
        var loss: Scalar = 0
        var klSum: Scalar = 0
        var klMax: Scalar = 0
        var entropySum: Scalar = 0
        var freeStages = 0
        let scale = 1 / (Scalar(samples) * (1 + beta))
        for stage in 0..<stages where !trace.pinned[stage] {
            freeStages += 1
            var stageKL: Scalar = 0
            for sample in 0..<samples {
                let row = stage * samples + sample
                let p = row * devices
                let action = trace.actions[row]
                let ratio = trace.probabilities[p + action] / oldProbabilities[p + action]
                let advantage = advantages[sample]
                loss -= scale * ratio * advantage
                var kl: Scalar = 0
                for device in 0..<devices {
                    let new = trace.probabilities[p + device]
                    let old = oldProbabilities[p + device]
                    if old > 0 && new > 0 { kl += old * Scalar.log(old / new) }
                }
                let entropy = Self.entropy(trace.probabilities, row: p, devices: devices)
                for device in 0..<devices {
                    let new = trace.probabilities[p + device]
                    let old = oldProbabilities[p + device]
                    let indicator: Scalar = device == action ? 1 : 0
                    gradient[p + device] =
                        -scale * advantage * ratio * (indicator - new) + scale * beta * (new - old)
                        + entropyBonusGradient(
                            probability: new, entropy: entropy, weight: scale * entropyWeight)
                }
                loss += scale * beta * kl - scale * entropyWeight * entropy
                entropySum += entropy
                stageKL += kl
                klSum += kl
            }
            klMax = max(klMax, stageKL / Scalar(samples))
        }
        let count = Scalar(max(freeStages * samples, 1))
        return Value(
            loss: loss, logitGradient: gradient, meanKL: klSum / count, maxKL: klMax,
            entropy: entropySum / count)
    }

    /// REINFORCE (Williams 1992) as Mirhoseini et al. (2017) use it: minimise
    /// `-(1/K) sum_k A_k sum_n log p_nk(a_nk) - w (1/K) sum_k sum_n H(p_nk)`, entropy weight `w`.
    @_specialize(where Scalar == Float)
    public static func reinforce<Scalar>(
        _ trace: PolicyTrace<Scalar>, advantages: [Scalar], entropyWeight: Scalar,
        deviceCount devices: Int
    ) -> Value<Scalar> {
        let stages = trace.stageCount
        let samples = trace.sampleCount
        var gradient = [Scalar](repeating: 0, count: stages * samples * devices)
        var loss: Scalar = 0
        var entropySum: Scalar = 0
        var freeStages = 0
        let scale = 1 / Scalar(samples)
        for stage in 0..<stages where !trace.pinned[stage] {
            freeStages += 1
            for sample in 0..<samples {
                let row = stage * samples + sample
                let p = row * devices
                let action = trace.actions[row]
                let advantage = advantages[sample]
                loss -= scale * advantage * Scalar.log(trace.probabilities[p + action])
                let entropy = Self.entropy(trace.probabilities, row: p, devices: devices)
                loss -= scale * entropyWeight * entropy
                entropySum += entropy
                for device in 0..<devices {
                    let probability = trace.probabilities[p + device]
                    guard probability > 0 else { continue }
                    let indicator: Scalar = device == action ? 1 : 0
                    gradient[p + device] =
                        -scale * advantage * (indicator - probability)
                        + entropyBonusGradient(
                            probability: probability, entropy: entropy,
                            weight: scale * entropyWeight)
                }
            }
        }
        return Value(
            loss: loss, logitGradient: gradient,
            entropy: entropySum / Scalar(max(freeStages * samples, 1)))
    }

    /// The entropy of the distribution at `probabilities[row..<row + devices]` (a masked device,
    /// probability 0, adds nothing).
    @inline(__always)
    static func entropy<Scalar: Real>(_ probabilities: [Scalar], row: Int, devices: Int) -> Scalar {
        var entropy: Scalar = 0
        for device in 0..<devices where probabilities[row + device] > 0 {
            entropy -= probabilities[row + device] * Scalar.log(probabilities[row + device])
        }
        return entropy
    }

    /// The gradient of the bonus `-weight H` at the logit of a device with `probability`, in a
    /// distribution with entropy `entropy`: `weight p (log p + H)`, 0 for a masked device.
    @inline(__always)
    static func entropyBonusGradient<Scalar: Real>(
        probability: Scalar, entropy: Scalar, weight: Scalar
    ) -> Scalar {
        probability > 0 ? weight * probability * (Scalar.log(probability) + entropy) : 0
    }
}
