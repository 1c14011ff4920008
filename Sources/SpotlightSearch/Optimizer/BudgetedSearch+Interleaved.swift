import Foundation
import SpotlightModel
import SpotlightSimulation

extension BudgetedSearch {
    /// The interleaved schedule, round by round: one learned-search iteration or one batch of the
    /// local search's climb from the best placement. The climb goes on from any faster placement
    /// the learned search finds, and the learned search keeps the climb's as its best. Each round
    /// goes to the search whose recent rounds improved the best placement more per placement
    /// measured, less the luck a fit's measuring the best again found in its claims
    /// (`chargeLuck`), an untried search first; the learned search gets at least the plan's
    /// `searchShare` of the placements measured so far, so that a policy still learning is not
    /// starved (BENCHMARKS.md, "Equal budgets of measured placements").
    public struct Interleaving: Sendable {
        /// What a round did.
        public enum Round: Sendable {
            case learned(IterationStats)
            case climbed(LocalSearch.Outcome)
            /// The model fitted to the measurements, and the best placement polished in it.
            case calibrated(Recalibration)
        }

        public let plan: BudgetedSearch
        private(set) var search: LocalSearch
        /// Nil until the search has a best placement to climb from.
        public private(set) var climb: LocalSearch.Climb?
        private var learned = ImprovementRate(), climbing = ImprovementRate()
        /// The fastest placement the learned search sampled itself.
        public private(set) var searchBest: Double?
        /// The model fitted to the measurements, with the plan's `calibration`.
        var calibration: CalibrationState?
        /// What the latest fit of the model did.
        public internal(set) var lastRecalibration: Recalibration?
        /// Where the placements measured so far went, and what each part gained.
        public private(set) var ledger = Ledger()
        /// What found the best placement as it stands: named to the person (`BudgetProgress`),
        /// and charged the luck in its time when the best is measured again (`chargeLuck`).
        /// Set whenever a round replaces the best, even by a time slower than one it claimed
        /// before a fit measured that one again.
        public private(set) var bestFoundBy = BestSource.start
        /// The best step time after every round, against placements measured.
        public private(set) var trace = BudgetTrace()
        /// What the round under way found, set with `bestFoundBy`: the finder its trace point
        /// names. A best that only measured faster again found nothing.
        private var roundFind: BestSource?

        public init(plan: BudgetedSearch, optimizer: Optimizer) {
            self.plan = plan
            search = optimizer.localSearch()
            if let best = optimizer.state.bestAssignment, let time = optimizer.state.bestStepTime {
                climb = LocalSearch.Climb(
                    from: best, stepTime: time, seed: optimizer.configuration.seed)
            }
            calibration = plan.calibration.map { plan in
                var model = ModelCalibration(
                    graph: optimizer.problem.graph, cluster: optimizer.problem.cluster,
                    cost: optimizer.problem.cost)
                if let misfit = plan.misfit { model.misfit = misfit }
                return CalibrationState(
                    plan: plan, model: model, measurements: plan.known, dueAt: plan.every)
            }
        }

        /// Placements measured by the learned search's rounds and by the climb's.
        public var searchMeasured: Int { ledger[.learned].measured }
        public var climbMeasured: Int { ledger[.climb].measured }
        /// Placements measured at the fits of the model (`Calibration`): the best measured
        /// again, and the fitted model's proposals.
        public var calibrationMeasured: Int {
            ledger[.remeasure].measured + ledger[.fittedPolish].measured
                + ledger[.rehearsal].measured
        }

        /// The climb's state as a polish outcome, if it has started.
        public var climbOutcome: LocalSearch.Outcome? {
            climb.map { $0.outcome(atLocalOptimum: search.isLocalOptimum($0)) }
        }

        /// Runs the next round, `evaluator` counting every placement measured in the whole run;
        /// nil, measuring nothing, once the budget is spent or neither search can go on. The
        /// round's end is added to `trace`, the run's start before the first.
        public mutating func round(_ optimizer: inout Optimizer, evaluator: CountingEvaluator)
            -> Round?
        {
            if trace.points.isEmpty {
                trace.append(
                    .init(measured: evaluator.count, best: optimizer.state.bestStepTime))
            }
            roundFind = nil
            let round = nextRound(&optimizer, evaluator: evaluator)
            if let round {
                var stats: IterationStats?
                if case .learned(let learned) = round { stats = learned }
                trace.append(
                    .init(
                        measured: evaluator.count, best: optimizer.state.bestStepTime,
                        iteration: stats?.iteration, meanStepTime: stats?.meanStepTime,
                        foundBy: roundFind))
            }
            return round
        }

        private mutating func nextRound(_ optimizer: inout Optimizer, evaluator: CountingEvaluator)
            -> Round?
        {
            let measured = evaluator.count
            let before = optimizer.state.bestStepTime
            guard measured < plan.budget else { return nil }
            let canLearn =
                plan.searchShare > 0
                && plan.fitsIteration(of: optimizer, measured: measured, within: plan.budget)
            let canClimb = climb.map { !search.isLocalOptimum($0) } ?? false
            let stuck = !canLearn && !canClimb
            if calibration?.isDue(measured: measured, stuck: stuck) == true,
                let report = recalibrate(&optimizer, evaluator: evaluator)
            {
                account(report, before: before, measured: evaluator.count - measured, optimizer)
                return .calibrated(report)
            }
            let recorder = calibration.map { _ in MeasurementRecorder(evaluator) }
            defer { calibration?.measurements += recorder?.measurements ?? [] }
            let measuring: any Evaluator = recorder ?? evaluator
            if canLearn && (!canClimb || prefersLearning(measured: measured)) {
                let stats = optimizer.iterate(evaluator: measuring)
                if let time = stats.bestStepTime { searchBest = min(searchBest ?? time, time) }
                if let best = optimizer.state.bestAssignment,
                    let time = optimizer.state.bestStepTime
                {
                    if climb == nil {
                        climb = LocalSearch.Climb(
                            from: best, stepTime: time, seed: optimizer.configuration.seed)
                    } else {
                        climb!.restart(from: best, stepTime: time)
                    }
                }
                credit(
                    \.learned, .learned, before: before, after: optimizer.state.bestStepTime,
                    measured: evaluator.count - measured,
                    finder: .learned(iteration: optimizer.state.iteration))
                return .learned(stats)
            }
            guard canClimb else { return nil }
            let step = LocalSearch.Step(
                limit: plan.budget - measured, confirmations: optimizer.configuration.confirmations,
                method: optimizer.configuration.method.rawValue)
            guard
                search.step(
                    &climb!, step, measured: &optimizer.state.measured, evaluator: measuring)
            else { return nil }
            optimizer.state.offerBest(climb!.current, stepTime: climb!.stepTime)
            if optimizer.hasPins {
                optimizer.offerPinnedBest(climb!.current, stepTime: climb!.stepTime)
            }
            credit(
                \.climbing, .climb, before: before, after: optimizer.state.bestStepTime,
                measured: evaluator.count - measured, finder: .climb(move: climb!.improvements))
            return .climbed(climbOutcome!)
        }

        /// Enters a round of one of the two searches, which took the best step time from `before`
        /// to `after` with `count` placements, in its improvement rate and in the ledger; a
        /// faster best was found by `finder`.
        private mutating func credit(
            _ rate: WritableKeyPath<Self, ImprovementRate>, _ part: Ledger.Part, before: Double?,
            after: Double?, measured count: Int, finder: BestSource
        ) {
            self[keyPath: rate].record(before: before, after: after, measured: count)
            ledger.add(part, measured: count, before: before, after: after)
            if let after, after < before ?? .infinity { found(finder) }
        }

        /// Enters a fit that measured `count` placements in the ledger: measuring the best again,
        /// which took its time from `before` to the report's, and the proposal measured after;
        /// charges the luck measuring again gave back to the search that found the best.
        private mutating func account(
            _ report: Recalibration, before: Double?, measured count: Int, _ optimizer: Optimizer
        ) {
            let remeasured = report.bestRemeasured ?? before
            ledger.add(
                .remeasure, measured: report.remeasuredPlacements, before: before,
                after: remeasured)
            ledger.add(
                report.rehearsed ? .rehearsal : .fittedPolish,
                measured: count - report.remeasuredPlacements, before: remeasured,
                after: optimizer.state.bestStepTime)
            chargeLuck(before: before, remeasured: report.bestRemeasured)
            if report.improved { found(report.rehearsed ? .rehearsal : .fittedModel) }
        }

        /// `finder` found a new best in the round under way.
        private mutating func found(_ finder: BestSource) {
            bestFoundBy = finder
            roundFind = finder
        }

        /// Takes the log of the best's time measured again over its time `before` out of the
        /// rate of the search that found it, spread over the placements that search measured
        /// since the last fit: under noise a search whose rounds claim gains that were luck
        /// would otherwise keep winning rounds on them (BENCHMARKS.md, "Luck charged to the
        /// search that claimed it"). Both rates start a new span. Without a new measurement
        /// (no noise, or no room) nothing is charged.
        private mutating func chargeLuck(before: Double?, remeasured: Double?) {
            let luck = before.flatMap { before in remeasured.map { log($0 / before) } } ?? 0
            var (learnedLuck, climbLuck) = (0.0, 0.0)
            switch bestFoundBy {
            case .learned: learnedLuck = luck
            case .climb: climbLuck = luck
            case .start, .fittedModel, .rehearsal: break
            }
            learned.takeBack(learnedLuck, measured: searchMeasured)
            climbing.takeBack(climbLuck, measured: climbMeasured)
        }

        /// Climbs on with `optimizer`'s pins from the next round: every move it measures obeys
        /// them.
        public mutating func repin(following optimizer: Optimizer) {
            search = optimizer.localSearch()
            climb?.forgetPass()
        }

        /// Takes `stepTime` as the climb's placement's time when it is `placement`.
        mutating func reestimateClimb(_ placement: [Int], stepTime: Double) {
            climb?.reestimate(placement, stepTime: stepTime)
        }

        /// Goes on climbing from `placement` when it is faster than the climb's.
        mutating func restartClimb(from placement: [Int], stepTime: Double) {
            climb?.restart(from: placement, stepTime: stepTime)
        }

        /// Whether the next round goes to the learned search: below its share, untried, or
        /// improving at least as fast as the climb lately.
        private func prefersLearning(measured: Int) -> Bool {
            if Double(searchMeasured) < plan.searchShare * Double(measured) { return true }
            guard let learnedRate = learned.perPlacement else { return true }
            guard let climbingRate = climbing.perPlacement else { return false }
            return learnedRate > climbingRate
        }
    }

    /// How fast one of the two searches has lately been improving the best placement: an
    /// exponential moving average, over its own rounds, of the log of the best step time's
    /// shrink per placement the round measured.
    struct ImprovementRate: Sendable {
        /// The weight of the latest round.
        static let weight = 0.3
        var perPlacement: Double?
        /// The search's placements measured at the last `takeBack`.
        var measuredAtLastTakeBack = 0

        /// Adds a round that measured `count` placements and took the best step time from
        /// `before` to `after`; a round that started with no best placement sets no rate.
        mutating func record(before: Double?, after: Double?, measured count: Int) {
            guard count > 0, let before else { return }
            let gain = after.map { log(before / $0) } ?? 0
            let rate = max(gain, 0) / Double(count)
            perPlacement = perPlacement.map { (1 - Self.weight) * $0 + Self.weight * rate } ?? rate
        }

        /// Lowers the rate (not below zero) by `luck`, a log gain that proved not to be one,
        /// spread over the placements measured since the last call; `measured` counts the
        /// search's placements so far (the ledger's).
        mutating func takeBack(_ luck: Double, measured: Int) {
            defer { measuredAtLastTakeBack = measured }
            let since = measured - measuredAtLastTakeBack
            guard luck > 0, since > 0, let rate = perPlacement else { return }
            perPlacement = max(0, rate - luck / Double(since))
        }
    }

    /// Runs the interleaved schedule to its end.
    func runInterleaved(
        _ optimizer: inout Optimizer, counter: CountingEvaluator, shouldStop: () -> Bool
    ) -> Outcome {
        var rounds = Interleaving(plan: self, optimizer: optimizer)
        while !shouldStop(), rounds.round(&optimizer, evaluator: counter) != nil {}
        return Outcome(
            assignment: optimizer.state.bestAssignment, stepTime: optimizer.state.bestStepTime,
            searchStepTime: rounds.searchBest, searchMeasured: rounds.searchMeasured,
            polishMeasured: rounds.climbMeasured + rounds.calibrationMeasured,
            polish: rounds.climbOutcome, ledger: rounds.ledger)
    }
}
