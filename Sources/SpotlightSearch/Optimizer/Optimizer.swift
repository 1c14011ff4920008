import RealModule
import SpotlightModel
import SpotlightSimulation

/// Everything a search carries from one iteration to the next; saving it and loading it back
/// resumes the run exactly.
public struct OptimizerState: Sendable, Equatable {
    public var network: PolicyNetwork<Float>
    public var adam: Adam<Float>
    public var random: SplitMix64
    /// Moving average of the mean reward; `nil` before the first batch.
    public var baseline: Double?
    public var beta: Float
    public var iteration = 0
    public var samplesEvaluated = 0
    public var history: [IterationStats] = []
    public var bestStepTime: Double?
    public var bestAssignment: [Int]?
    /// The slowest valid step time seen, for the out-of-memory penalty.
    public var worstValidStepTime = 0.0
    /// A device per stage, or -1.
    public var stagePins: [Int]
    /// A device per op, or -1.
    public var opPins: [Int]
    /// Every placement measured so far (valid or out of memory), which later batches avoid.
    public var measured = MeasuredPlacements()
    /// Added to every stage's anchor bias, adapted after each batch so that samples keep
    /// differing from the anchor in about `anchorMoves` stages as the network learns.
    public var anchorOffset: Float = 0
    /// The anchored sweep's moves tried in its current pass, `[stage * devices + device]`.
    public var sweptMoves: [Bool] = []
    /// The fastest placement measured since the pins last changed that obeys them all (a pinned
    /// stage on its device, a pinned op on its): what a user who pinned is shown and saves. Nil
    /// without pins, or before such a placement is measured.
    public var pinnedBest: PinnedBest?
    /// The fastest placements sampled since the last cross-entropy step, fastest first, at most
    /// `OptimizerConfiguration.eliteCount` (`Optimizer.teachElites()`).
    public var elites: [Elite] = []
    /// The iteration after which samples are placements, not preferences: its batch, the first,
    /// found nothing faster than the best (`OptimizerConfiguration.preferenceFallback`). Nil
    /// while samples are what the configuration says.
    public var preferencesDroppedAt: Int?

    /// A sampled placement as the policy chose it, a device per stage, and its step time.
    public struct Elite: Sendable, Equatable {
        public var stepTime: Double
        public var stageDevices: [Int]
    }

    /// A placement and its step time: the best one that obeys the pins.
    public struct PinnedBest: Sendable, Equatable {
        public var assignment: [Int]
        public var stepTime: Double
    }

    /// Makes `assignment` the best placement if `stepTime` beats the best so far.
    mutating func offerBest(_ assignment: [Int]?, stepTime: Double?) {
        guard let assignment, let stepTime, stepTime < bestStepTime ?? .infinity else { return }
        bestStepTime = stepTime
        bestAssignment = assignment
    }
}

/// The search: samples placements from the policy, measures them, and improves the policy with
/// Spotlight's proximal update or with REINFORCE.
///
/// Rewards are `-sqrt(step time / lower bound)` (the paper's `-sqrt(step time)`, scaled so that it
/// does not depend on the graph's size). An out-of-memory placement counts as taking
/// `outOfMemoryPenalty` times the lower bound, or twice the slowest valid placement seen if that
/// is larger; a placement whose measurement failed is left out of the update. Advantages are
/// rewards minus the batch's mean reward (or a moving average of past batches', as configured:
/// `OptimizerConfiguration.rewardBaseline`), divided by the batch's reward deviation.
public struct Optimizer: Sendable {
    public let problem: PlacementProblem
    public internal(set) var configuration: OptimizerConfiguration
    public let lowerBound: Double
    public let inputs: PolicyInputs
    /// What places a sample's devices per stage as preferences, or nil when a sample is the
    /// placement (`OptimizerConfiguration.preferenceStrength`, until the search falls back to
    /// placements: `OptimizerState.preferencesDroppedAt`).
    public var decoder: PreferenceDecoder? {
        state.preferencesDroppedAt == nil ? configuredDecoder : nil
    }
    private let configuredDecoder: PreferenceDecoder?
    /// The stage logits' learning rate as a multiple of each update's: the configuration's
    /// while samples are preferences, 0 once they are placements (the logits then stay zero).
    var stageLogitFactor: Float {
        decoder == nil ? 0 : OptimizerConfiguration.stageLogitRateFactor
    }
    public var state: OptimizerState
    /// A model of the step time that screens the local search's moves before they are measured
    /// (`LocalSearch.screen`), or nil to measure moves unscreened.
    public var screen: SimulatorEvaluator?

    /// A search on `problem`. With `warmStart` (a device per op, usually the best heuristic's
    /// placement on `problem.refined(by:)`), the policy is first taught to choose that placement's
    /// device for each stage with probability `configuration.warmStartConfidence`, so that the
    /// search explores around it instead of starting from a uniform policy. When samples are
    /// preferences (`configuration.preferenceStrength`), the policy stays uniform: its samples
    /// are already placed near HEFT's, and the warm start is the first best placement alone.
    ///
    /// A warm start measured at `warmStartTime` is the first best placement, so that the search
    /// can only improve on it (and a would-be best must beat it to be confirmed). With
    /// `configuration.anchorMoves` the policy proposes changes to the best placement instead
    /// (`PolicyAnchor`), and there is no imitation.
    public init(
        problem: PlacementProblem, configuration: OptimizerConfiguration, warmStart: [Int]? = nil,
        warmStartTime: Double? = nil
    ) {
        self.problem = problem
        self.configuration = configuration
        self.lowerBound = max(problem.lowerBound(), 1e-9)
        self.inputs = PolicyInputs(problem: problem, anyOp: configuration.anchorMoves != nil)
        self.configuredDecoder =
            configuration.anchorMoves != nil
            ? nil
            : configuration.preferenceStrength.map {
                PreferenceDecoder(problem: problem, strength: $0)
            }
        let network = PolicyNetwork<Float>(
            featureCount: inputs.featureCount, deviceCount: problem.cluster.deviceCount,
            hiddenSize: configuration.hiddenSize, embeddingSize: configuration.embeddingSize,
            stageLogitCount: configuration.stageLogits && configuredDecoder != nil
                ? inputs.stageCount : 0,
            seed: configuration.seed)
        state = OptimizerState(
            network: network,
            adam: Adam(
                parameterCount: network.parameterCount, learningRate: configuration.learningRate,
                epsilon: configuration.adamEpsilon),
            random: SplitMix64(seed: configuration.seed &+ 0x5EED), baseline: nil,
            beta: configuration.initialBeta,
            stagePins: [Int](repeating: -1, count: inputs.stageCount),
            opPins: [Int](repeating: -1, count: problem.graph.count))
        if configuration.anchorMoves != nil {
            state.sweptMoves = [Bool](
                repeating: false, count: inputs.stageCount * problem.cluster.deviceCount)
        }
        if let warmStart {
            precondition(
                warmStart.count == problem.graph.count, "a warm start gives a device for every op")
            if configuration.anchorMoves == nil, configuredDecoder == nil {
                imitate(
                    stageDevices: problem.stageDevices(
                        of: warmStart, allowedDevices: inputs.allowedDevices))
            }
            if let warmStartTime {
                state.offerBest(warmStart, stepTime: warmStartTime)
                state.measured.record(
                    MeasuredPlacements.fingerprint(warmStart), Evaluation(stepTime: warmStartTime))
            }
        }
    }

    /// Behaviour cloning: Adam steps on `-sum_n log q(target_n | s_n)` along the target's own path
    /// until every stage gives its target at least `warmStartConfidence`, or `warmStartSteps`
    /// steps. Deterministic (no sampling), and it leaves the search's Adam state untouched.
    mutating func imitate(stageDevices target: [Int]) {
        let devices = problem.cluster.deviceCount
        let confidence = configuration.warmStartConfidence
        let stages = inputs.stageCount
        teach(
            target, paths: 1, learningRate: configuration.warmStartLearningRate,
            steps: configuration.warmStartSteps
        ) { trace in
            let weakest =
                (0..<stages).lazy.map { trace.probabilities[$0 * devices + target[$0]] }.min() ?? 1
            return weakest >= confidence
        }
    }

    /// At most `steps` Adam steps at `learningRate` (a fresh Adam, leaving the search's own
    /// untouched) on `-sum_k sum_n log q(a_kn | s_n)` along each of `paths` teacher-forced
    /// paths (`actions` stage-major, `[stage * paths + path]`), stopping before a step once
    /// `done` holds for the pass. Deterministic; shared by the warm start and the
    /// cross-entropy step.
    mutating func teach(
        _ actions: [Int], paths: Int, learningRate: Float, steps: Int,
        until done: (PolicyTrace<Float>) -> Bool = { _ in false }
    ) {
        var adam = Adam<Float>(
            parameterCount: state.network.parameterCount, learningRate: learningRate)
        var unused = SplitMix64(seed: 0)
        let weights = [Float](repeating: 1, count: paths)
        for _ in 0..<steps {
            let trace = state.network.forward(
                inputs, sampleCount: paths, pins: state.stagePins, actions: actions,
                random: &unused)
            if done(trace) { break }
            let value = PolicyObjective.reinforce(
                trace, advantages: weights, entropyWeight: 0,
                deviceCount: problem.cluster.deviceCount)
            adam.update(
                &state.network.parameters,
                gradient: state.network.backward(trace, logitGradient: value.logitGradient),
                tail: state.network.stageLogitsOffset, tailFactor: stageLogitFactor)
        }
    }

    /// Runs one iteration: sample, measure, update. Returns (and records) its statistics.
    @discardableResult
    public mutating func iterate(evaluator: some Evaluator) -> IterationStats {
        let started = MonotonicClock.seconds()
        let batch = drawBatch()
        let sampled = MonotonicClock.seconds()
        let (evaluations, fresh) = measure(batch, evaluator: evaluator)
        let incumbent = state.bestStepTime
        let confirmations = recordBest(of: batch, evaluations, evaluator: evaluator)
        let evaluated = MonotonicClock.seconds()
        let (advantages, meanReward) = advantages(of: evaluations, incumbent: incumbent)
        state.adam.learningRate = configuration.learningRate(atIteration: state.iteration)
        let update = PolicyUpdate.apply(
            network: &state.network, adam: &state.adam, beta: &state.beta, trace: batch.trace,
            inputs: inputs,
            pins: state.stagePins, advantages: advantages, configuration: configuration,
            stageLogitFactor: stageLogitFactor)
        crossEntropyStep(batch.trace, evaluations)
        dropPreferencesIfFruitless(incumbent: incumbent)
        let finished = MonotonicClock.seconds()

        state.iteration += 1
        state.samplesEvaluated += configuration.samples
        let validTimes = evaluations.compactMap { $0.isValid ? $0.stepTime : nil }
        let stats = IterationStats(
            iteration: state.iteration,
            meanStepTime: validTimes.isEmpty
                ? nil : validTimes.reduce(0, +) / Double(validTimes.count),
            bestStepTime: validTimes.min(), worstStepTime: validTimes.max(),
            bestSoFar: state.bestStepTime,
            meanReward: meanReward, meanKL: Double(update.meanKL), maxKL: Double(update.maxKL),
            beta: Double(state.beta),
            entropy: Double(update.entropy),
            invalidSamples: evaluations.filter { $0.stepTime == nil }.count,
            outOfMemorySamples: evaluations.filter { $0.outOfMemory }.count,
            repeatedSamples: batch.repeats,
            placementsMeasured: fresh + confirmations,
            samplesPerSecond: Double(configuration.samples) / max(finished - started, 1e-9),
            evaluationSeconds: evaluated - sampled,
            policySeconds: (sampled - started) + (finished - evaluated))
        IterationHistory.appending(stats, to: &state.history)
        return stats
    }

    /// With `preferenceFallback` and exact measurements (no confirmations), at the end of the
    /// first iteration with preferences: when the best is still `incumbent` (nothing sampled
    /// beat it), samples are placements from now on, the elites (preferences) are forgotten,
    /// and the policy is taught the best placement, as a warm start with placements is. A
    /// search without a best placement before the batch always finds one and keeps its
    /// preferences. Under noise a start's lucky record can hide what preferences would find.
    private mutating func dropPreferencesIfFruitless(incumbent: Double?) {
        guard configuration.preferenceFallback, configuration.confirmations == 0,
            state.iteration == 0, decoder != nil, let best = state.bestAssignment,
            let incumbent, state.bestStepTime == incumbent
        else { return }
        state.preferencesDroppedAt = 1
        state.elites = []
        for index in state.network.stageLogitsOffset..<state.network.parameterCount {
            state.network.parameters[index] = 0
        }
        imitate(
            stageDevices: problem.stageDevices(of: best, allowedDevices: inputs.allowedDevices))
    }

    /// Takes in a measured batch: the slowest valid time so far, and the fastest sample as the
    /// best placement if it beats it after its confirmations (and, with pins, each valid sample
    /// as the best that obeys them). Returns the confirmations measured.
    private mutating func recordBest(
        of batch: SampledBatch, _ evaluations: [Evaluation], evaluator: some Evaluator
    ) -> Int {
        var candidate: (index: Int, time: Double)?
        for (index, evaluation) in evaluations.enumerated() where evaluation.isValid {
            let time = evaluation.stepTime!
            state.worstValidStepTime = max(state.worstValidStepTime, time)
            if time < (candidate?.time ?? state.bestStepTime ?? .infinity) {
                candidate = (index, time)
            }
        }
        var confirmations = 0
        if let candidate {
            confirmations = configuration.confirmations
            let placement = batch.assignments[candidate.index]
            let time = confirmed(candidate.time, of: placement, evaluator: evaluator)
            // The confirmed median stands for the placement from now on, so that drawing it again
            // does not confirm it again.
            state.measured.record(batch.fingerprints[candidate.index], Evaluation(stepTime: time))
            state.offerBest(placement, stepTime: time)
        }
        if hasPins {
            // The record holds each valid sample's time, a confirmed median for the candidate.
            for (index, evaluation) in evaluations.enumerated() where evaluation.isValid {
                let recorded = state.measured.result(of: batch.fingerprints[index])?.stepTime
                offerPinnedBest(
                    batch.assignments[index], stepTime: recorded ?? evaluation.stepTime!)
            }
        }
        return confirmations
    }

    /// Each sample's advantage (its reward, −√(t / lower bound), against the configured
    /// baseline; out of memory scored at the penalty; nothing for a failed measurement), and the
    /// batch's mean reward, which also moves the moving-average baseline.
    private mutating func advantages(of evaluations: [Evaluation], incumbent: Double?) -> (
        [Float], Double
    ) {
        let penalty = max(
            configuration.outOfMemoryPenalty * lowerBound, 2 * state.worstValidStepTime)
        let rewards: [Double?] = evaluations.map { evaluation in
            if evaluation.isValid { return -(evaluation.stepTime! / lowerBound).squareRoot() }
            if evaluation.outOfMemory && evaluation.stepTime != nil {
                return -(penalty / lowerBound).squareRoot()
            }
            return nil
        }
        let scored = rewards.compactMap { $0 }
        let meanReward = scored.isEmpty ? 0 : scored.reduce(0, +) / Double(scored.count)
        let baseline: Double
        switch configuration.rewardBaseline {
        case .batchMean: baseline = meanReward
        case .movingAverage: baseline = state.baseline ?? meanReward
        case .incumbent: baseline = incumbent.map { -($0 / lowerBound).squareRoot() } ?? meanReward
        }
        let advantages = Self.advantages(of: rewards, baseline: baseline)
        if !scored.isEmpty {
            let rate = Double(configuration.baselineRate)
            state.baseline =
                state.baseline.map { (1 - rate) * $0 + rate * meanReward } ?? meanReward
        }
        return (advantages, meanReward)
    }

    /// Each reward minus `baseline`, divided by the batch's reward deviation (left undivided when
    /// the rewards are all equal); 0 for a sample without a reward (its measurement failed).
    static func advantages(of rewards: [Double?], baseline: Double) -> [Float] {
        let scored = rewards.compactMap { $0 }
        guard !scored.isEmpty else { return rewards.map { _ in 0 } }
        let mean = scored.reduce(0, +) / Double(scored.count)
        let deviation = (scored.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scored.count))
            .squareRoot()
        let scale = deviation > 1e-9 ? 1 / deviation : 1
        return rewards.map { reward in reward.map { Float(($0 - baseline) * scale) } ?? 0 }
    }

    /// Each sample's measurement, and how many placements were measured: placements measured
    /// before (the repeats no redraw replaced) are answered from the record, the others measured,
    /// once each, and recorded. A placement whose measurement failed is not recorded, and may be
    /// drawn and measured again.
    private mutating func measure(_ batch: SampledBatch, evaluator: some Evaluator) -> (
        evaluations: [Evaluation], fresh: Int
    ) {
        var fresh: [Int] = []
        var freshIndex: [UInt64: Int] = [:]
        for (sample, fingerprint) in batch.fingerprints.enumerated()
        where !state.measured.contains(fingerprint) && freshIndex[fingerprint] == nil {
            freshIndex[fingerprint] = fresh.count
            fresh.append(sample)
        }
        let measured =
            fresh.isEmpty
            ? []
            : evaluator.evaluate(
                fresh.map { batch.assignments[$0] }, method: configuration.method.rawValue)
        let evaluations = batch.fingerprints.map { fingerprint in
            freshIndex[fingerprint].map { measured[$0] } ?? state.measured.result(of: fingerprint)!
        }
        for (fingerprint, index) in freshIndex {
            state.measured.record(fingerprint, measured[index])
        }
        return (evaluations, fresh.count)
    }

    private func confirmed(_ first: Double, of assignment: [Int], evaluator: some Evaluator)
        -> Double
    {
        Remeasurement.confirmed(
            first, of: assignment, times: configuration.confirmations, evaluator: evaluator,
            method: configuration.method.rawValue)
    }

    /// Whether any stage or op is pinned.
    public var hasPins: Bool {
        state.stagePins.contains { $0 >= 0 } || state.opPins.contains { $0 >= 0 }
    }

    /// Whether `assignment` obeys every pin: each pinned op on its device, and each pinned stage
    /// on its device as `PlacementProblem.stageDevices(of:allowedDevices:)` sees it. O(ops).
    public func obeysPins(_ assignment: [Int]) -> Bool {
        for op in state.opPins.indices
        where state.opPins[op] >= 0 && assignment[op] != state.opPins[op] { return false }
        guard state.stagePins.contains(where: { $0 >= 0 }) else { return true }
        let devices = problem.stageDevices(of: assignment, allowedDevices: inputs.allowedDevices)
        return state.stagePins.indices.allSatisfy {
            state.stagePins[$0] < 0 || devices[$0] == state.stagePins[$0]
        }
    }

    /// Makes `assignment` the pinned best if it obeys the pins and beats it.
    public mutating func offerPinnedBest(_ assignment: [Int], stepTime: Double) {
        guard hasPins, stepTime < state.pinnedBest?.stepTime ?? .infinity, obeysPins(assignment)
        else { return }
        state.pinnedBest = OptimizerState.PinnedBest(assignment: assignment, stepTime: stepTime)
    }

    /// After the pins change: the overall best if it obeys them, else none yet.
    mutating func resetPinnedBest() {
        state.pinnedBest = nil
        if let best = state.bestAssignment, let time = state.bestStepTime {
            offerPinnedBest(best, stepTime: time)
        }
    }

    /// Pins stage `stage` to `device` (or unpins it with `nil`); takes effect at the next
    /// iteration. Returns false, changing nothing, when the stage may not use that device.
    @discardableResult
    public mutating func pin(stage: Int, to device: Int?) -> Bool {
        guard stage >= 0 && stage < inputs.stageCount else { return false }
        if let device {
            guard device < problem.cluster.deviceCount, inputs.allows(stage: stage, device: device)
            else { return false }
        }
        state.stagePins[stage] = device ?? -1
        resetPinnedBest()
        return true
    }

    /// Pins op `op` (and so its colocation set) to `device`, or unpins it. Returns false, changing
    /// nothing, when the op may not run there.
    @discardableResult
    public mutating func pin(op: Int, to device: Int?) -> Bool {
        guard op >= 0 && op < problem.graph.count else { return false }
        if let device {
            guard device >= 0 && device < problem.cluster.deviceCount,
                problem.constraints.allows(op: op, device: device)
            else { return false }
        }
        state.opPins[op] = device ?? -1
        resetPinnedBest()
        return true
    }

    /// q(a_n | s_n) for every stage along the policy's most likely path (each stage conditioned on
    /// the most likely device of the stage before): what an inspector shows.
    public func stageProbabilities() -> [[Float]] {
        let devices = problem.cluster.deviceCount
        var random = SplitMix64(seed: 0)
        let trace = state.network.forward(
            inputs, sampleCount: 1, pins: state.stagePins, greedy: true, anchor: currentAnchor(),
            random: &random)
        return (0..<inputs.stageCount).map {
            Array(trace.probabilities[($0 * devices)..<(($0 + 1) * devices)])
        }
    }

}

extension Optimizer {
    /// The local search over this search's problem and op pins, with its compound moves and its
    /// screen: the one the polish and the interleaved climb use.
    public func localSearch() -> LocalSearch {
        var search = LocalSearch(
            problem: problem, opPins: state.opPins, compoundMoves: configuration.compoundMoves)
        search.screen = screen
        return search
    }

    /// The local search's polish of the best placement so far, with this search's op pins, seed,
    /// confirmations and method, measuring none of the placements the search has measured; nil
    /// without a best placement.
    public func polishBest(
        evaluator: some Evaluator, budget: Int, shouldStop: () -> Bool = { false },
        progress: (LocalSearch.Outcome) -> Void = { _ in }
    ) -> LocalSearch.Outcome? {
        guard let best = state.bestAssignment, let time = state.bestStepTime else { return nil }
        return localSearch().polish(
            best, stepTime: time, evaluator: evaluator, budget: budget, seed: configuration.seed,
            confirmations: configuration.confirmations, method: configuration.method.rawValue,
            measured: state.measured, shouldStop: shouldStop, progress: progress)
    }
}
