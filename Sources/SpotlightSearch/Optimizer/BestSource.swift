/// What produced the best placement so far in a run under a budget
/// (`BudgetedSearch.Interleaving.bestFoundBy`).
public enum BestSource: Sendable, Equatable {
    /// The placement the search started from: the fastest heuristic.
    case start
    /// A sample of the learned search, in this iteration.
    case learned(iteration: Int)
    /// The climb's move, counted among the moves it kept.
    case climb(move: Int)
    /// The polish in the model fitted to the measurements (`BudgetedSearch.Calibration`).
    case fittedModel
    /// The policy's rehearsal in that model (`Optimizer.rehearse(in:samples:)`).
    case rehearsal
}

extension BestSource {
    /// The part of a run's ledger that made this find; nil for the start.
    public var part: BudgetedSearch.Ledger.Part? {
        switch self {
        case .start: nil
        case .learned: .learned
        case .climb: .climb
        case .fittedModel: .fittedPolish
        case .rehearsal: .rehearsal
        }
    }
}
