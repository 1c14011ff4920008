import SpotlightModel

/// A search under one budget of measured placements: the learned search's iterations while a
/// whole batch still fits in its share, then the local search's polish of the best placement
/// with every placement left. Every measurement counts (samples, confirmations, the polish's
/// moves); the start's own measurement, taken with the heuristics', does not.
///
/// With a search share of 0 it is the local search alone from the search's start: the
/// baseline every learned method must beat at an equal budget (BENCHMARKS.md, "Equal budgets").
public struct BudgetedSearch: Sendable {
    /// What a budgeted run found, and where the budget went.
    public struct Outcome: Sendable, Equatable {
        public var assignment: [Int]?
        public var stepTime: Double?
        /// The best placement the learned search found before the polish.
        public var searchStepTime: Double?
        /// Placements measured by the search (samples and confirmations) and by the polish (the
        /// climb, and the polishes in the fitted model).
        public var searchMeasured: Int
        public var polishMeasured: Int
        public var polish: LocalSearch.Outcome?
        /// Where the placements went, and what each part of the search gained with them.
        public var ledger = Ledger()

        public var measured: Int { searchMeasured + polishMeasured }
    }

    /// Placements measured in all.
    public var budget: Int
    /// Sequential: the share of `budget` the learned search spends before the polish.
    /// Interleaved: the least share of the placements measured so far that it gets.
    public var searchShare: Double
    public var schedule: Schedule
    /// Fitting the model to the measurements as the search goes (interleaved schedule only).
    public var calibration: Calibration?

    /// How the learned search and the local search share the budget.
    public enum Schedule: String, Sendable, CaseIterable {
        /// The learned search's share, then the polish with the rest.
        case sequential
        /// Round by round, to whichever has lately improved the best placement faster.
        case interleaved

        /// The share of the budget `searchShare` means unless one is given: the sequential
        /// search's half, the interleaved search's least tenth (BENCHMARKS.md, "Equal budgets of
        /// measured placements").
        public var defaultShare: Double {
            switch self {
            case .sequential: 0.5
            case .interleaved: 0.1
            }
        }
    }

    public init(budget: Int, searchShare: Double, schedule: Schedule = .interleaved) {
        precondition(budget >= 0 && (0...1).contains(searchShare), "a budget and a share in [0, 1]")
        self.budget = budget
        self.searchShare = searchShare
        self.schedule = schedule
    }

    /// The placements the learned search may measure.
    public var searchBudget: Int { Int((Double(budget) * searchShare).rounded()) }

    /// Iterations in a row that measured nothing (every sample a placement measured before) after
    /// which the search gives the rest of its share to the polish: a policy that only draws
    /// what it has measured would otherwise never spend its budget.
    public static let stallLimit = 8

    /// Whether another iteration of `optimizer` fits, `measured` placements into the search:
    /// a batch measures at most K samples and, for a new best, its confirmations; and the last
    /// `stallLimit` iterations did not all measure nothing.
    public func fitsIteration(of optimizer: Optimizer, measured: Int) -> Bool {
        fitsIteration(of: optimizer, measured: measured, within: searchBudget)
    }

    /// Whether another iteration fits `limit` placements and the search is not stalled.
    func fitsIteration(of optimizer: Optimizer, measured: Int, within limit: Int) -> Bool {
        let recent = optimizer.state.history.suffix(Self.stallLimit)
        if recent.count == Self.stallLimit && recent.allSatisfy({ $0.placementsMeasured == 0 }) {
            return false
        }
        return measured + optimizer.configuration.samples + optimizer.configuration.confirmations
            <= limit
    }

    /// Runs `optimizer` and then the polish, measuring through `evaluator`; `shouldStop` is asked
    /// between iterations and the polish's batches.
    public func run(
        _ optimizer: inout Optimizer, evaluator: any Evaluator, shouldStop: () -> Bool = { false }
    ) -> Outcome {
        let counter = CountingEvaluator(evaluator)
        if schedule == .interleaved && (searchShare > 0 || calibration != nil) {
            return runInterleaved(&optimizer, counter: counter, shouldStop: shouldStop)
        }
        let start = optimizer.state.bestStepTime
        while fitsIteration(of: optimizer, measured: counter.count) && !shouldStop() {
            optimizer.iterate(evaluator: counter)
        }
        let searched = counter.count
        var outcome = Outcome(
            assignment: optimizer.state.bestAssignment, stepTime: optimizer.state.bestStepTime,
            searchStepTime: optimizer.state.bestStepTime, searchMeasured: searched,
            polishMeasured: 0)
        outcome.ledger.add(
            .learned, measured: searched, before: start, after: optimizer.state.bestStepTime)
        // The climb reserves each would-be move's confirmations itself (`LocalSearch.step`).
        let left = budget - searched
        guard left > 0, !shouldStop(),
            let polish = optimizer.polishBest(
                evaluator: counter, budget: left, shouldStop: shouldStop)
        else {
            return outcome
        }
        outcome.assignment = polish.assignment
        outcome.stepTime = polish.stepTime
        outcome.polishMeasured = counter.count - searched
        outcome.polish = polish
        outcome.ledger.add(
            .climb, measured: outcome.polishMeasured, before: outcome.searchStepTime,
            after: polish.stepTime)
        return outcome
    }
}
