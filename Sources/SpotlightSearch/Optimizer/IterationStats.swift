/// What one iteration of the search measured.
public struct IterationStats: Sendable, Equatable {
    public var iteration: Int
    /// Over the valid placements of the batch (nil when none was valid).
    public var meanStepTime: Double?
    public var bestStepTime: Double?
    public var worstStepTime: Double?
    /// The best valid step time found so far, in any iteration.
    public var bestSoFar: Double?
    public var meanReward: Double
    /// Mean and largest per-stage KL(old || new) of the update (D_KL^max of the paper's bound).
    public var meanKL: Double
    public var maxKL: Double
    public var beta: Double
    /// Mean per-stage entropy of the policy, in nats.
    public var entropy: Double
    public var invalidSamples: Int
    public var outOfMemorySamples: Int
    /// Samples that repeat a placement measured before, as no redraw found a new one
    /// (`OptimizerConfiguration.redraws`); their times come from the record, not a new measurement.
    public var repeatedSamples: Int
    /// Placements measured: the batch's new placements and any confirmations of a would-be
    /// best (what the iteration cost on hardware).
    public var placementsMeasured: Int
    public var samplesPerSecond: Double
    /// Seconds spent measuring placements and updating the policy.
    public var evaluationSeconds: Double
    public var policySeconds: Double

    public init(
        iteration: Int, meanStepTime: Double?, bestStepTime: Double?, worstStepTime: Double?,
        bestSoFar: Double?,
        meanReward: Double, meanKL: Double, maxKL: Double, beta: Double, entropy: Double,
        invalidSamples: Int,
        outOfMemorySamples: Int, repeatedSamples: Int = 0, placementsMeasured: Int = 0,
        samplesPerSecond: Double, evaluationSeconds: Double, policySeconds: Double
    ) {
        self.iteration = iteration
        self.meanStepTime = meanStepTime
        self.bestStepTime = bestStepTime
        self.worstStepTime = worstStepTime
        self.bestSoFar = bestSoFar
        self.meanReward = meanReward
        self.meanKL = meanKL
        self.maxKL = maxKL
        self.beta = beta
        self.entropy = entropy
        self.invalidSamples = invalidSamples
        self.outOfMemorySamples = outOfMemorySamples
        self.repeatedSamples = repeatedSamples
        self.placementsMeasured = placementsMeasured
        self.samplesPerSecond = samplesPerSecond
        self.evaluationSeconds = evaluationSeconds
        self.policySeconds = policySeconds
    }
}
