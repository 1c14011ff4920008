/// The search method and its settings.
public struct OptimizerConfiguration: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        /// Spotlight (Gao, Chen, Li 2018): proximal epochs per batch on the KL-penalised surrogate.
        case spotlight
        /// The policy gradient of Mirhoseini et al. (2017): one REINFORCE step per batch.
        case policyGradient = "pg"
    }

    /// A KL divergence between the sampling policy and the updated one, over a batch's states.
    public enum KLMeasure: String, Sendable, CaseIterable {
        /// The mean over stages and samples.
        case mean
        /// The largest stage's mean over samples.
        case largest

        /// The target used with this measure unless one is given: a largest stage's KL runs about
        /// ten times the mean's (BENCHMARKS.md, "Settings").
        public var defaultTarget: Float {
            switch self {
            case .mean: 0.02
            case .largest: 0.3
            }
        }
    }

    /// What each sample's reward is measured against to give its advantage.
    public enum RewardBaseline: String, Sendable, CaseIterable {
        /// The batch's own mean reward, so that a batch's advantages sum to zero (the practice of
        /// PPO, Schulman et al. 2017). The default for both methods: it found faster placements
        /// than the moving average on most benchmark workloads (BENCHMARKS.md, "Settings").
        case batchMean = "batch"
        /// An exponential moving average of the past batches' mean rewards, weight `baselineRate`,
        /// as Mirhoseini et al. (2017) used. A batch better or worse than the average pushes all of
        /// its choices up or down together, mostly the policy's most likely ones.
        case movingAverage = "moving"
        /// The best placement's reward before the batch: a sample's advantage says whether it
        /// beat the placement an anchored search proposes changes to (`anchorMoves`).
        case incumbent = "best"
    }

    public var method: Method = .spotlight
    /// Placements sampled per iteration (K).
    public var samples = 16
    public var hiddenSize = 64
    public var embeddingSize = 16
    /// Adam's learning rate, chosen among four on held-out seeds (BENCHMARKS.md, "Settings").
    public var learningRate: Float = 0.002
    /// Adam's epsilon, added to the root of its second moment before dividing. Spotlight's 0.01 is
    /// about the median gradient of its objective on the 2k-op graph: parameters whose gradient is
    /// weaker than that step less than the learning rate, where a fresh Adam moves every parameter
    /// by the whole rate; and a large beta, which shrinks the objective (it is divided by
    /// `1 + beta`), slows the steps again at once. Spotlight uses 0.01, the policy gradient Kingma
    /// and Ba's 1e-8, each the faster on held-out seeds (BENCHMARKS.md, "Settings").
    public var adamEpsilon: Float = 0.01
    /// Iterations over which either method's learning rate ramps up linearly (iteration i of the
    /// first `learningRateWarmup` uses `(i + 1) / learningRateWarmup` of it); 0 for none. A fresh
    /// Adam's first steps move every parameter by about the learning rate whatever the gradient's
    /// size, which can throw a warm-started policy far from its start in one batch.
    public var learningRateWarmup = 0
    /// Spotlight: gradient epochs on each batch.
    public var epochs = 8
    /// Spotlight: the initial KL penalty weight and the KL divergence (`klMeasure`) it is adapted
    /// to keep near.
    public var initialBeta: Float = 1
    public var targetKL: Float = KLMeasure.largest.defaultTarget
    /// Spotlight: which KL divergence beta and the early stop watch: the mean over stages, or the
    /// largest stage's (the D_KL^max of the paper's Theorem 1).
    public var klMeasure: KLMeasure = .largest
    /// Spotlight: a batch's remaining epochs are skipped once the mean KL exceeds this many times
    /// the target (`.infinity`: always run every epoch).
    public var earlyStopKL: Float = 1.5
    /// Weight of the entropy bonus in either method's objective.
    public var entropyWeight: Float = 0.01
    /// Either method's reward baseline.
    public var rewardBaseline: RewardBaseline = .batchMean
    /// Weight of the newest batch in the moving-average reward baseline.
    public var baselineRate: Float = 0.1
    /// An out-of-memory placement is scored as if it took this many times the lower bound
    /// (or twice the slowest valid placement seen, if that is larger).
    public var outOfMemoryPenalty = 10.0
    /// How many more times a sample is measured when its first measurement would make it the best
    /// so far; it becomes the best only if the median of all its measurements still beats the best,
    /// and that median is its recorded time. On noisy hardware the lowest of hundreds of single
    /// measurements is mostly luck; the simulator is exact and needs none (0).
    public var confirmations = 0
    /// The most further batches drawn in an iteration to replace samples that repeat a placement
    /// the search has measured (`Optimizer.drawBatch()`); 0 keeps the repeats, as both papers did.
    /// BENCHMARKS.md, "New placements only", has what they found.
    public var redraws = 64
    /// What a sample is: `nil`, a whole placement drawn from the policy, as in both papers; a
    /// number m, a change to the best placement so far, with the policy anchored on it so that
    /// about m stages differ (`PolicyAnchor`), with part of each batch single-stage moves the
    /// policy ranks (`sweepShare`). Anchored, the search climbs from its best placement; whole
    /// placements stay the default (BENCHMARKS.md, "Anchored proposals, and what else was tried").
    public var anchorMoves: Double?
    /// What a whole sample's devices per stage mean: `nil`, the device of every op of the stage,
    /// as in both papers; a strength s, each stage's preferred device, placed by HEFT's list
    /// scheduling with a preferred device's finish time lowered by s times the op's work
    /// (`PreferenceDecoder`), the policy starting uniform. Both methods alike; not anchored
    /// samples, which change the best placement directly. The commands choose it by the start
    /// (`SampleDecoding`).
    public var preferenceStrength: Double?
    /// With preferences and exact measurements (no `confirmations`): whether the search falls
    /// back to samples as placements when its first batch finds nothing faster than the best
    /// placement (`Optimizer.decoder`). Near some starts no schedule close to HEFT's is faster,
    /// and the learned search's share would go to waste; under noise a lucky start's record
    /// would trigger it where preferences pay (BENCHMARKS.md, "Falling back to placements").
    public var preferenceFallback = false
    /// With preferences: whether the policy has a logit of its own per stage and device
    /// (`PolicyNetwork.stageLogitCount`), learned at `stageLogitRateFactor` times the rate of
    /// each update and cross-entropy step, so that a few batches can move what one stage prefers.
    /// A uniform start learns little in the LSTM from a few hundred samples over hundreds of
    /// stages (BENCHMARKS.md, "Stage logits"). After a fall back to placements they are zero
    /// and stay so, the policy then being the network's alone.
    public var stageLogits = false
    /// The stage logits' learning rate as a multiple of the update's and the cross-entropy
    /// step's, chosen on held-out seeds (BENCHMARKS.md, "Stage logits").
    public static let stageLogitRateFactor: Float = 10
    /// Anchored: the share of each batch that is single-stage moves of the anchored sweep
    /// (`Optimizer.sweepMoves`), the rest whole samples of the anchored policy.
    public var sweepShare = 0.75
    /// Whether the local search's climb also measures a batch's improving moves made together
    /// (`LocalSearch.compoundMoves`).
    public var compoundMoves = false
    public var seed: UInt64 = 1
    /// The cross-entropy step of Post (Gao, Chen, Li, NeurIPS 2018), beside either method's update:
    /// every `crossEntropyEvery` iterations, the `eliteCount` fastest placements sampled since the
    /// last such step are taught to the policy, `crossEntropySteps` Adam steps on their
    /// log-likelihood at `crossEntropyLearningRate` (a fresh Adam each time, as for the warm
    /// start). 0 for none; whole placements only (not with `anchorMoves`). Chosen on held-out seeds
    /// (BENCHMARKS.md, "The cross-entropy step").
    public var crossEntropyEvery = 4
    public var eliteCount = 6
    public var crossEntropySteps = 10
    public var crossEntropyLearningRate: Float = 0.01
    /// Warm start: the probability the policy is taught to give the starting placement's device at
    /// every stage, the most Adam steps spent on it, and their learning rate.
    public var warmStartConfidence: Float = 0.9
    public var warmStartSteps = 600
    public var warmStartLearningRate: Float = 0.01

    /// The learning rate of the iteration numbered `iteration` (from 0), with the warm-up ramp.
    public func learningRate(atIteration iteration: Int) -> Float {
        guard learningRateWarmup > 0 else { return learningRate }
        return learningRate * min(1, Float(iteration + 1) / Float(learningRateWarmup))
    }

    /// Has Spotlight's beta watch `measure`, aiming for `target`, or for the measure's
    /// `defaultTarget` when none is given.
    public mutating func watchKL(_ measure: KLMeasure, target: Float? = nil) {
        klMeasure = measure
        targetKL = target ?? measure.defaultTarget
    }

    public init(method: Method = .spotlight, samples: Int = 16, seed: UInt64 = 1) {
        self.method = method
        self.samples = samples
        self.seed = seed
        if method == .policyGradient {
            // Chosen like Spotlight's, on held-out seeds (BENCHMARKS.md, "Settings").
            learningRate = 0.0025
            adamEpsilon = 1e-8
        }
    }
}
