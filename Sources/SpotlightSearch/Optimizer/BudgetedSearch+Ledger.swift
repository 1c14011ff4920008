import Foundation
import SpotlightModel

extension BudgetedSearch {
    /// Where a budgeted run's measured placements went, and what each part of the search bought
    /// with them: per part, the placements it measured and the log of the best step time before
    /// over after, summed over its rounds. Measuring the best again is a part of its own, whose
    /// gain is negative when the best proves slower than its lucky first measurements said; all
    /// the gains add up to the log of the start's time over the final best's. It tells which
    /// part earns its placements (BENCHMARKS.md, "Where the placements went").
    public struct Ledger: Sendable, Equatable {
        /// The parts of a run, in the order the summary lists them.
        public enum Part: Int, Sendable, CaseIterable {
            /// The learned search's iterations: samples and confirmations.
            case learned
            /// The local search's climb from the best placement.
            case climb
            /// The fitted model's polish of the best placement, measured.
            case fittedPolish
            /// The policy's find in the fitted model, measured.
            case rehearsal
            /// The best placement measured again at each fit of the model.
            case remeasure

            /// The part's name in `optimize --json`'s `ledger`.
            public var key: String {
                switch self {
                case .learned: "learned"
                case .climb: "climb"
                case .fittedPolish: "fitted_polish"
                case .rehearsal: "rehearsal"
                case .remeasure: "remeasure"
                }
            }

            /// The part's name where room is short, as in the explorer's reward chart title.
            public var shortLabel: String {
                switch self {
                case .learned: "learned"
                case .climb: "climb"
                case .fittedPolish: "fitted polish"
                case .rehearsal: "rehearsal"
                case .remeasure: "remeasured"
                }
            }

            /// The part's name in the summary and in `bench budget`'s table.
            public var label: String {
                switch self {
                case .learned: "learned search"
                case .climb: "climb"
                case .fittedPolish: "fitted model's polish"
                case .rehearsal: "rehearsal's finds"
                case .remeasure: "best measured again"
                }
            }
        }

        /// One part's account.
        public struct Entry: Sendable, Equatable {
            public var measured = 0
            /// The sum of log(before / after) of the best step time over the part's rounds.
            public var logGain = 0.0

            /// The factor the part changed the best step time by, less one: negative when faster.
            public var change: Double { exp(-logGain) - 1 }
        }

        private var entries = [Entry](repeating: Entry(), count: Part.allCases.count)

        public init() {}

        public subscript(part: Part) -> Entry { entries[part.rawValue] }

        /// Placements measured by all parts.
        public var measured: Int { entries.reduce(0) { $0 + $1.measured } }

        /// The parts that measured anything, in order.
        public var measuredParts: [Part] { Part.allCases.filter { self[$0].measured > 0 } }

        /// Adds a round of `part` that measured `count` placements and took the best step time
        /// from `before` to `after`; without both times it adds the placements alone.
        mutating func add(_ part: Part, measured count: Int, before: Double?, after: Double?) {
            entries[part.rawValue].measured += count
            guard let before, let after, before > 0, after > 0 else { return }
            entries[part.rawValue].logGain += log(before / after)
        }

        /// The parts that measured anything, each as its label, its placements measured and its
        /// signed percent change to the best step time; "nothing measured" when none did.
        public var summary: String {
            let parts = measuredParts.map { part in
                let entry = self[part]
                return "\(part.label) \(entry.measured), "
                    + Units.signedPercent(entry.change, decimals: 1)
            }
            return parts.isEmpty ? "nothing measured" : parts.joined(separator: "; ")
        }

        /// The summary as the commands and the explorer show it at the end of a run.
        public var headline: String { "where the placements went: \(summary)" }
    }
}
