import Foundation
import SpotlightModel
import SpotlightSimulation

extension BudgetedSearch {
    /// How the interleaved search fits its model to what it has measured, and uses the fitted
    /// model: every `every` placements measured, the model (`ModelCalibration`) is fitted to all
    /// measurements so far, becomes the climb's screen, and polishes the best placement in `moves`
    /// simulated moves; the polished placement is then measured (counted) and kept when faster
    /// (BENCHMARKS.md, "A model fitted to the measurements").
    public struct Calibration: Sendable {
        /// Placements measured between fits unless told otherwise (BENCHMARKS.md, "A model
        /// fitted to the measurements").
        public static let defaultInterval = 120
        /// Simulated moves of each polish in the fitted model.
        public static let defaultMoves = 5_000
        /// Placements a learned search draws in the fitted model at each fit.
        public static let defaultRehearsal = 1_000

        public var every: Int
        public var moves: Int
        /// A learned search's rehearsal at each fit: placements its policy draws in the fitted
        /// model (`Optimizer.rehearse(in:samples:)`), 0 for none.
        public var rehearsal: Int
        /// The fit's `misfit`, or nil for its default.
        public var misfit: Double?
        /// Measurements taken before the search (the heuristics'), fitted with its own.
        public var known: [MeasuredPlacement]

        public init(
            every: Int, moves: Int, rehearsal: Int = 0, misfit: Double? = nil,
            known: [MeasuredPlacement] = []
        ) {
            precondition(
                every > 0 && moves >= 0 && rehearsal >= 0,
                "a positive interval, and no negative moves or rehearsal")
            self.every = every
            self.moves = moves
            self.rehearsal = rehearsal
            self.misfit = misfit
            self.known = known
        }

        /// The heuristics' measured placements to fit with the search's, those that ran out of
        /// memory left out.
        public static func known(_ baselines: [BaselineResult]) -> [MeasuredPlacement] {
            baselines.compactMap { baseline in
                baseline.outOfMemory
                    ? nil : MeasuredPlacement(baseline.assignment, stepTime: baseline.stepTime)
            }
        }
    }

    /// What a round of fitting the model did.
    public struct Recalibration: Sendable, Equatable {
        /// Placements the model was fitted to.
        public var fitted: Int
        /// How well the model matched them, before the fit and after; nil when it could not be
        /// fitted (no measured placement ran in the model), and then nothing was proposed.
        public var error: ModelCalibration.FitError?
        /// The best placement's time after it was measured again (with confirmations), which
        /// may be slower than the time it had.
        public var bestRemeasured: Double?
        /// Placements measured measuring the best placement again.
        public var remeasuredPlacements = 0
        /// The polished placement's measured step time; nil when none was measured (the fitted
        /// model found no faster placement, or the budget had no room).
        public var measured: Double?
        /// Whether that placement became the best.
        public var improved: Bool
        /// Whether that placement came from the policy's rehearsal in the fitted model rather
        /// than from the climb's polish of the best placement there.
        public var rehearsed = false

        public init(
            fitted: Int, error: ModelCalibration.FitError?, bestRemeasured: Double? = nil,
            measured: Double? = nil, improved: Bool = false
        ) {
            self.fitted = fitted
            self.error = error
            self.bestRemeasured = bestRemeasured
            self.measured = measured
            self.improved = improved
        }

        /// The fit in a line: how far the model was off before and after, and what was measured.
        public var summary: String {
            var text = "model could not be fitted to \(fitted) placements"
            if let error {
                let (before, after) = (exp(error.before) - 1, exp(error.after) - 1)
                text =
                    "model fitted to \(fitted) placements: off by \(Units.percent(before)), "
                    + "then \(Units.percent(after))"
            }
            if let bestRemeasured {
                text += "; best measured again: \(Units.microseconds(bestRemeasured))"
            }
            if let measured {
                let what = rehearsed ? "the policy's find in it" : "its polish"
                text +=
                    "; \(what) measured \(Units.microseconds(measured))"
                    + (improved ? ", the new best" : "")
            }
            return text
        }
    }

    /// The interleaved search's fitted model and what it is fitted to.
    struct CalibrationState: Sendable {
        var plan: Calibration
        var model: ModelCalibration
        var measurements: [MeasuredPlacement]
        /// Placements measured in all when the next fit is due.
        var dueAt: Int
        /// How many measurements the last fit saw.
        var fittedCount = -1

        /// Whether a fit is due, `measured` placements into the search, or the searches cannot go
        /// on (`stuck`) and measurements have come in since the last fit.
        func isDue(measured: Int, stuck: Bool) -> Bool {
            measured >= dueAt || (stuck && measurements.count > fittedCount)
        }
    }
}

extension BudgetedSearch.Interleaving {
    /// Measures the best placement again (`reestimateBest`), fits the model to every
    /// measurement so far, makes it `optimizer`'s screen, polishes the best placement in it, and
    /// measures the polished placement through `evaluator` when the budget has room for it and
    /// its confirmations; a faster one becomes the best and the climb's start. Nil, measuring
    /// nothing, without a calibration; a fit that fails keeps the last screen and proposes
    /// nothing. Time: the fit's, and `moves` simulations.
    mutating func recalibrate(_ optimizer: inout Optimizer, evaluator: CountingEvaluator)
        -> BudgetedSearch.Recalibration?
    {
        guard var state = calibration else { return nil }
        defer { calibration = state }
        state.dueAt = evaluator.count + state.plan.every
        let remeasuring = evaluator.count
        let remeasured = reestimateBest(&optimizer, &state, evaluator: evaluator)
        let remeasuredPlacements = evaluator.count - remeasuring
        state.fittedCount = state.measurements.count
        let workers = ProcessInfoCores.count
        let fit = try? state.model.fit(state.measurements, workers: workers)
        let cluster = fit == nil ? nil : try? state.model.calibratedCluster()
        var report = BudgetedSearch.Recalibration(
            fitted: state.measurements.count, error: cluster == nil ? nil : fit,
            bestRemeasured: remeasured, measured: nil, improved: false)
        report.remeasuredPlacements = remeasuredPlacements
        defer { lastRecalibration = report }
        guard let cluster else { return report }
        let screen = SimulatorEvaluator(
            graph: state.model.graph, cluster: cluster, cost: state.model.calibratedCost)
        optimizer.screen = screen
        repin(following: optimizer)
        guard let (polished, rehearsed) = proposal(&optimizer, in: screen, plan: state.plan),
            evaluator.count + 1 + optimizer.configuration.confirmations <= plan.budget
        else { return report }
        report.rehearsed = rehearsed
        let time = measureNew(polished, &optimizer, evaluator: evaluator)
        state.measurements += time.map { [MeasuredPlacement(polished, stepTime: $0)] } ?? []
        report.measured = time
        guard let time, time < optimizer.state.bestStepTime ?? .infinity else { return report }
        optimizer.state.offerBest(polished, stepTime: time)
        if optimizer.hasPins { optimizer.offerPinnedBest(polished, stepTime: time) }
        restartClimb(from: polished, stepTime: time)
        report.improved = true
        return report
    }

    /// With confirmations (noisy measurements), measures the best placement again as many times
    /// plus one, within the budget, and takes the median of all its measurements as its time:
    /// the best of many noisy medians is low by luck, and what would replace it, the fitted
    /// model's polish and the climb's moves, would otherwise have to beat that luck. Not with
    /// pins, whose best placement is kept apart.
    /// Returns the best placement's new time, if it was measured again.
    private mutating func reestimateBest(
        _ optimizer: inout Optimizer, _ state: inout BudgetedSearch.CalibrationState,
        evaluator: CountingEvaluator
    ) -> Double? {
        let again = optimizer.configuration.confirmations + 1
        guard again > 1, !optimizer.hasPins, let best = optimizer.state.bestAssignment,
            evaluator.count + 2 * again <= plan.budget
        else { return nil }
        let method = optimizer.configuration.method.rawValue
        let fresh = evaluator.evaluate([[Int]](repeating: best, count: again), method: method)
            .compactMap { $0.isValid ? $0.stepTime : nil }
        state.measurements += fresh.map { MeasuredPlacement(best, stepTime: $0) }
        let all = state.measurements.filter { $0.measures(best) }.map(\.stepTime)
        guard let time = Remeasurement.median(all) else { return nil }
        optimizer.state.bestStepTime = time
        optimizer.state.measured.record(
            MeasuredPlacements.fingerprint(best), Evaluation(stepTime: time))
        reestimateClimb(best, stepTime: time)
        return time
    }

    /// The placement the fitted `model` proposes to measure: the best placement climbed in it
    /// and, for a learned search with a rehearsal, the fastest placement its policy drew in the
    /// model, climbed too; whichever the model predicts faster, and whether it is the
    /// rehearsal's. Nil when neither is faster there than the best, or the proposal has been
    /// measured already.
    private func proposal(
        _ optimizer: inout Optimizer, in model: SimulatorEvaluator,
        plan calibration: BudgetedSearch.Calibration
    ) -> (assignment: [Int], rehearsed: Bool)? {
        guard let best = optimizer.state.bestAssignment,
            let predicted = model.evaluate([best], method: "calibration")[0].stepTime
        else { return nil }
        var proposal = climbed(best, predicted: predicted, optimizer, in: model, calibration)
        var rehearsed = false
        if plan.searchShare > 0, calibration.rehearsal > 0,
            let rehearsal = optimizer.rehearse(in: model, samples: calibration.rehearsal)
        {
            let polished =
                climbed(
                    rehearsal.assignment, predicted: rehearsal.predicted, optimizer, in: model,
                    calibration)
                ?? (rehearsal.assignment, rehearsal.predicted)
            if polished.predicted < proposal?.predicted ?? predicted {
                (proposal, rehearsed) = (polished, true)
            }
        }
        guard let proposal,
            !optimizer.state.measured.contains(MeasuredPlacements.fingerprint(proposal.assignment))
        else { return nil }
        return (proposal.assignment, rehearsed)
    }

    /// `start` climbed by the local search in `model`, with the search's pins; nil when no move
    /// helped there.
    private func climbed(
        _ start: [Int], predicted: Double, _ optimizer: Optimizer, in model: SimulatorEvaluator,
        _ calibration: BudgetedSearch.Calibration
    ) -> (assignment: [Int], predicted: Double)? {
        guard calibration.moves > 0 else { return nil }
        let polish = LocalSearch(problem: optimizer.problem, opPins: optimizer.state.opPins)
            .polish(
                start, stepTime: predicted, evaluator: model, budget: calibration.moves,
                seed: optimizer.configuration.seed, method: "calibrated polish")
        guard polish.improvements > 0 else { return nil }
        return (polish.assignment, polish.stepTime)
    }

    /// Measures a placement never measured before, with the search's confirmations when its
    /// first measurement beats the best, and records it; nil when the measurement failed.
    private func measureNew(
        _ placement: [Int], _ optimizer: inout Optimizer, evaluator: CountingEvaluator
    ) -> Double? {
        let method = optimizer.configuration.method.rawValue
        let first = evaluator.evaluate([placement], method: method)[0]
        optimizer.state.measured.record(MeasuredPlacements.fingerprint(placement), first)
        guard first.isValid, var time = first.stepTime else { return nil }
        if time < optimizer.state.bestStepTime ?? .infinity {
            time = Remeasurement.confirmed(
                time, of: placement, times: optimizer.configuration.confirmations,
                evaluator: evaluator, method: method)
            optimizer.state.measured.record(
                MeasuredPlacements.fingerprint(placement), Evaluation(stepTime: time))
        }
        return time
    }
}
