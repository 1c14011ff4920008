/// The search method and its settings.
public struct OptimizerConfiguration: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        /// Spotlight (Gao, Chen, Li 2018): several proximal epochs per batch on the KL-penalised surrogate.
        case spotlight
        /// The policy gradient of Mirhoseini et al. (2017): one REINFORCE step per batch.
        case policyGradient = "pg"
    }

    public var method: Method = .spotlight
    /// Placements sampled per iteration (K).
    public var samples = 16
    public var hiddenSize = 64
    public var embeddingSize = 16
    public var learningRate: Float = 0.002
    /// Spotlight: gradient epochs on each batch.
    public var epochs = 8
    /// Spotlight: the initial KL penalty weight and the mean per-stage KL it is adapted to keep near.
    public var initialBeta: Float = 1
    public var targetKL: Float = 0.02
    /// Spotlight: a batch's remaining epochs are skipped once the mean KL exceeds this many times
    /// the target (`.infinity`: always run every epoch).
    public var earlyStopKL: Float = 1.5
    /// Policy gradient: weight of the entropy bonus.
    public var entropyWeight: Float = 0
    /// Weight of the newest batch in the moving-average reward baseline.
    public var baselineRate: Float = 0.1
    /// An out-of-memory placement is scored as if it took this many times the lower bound
    /// (or twice the slowest valid placement seen, if that is larger).
    public var outOfMemoryPenalty = 10.0
    public var seed: UInt64 = 1
    /// Warm start: the probability the policy is taught to give the starting placement's device at
    /// every stage, the most Adam steps spent on it, and their learning rate.
    public var warmStartConfidence: Float = 0.9
    public var warmStartSteps = 600
    public var warmStartLearningRate: Float = 0.01

    public init(method: Method = .spotlight, samples: Int = 16, seed: UInt64 = 1) {
        self.method = method
        self.samples = samples
        self.seed = seed
        if method == .policyGradient {
            // Tuned on a 2,000-op synthetic graph (3 seeds, 60 iterations of 16 samples) over learning
            // rates 0.005, 0.01, 0.02 and entropy weights 0, 0.01: the best pair.
            learningRate = 0.005
            entropyWeight = 0.01
        }
    }
}
