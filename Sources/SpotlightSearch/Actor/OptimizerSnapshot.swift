import SpotlightModel
import SpotlightSimulation

/// What a UI sees of a running search; published after every iteration and every change of state.
public struct OptimizerSnapshot: Sendable {
    public enum Status: String, Sendable {
        case idle, running, paused, finished, stopped
    }

    public var status: Status
    /// True while an iteration is under way (after a pause, until it completes: "pausing").
    public var iterationInFlight: Bool
    public var iteration: Int
    public var samplesEvaluated: Int
    /// Every iteration so far: the curves.
    public var history: [IterationStats]
    public var lowerBound: Double
    /// The best placement: with pins, the fastest measured since they changed that obeys them
    /// (`OptimizerState.pinnedBest`), nil until one is; the overall best is then
    /// `unpinnedBestStepTime`.
    public var bestStepTime: Double?
    public var bestAssignment: [Int]?
    /// The simulator's result for the best placement (busy time, memory, links, critical path).
    public var bestResult: SimulationResult?
    /// q(a_n | s_n) per stage along the policy's most likely path.
    public var stageProbabilities: [[Float]]
    public var stagePins: [Int]
    public var opPins: [Int]
    /// Why the last checkpoint could not be written; `nil` when it was, or when none is kept.
    public var checkpointFailure: InputError?
    /// A local search is polishing the best placement (`OptimizerActor.polishBest(budget:)`).
    public var polishing: Bool
    /// What the last polish that finished did.
    public var lastPolish: PolishSummary?
    /// With pins, the best step time of any placement, pinned or not; nil without pins.
    public var unpinnedBestStepTime: Double?
    /// A run under a budget of measured placements: where it stands; nil without one.
    public var budget: BudgetProgress?
    /// The iteration after which the search's samples are placements, not preferences
    /// (`OptimizerState.preferencesDroppedAt`); nil while they are what it was configured with.
    public var preferencesDroppedAt: Int?

    public init(
        status: Status, iterationInFlight: Bool = false, iteration: Int, samplesEvaluated: Int,
        history: [IterationStats],
        lowerBound: Double, bestStepTime: Double?, bestAssignment: [Int]?,
        bestResult: SimulationResult?,
        stageProbabilities: [[Float]], stagePins: [Int], opPins: [Int],
        checkpointFailure: InputError? = nil,
        polishing: Bool = false, lastPolish: PolishSummary? = nil,
        unpinnedBestStepTime: Double? = nil, budget: BudgetProgress? = nil,
        preferencesDroppedAt: Int? = nil
    ) {
        self.status = status
        self.iterationInFlight = iterationInFlight
        self.iteration = iteration
        self.samplesEvaluated = samplesEvaluated
        self.history = history
        self.lowerBound = lowerBound
        self.bestStepTime = bestStepTime
        self.bestAssignment = bestAssignment
        self.bestResult = bestResult
        self.stageProbabilities = stageProbabilities
        self.stagePins = stagePins
        self.opPins = opPins
        self.checkpointFailure = checkpointFailure
        self.polishing = polishing
        self.lastPolish = lastPolish
        self.unpinnedBestStepTime = unpinnedBestStepTime
        self.budget = budget
        self.preferencesDroppedAt = preferencesDroppedAt
    }
}

/// A run under a budget of measured placements (`OptimizerActor`'s plan): every placement
/// measured so far against the budget, the climb's part of them, and what found the best.
public struct BudgetProgress: Sendable, Equatable {
    public var budget: Int
    /// Placements measured in all: the learned search's samples and confirmations and the
    /// climb's moves.
    public var measured: Int
    public var climbMeasured: Int
    public var bestFoundBy: BestSource
    /// What the latest fit of the model to the measurements did, if there was one.
    public var lastFit: BudgetedSearch.Recalibration?
    /// Where the placements went so far, part by part.
    public var ledger: BudgetedSearch.Ledger
    /// The best step time after every round so far, against placements measured.
    public var trace: BudgetTrace

    public init(
        budget: Int, measured: Int, climbMeasured: Int, bestFoundBy: BestSource,
        lastFit: BudgetedSearch.Recalibration? = nil, ledger: BudgetedSearch.Ledger = .init(),
        trace: BudgetTrace = .init()
    ) {
        self.trace = trace
        self.budget = budget
        self.measured = measured
        self.climbMeasured = climbMeasured
        self.bestFoundBy = bestFoundBy
        self.lastFit = lastFit
        self.ledger = ledger
    }
}

/// What a polish of the best placement did: from which step time to which, with how many moves
/// kept of how many placements measured.
public struct PolishSummary: Sendable, Equatable {
    public var from: Double
    public var to: Double
    public var improvements: Int
    public var evaluated: Int
    public var isLocalOptimum: Bool

    public init(from: Double, to: Double, improvements: Int, evaluated: Int, isLocalOptimum: Bool) {
        self.from = from
        self.to = to
        self.improvements = improvements
        self.evaluated = evaluated
        self.isLocalOptimum = isLocalOptimum
    }
}
