import Foundation
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

/// One run of `optimize`, from the options: set up the problem, the evaluator and the search;
/// run it with progress and checkpoints; polish; write the files; measure again on hardware; and
/// report. `run()` returns false when a file it was asked to write could not be.
struct OptimizeRun {
    let options: OptimizeCommand

    /// What the set-up made.
    private struct Setup {
        var optimizer: Optimizer
        var start: BaselineResult?
        var baselines: [BaselineResult]
        var measuring: any Evaluator
        /// Every placement the search and the polish measure, against the budget.
        var evaluator: CountingEvaluator
        var progress: ProgressLine
        /// On a terminal, with several workers: the bar redrawn with the placements in flight.
        var ticker: InFlightTicker?
        /// A message in the middle of the progress bar starts a line of its own.
        var lineBreak: String

        /// Samples that repeated a placement measured before, over the whole search.
        var repeatedSamples: Int { optimizer.state.history.reduce(0) { $0 + $1.repeatedSamples } }

        func showProgress(_ done: Int, _ parts: [String]) {
            if let ticker {
                ticker.update(done, parts)
            } else {
                progress.update(done, parts)
            }
        }
    }

    /// What the search found.
    private struct Found {
        var sampledBest: Double?
        var searchMeasured: Int
        var polished: LocalSearch.Outcome?
        /// Placements measured by the polishes in the fitted simulator (`--fit-model-every`).
        var fittedModelMeasured: Int
        /// Where an interleaved run's placements went (nil for other runs).
        var ledger: BudgetedSearch.Ledger?
        /// An interleaved run's best step time after every round (nil for other runs).
        var trace: BudgetTrace?
        var wall: Double
        var csv: String
        var checkpointFailed: Bool

        var best: Double? { polished?.stepTime ?? sampledBest }
    }

    mutating func run() throws -> Bool {
        try Loading.checkWritable(options.out, options.log, options.search.checkpoint)
        var setup = try prepare()
        let found = search(&setup)
        let bestAssignment = found.polished?.assignment ?? setup.optimizer.state.bestAssignment
        var unsaved = write(found, bestAssignment: bestAssignment, setup: setup)
        if bestAssignment == nil { unsaved.append(reportNothingMeasured(setup)) }
        let remeasured = remeasure(bestAssignment, setup: setup)
        if options.json {
            Output.json(json(found, remeasured: remeasured, setup: setup))
        } else {
            printSummary(found, remeasured: remeasured, unsaved: unsaved, setup: setup)
        }
        return unsaved.isEmpty
    }

    // MARK: - Set-up

    private func prepare() throws -> Setup {
        let search = options.search
        let base = try search.problem(graph: options.graph, cluster: options.cluster)
        let plan = options.plan
        let progress = ProgressLine(
            mode: options.json ? .silent : isatty(STDOUT_FILENO) != 0 ? .bar : .lines,
            total: plan.map { $0.schedule == .interleaved ? $0.budget : $0.searchBudget }
                ?? options.iterations,
            unit: plan == nil ? "iteration" : "measured")
        let lineBreak = progress.mode == .bar ? "\n" : ""
        let measuring = search.evaluator(
            for: base,
            onFailure: { reason in
                Output.error("\(lineBreak)warning: placement not measured: \(reason)")
            })
        let baselines = search.baselines(for: base, evaluator: measuring, announce: !options.json)
        let (optimizer, start) = try search.optimizer(for: base, baselines: baselines)
        if !options.json { announce(optimizer, start: start) }
        let ticker = (measuring as? WorkerPool).flatMap { pool in
            progress.mode == .bar ? InFlightTicker(progress: progress, pool: pool) : nil
        }
        return Setup(
            optimizer: optimizer, start: start, baselines: baselines, measuring: measuring,
            evaluator: CountingEvaluator(measuring), progress: progress, ticker: ticker,
            lineBreak: lineBreak)
    }

    private func announce(_ optimizer: Optimizer, start: BaselineResult?) {
        if options.search.resume, let checkpoint = options.search.checkpoint {
            let settings = optimizer.configuration
            Output.error(
                "resuming a \(settings.method.rawValue) run (\(settings.samples) samples per iteration, "
                    + "hidden size \(settings.hiddenSize)) at iteration \(optimizer.state.iteration) from "
                    + "\(checkpoint); its settings replace the command line's")
        }
        if let start {
            Output.error(
                "starting from \(start.method)'s placement (\(Units.microseconds(start.stepTime))) over "
                    + "\(optimizer.problem.stages.count) stages")
        }
    }

    // MARK: - The search

    private func search(_ setup: inout Setup) -> Found {
        let started = Date()
        Interruption.install { _ in
            Output.error(
                "\nstopping after the running iteration, then saving what was found (signal again to quit now)"
            )
        }
        var csv =
            IterationLog.header
            + setup.optimizer.state.history.map { IterationLog.row($0) }.joined()
        // A checkpoint that cannot be written (a full disk) stops neither the search nor the
        // writes at the end: it is reported when it starts failing, tried again at the next one,
        // and fails the run only if the last attempt failed.
        var checkpointFailed = false
        var rounds = interleaving(setup)
        while Interruption.signal == nil, let stats = nextIteration(&setup, &rounds) {
            csv += IterationLog.row(stats, runMeasured: setup.evaluator.count)
            saveCheckpoint(
                after: stats, setup.optimizer, failed: &checkpointFailed, lineBreak: setup.lineBreak
            )
            report(stats, setup: setup)
            if stats.iteration == setup.optimizer.state.preferencesDroppedAt, !options.json {
                Output.error(
                    "\(setup.lineBreak)note: no preference of iteration \(stats.iteration) beat "
                        + "the start: sampling placements from now on")
            }
        }
        setup.ticker?.stop()
        setup.progress.finish()
        let start = setup.start?.stepTime
        let sampledBest =
            rounds.map { $0.searchBest.map { min($0, start ?? $0) } ?? start }
            ?? setup.optimizer.state.bestStepTime
        let searchMeasured = rounds?.searchMeasured ?? setup.evaluator.count
        let polished =
            rounds != nil ? rounds?.climbOutcome : polishBest(setup, measured: searchMeasured)
        return Found(
            sampledBest: sampledBest, searchMeasured: searchMeasured, polished: polished,
            fittedModelMeasured: rounds?.calibrationMeasured ?? 0, ledger: rounds?.ledger,
            trace: rounds?.trace,
            wall: Date().timeIntervalSince(started), csv: csv, checkpointFailed: checkpointFailed)
    }

    /// Whether the search runs another iteration, `measured` placements into it.
    private func searchGoesOn(_ optimizer: Optimizer, measured: Int) -> Bool {
        if let plan = options.plan { return plan.fitsIteration(of: optimizer, measured: measured) }
        return options.search.method != .local && optimizer.state.iteration < options.iterations
    }

    /// The interleaved schedule's rounds, when the budget is shared that way.
    /// With `--method local` only when the simulator is fitted to the measurements.
    private func interleaving(_ setup: Setup) -> BudgetedSearch.Interleaving? {
        guard var plan = options.plan, plan.schedule == .interleaved else { return nil }
        plan.calibration = options.search.calibration(known: setup.baselines)
        guard plan.searchShare > 0 || plan.calibration != nil else { return nil }
        return BudgetedSearch.Interleaving(plan: plan, optimizer: setup.optimizer)
    }

    /// The next iteration's statistics: the search's own, or the interleaved schedule's next
    /// learned round (its climb's rounds reported on the progress line on the way); nil at the end.
    private func nextIteration(_ setup: inout Setup, _ rounds: inout BudgetedSearch.Interleaving?)
        -> IterationStats?
    {
        guard rounds != nil else {
            guard searchGoesOn(setup.optimizer, measured: setup.evaluator.count) else { return nil }
            return setup.optimizer.iterate(evaluator: setup.evaluator)
        }
        while Interruption.signal == nil,
            let round = rounds!.round(&setup.optimizer, evaluator: setup.evaluator)
        {
            switch round {
            case .learned(let stats): return stats
            case .climbed(let climb):
                let best = setup.optimizer.state.bestStepTime ?? climb.stepTime
                setup.showProgress(
                    setup.evaluator.count,
                    [
                        "best \(Units.microseconds(best))",
                        "\(climb.improvements) moves kept by the local search",
                    ])
            case .calibrated(let report):
                setup.showProgress(setup.evaluator.count, [report.summary])
            }
        }
        return nil
    }

    private func saveCheckpoint(
        after stats: IterationStats, _ optimizer: Optimizer, failed: inout Bool,
        lineBreak: String
    ) {
        guard let checkpoint = options.search.checkpoint else { return }
        let stopping = Interruption.signal != nil
        guard
            stats.iteration % options.search.checkpointEvery == 0
                || stats.iteration == options.iterations || stopping
        else { return }
        do {
            try Checkpoint.save(optimizer, to: checkpoint)
            if failed { Output.error("\(lineBreak)checkpoint saved again to \(checkpoint)") }
            failed = false
        } catch {
            if !failed {
                Output.error(
                    "\(lineBreak)warning: checkpoint not saved (the search goes on): \(error)")
            }
            failed = true
        }
    }

    private func report(_ stats: IterationStats, setup: Setup) {
        let best = stats.bestSoFar.map(Units.microseconds) ?? "none valid yet"
        setup.showProgress(
            options.plan == nil ? stats.iteration : setup.evaluator.count,
            [
                "best \(best)", "mean \(stats.meanStepTime.map(Units.microseconds) ?? "-")",
                "KL \(Units.format4(stats.meanKL)) (max \(Units.format4(stats.maxKL)))",
                "\(Units.rate(stats.samplesPerSecond)) samples/s",
            ] + workerPart(setup))
    }

    /// With several workers: each one's placements measured, and the failures.
    private func workerPart(_ setup: Setup) -> [String] {
        guard let pool = setup.measuring as? WorkerPool else { return [] }
        let statuses = pool.statuses
        let failed = statuses.failedCount
        return [
            "workers " + statuses.map { String($0.measured) }.joined(separator: "/")
                + (failed > 0 ? ", \(failed) failed" : "")
        ]
    }

    /// The local search's polish of the search's best placement, with its own progress bar; nil
    /// without a budget (`--polish`, by default none on hardware), a best placement, or after a
    /// signal.
    private func polishBest(_ setup: Setup, measured: Int) -> LocalSearch.Outcome? {
        let optimizer = setup.optimizer
        let budget =
            options.plan.map { $0.budget - measured }
            ?? options.polish
            ?? (options.search.measuresOnHardware ? 0 : LocalSearch.simulatorBudget)
        guard budget > 0, Interruption.signal == nil, let time = optimizer.state.bestStepTime
        else { return nil }
        if !options.json {
            Output.error(
                "polishing the best placement: one stage or colocation set at a time, at most \(budget) placements"
            )
        }
        let bar = ProgressLine(mode: setup.progress.mode == .bar ? .bar : .silent, total: budget)
        var drawn = 0.0
        let report = { (now: LocalSearch.Outcome) in
            let clock = MonotonicClock.seconds()
            guard clock - drawn >= 0.1 else { return }
            drawn = clock
            bar.update(
                now.evaluated,
                ["best \(Units.microseconds(now.stepTime))", "\(now.improvements) moves kept"])
        }
        guard
            let outcome = optimizer.polishBest(
                evaluator: setup.evaluator, budget: budget,
                shouldStop: { Interruption.signal != nil }, progress: report)
        else { return nil }
        if drawn > 0 { bar.finish() }
        if !options.json {
            let end =
                outcome.isLocalOptimum
                ? "no single move is faster"
                : Interruption.signal != nil ? "stopped" : "budget spent"
            Output.error(
                "polished: \(Units.microseconds(time)) -> \(Units.microseconds(outcome.stepTime)), "
                    + "\(outcome.improvements) moves kept of \(outcome.evaluated) placements measured (\(end))"
            )
        }
        return outcome
    }

    // MARK: - Files and reports

    /// Writes the placement, the log and reports a failed checkpoint, each whatever became of the
    /// others: one failed write loses no more. Returns the paths not written.
    private func write(_ found: Found, bestAssignment: [Int]?, setup: Setup) -> [String] {
        var unsaved: [String] = []
        let problem = setup.optimizer.problem
        if found.checkpointFailed, let checkpoint = options.search.checkpoint {
            Output.error("error: the last checkpoint could not be written to \(checkpoint)")
            unsaved.append(checkpoint)
        }
        func save(_ path: String, _ write: () throws(InputError) -> Void) {
            do { try write() } catch {
                Output.report(error)
                unsaved.append(path)
            }
        }
        if let out = options.out, let assignment = bestAssignment {
            let placement = Placement(
                graphName: problem.graph.name, clusterName: problem.cluster.name,
                method: options.search.methodName(of: setup.optimizer),
                stepTimeMicroseconds: found.best,
                assignment: assignment)
            save(out) { () throws(InputError) in
                try placement.save(to: out, graph: problem.graph, cluster: problem.cluster)
            }
        }
        if let log = options.log {
            save(log) { () throws(InputError) in try FileIO.writeAtomically(found.csv, to: log) }
        }
        return unsaved
    }

    /// Nothing valid was measured: says so (the warnings gave each failure's reason); the run
    /// fails whether or not a placement was asked for. Returns what was not written.
    private func reportNothingMeasured(_ setup: Setup) -> String {
        let reason = Interruption.signal != nil ? "the run was stopped before any" : "no"
        Output.error(
            "error: \(reason) placement was measured successfully (\(setup.evaluator.count) measured, none valid)"
                + (options.out.map { "; nothing was written to \($0)" } ?? ""))
        return options.out ?? "the best placement"
    }

    /// On hardware, the best placement and every baseline measured again (`--remeasure`).
    private func remeasure(_ bestAssignment: [Int]?, setup: Setup) -> ResultTable.Remeasured? {
        let repeats = options.remeasure
        guard options.search.measuresOnHardware, repeats > 0, Interruption.signal == nil,
            let assignment = bestAssignment
        else { return nil }
        let baselines = setup.baselines
        if !options.json {
            Output.error(
                "measuring the best placement found and the \(baselines.count) baselines \(repeats) more times each"
            )
        }
        let placements =
            [(options.search.methodName(of: setup.optimizer), assignment)]
            + baselines.map { ($0.method, $0.assignment) }
        let runs = Remeasurement.runs(
            of: placements, repeats: repeats, evaluator: setup.measuring,
            shouldStop: { Interruption.signal != nil })
        let medians = runs.map(Remeasurement.median)
        let remeasured = ResultTable.Remeasured(
            repeats: repeats, best: medians[0], baselines: Array(medians.dropFirst()),
            spread: Remeasurement.spread(runs))
        if !options.json, let found = medians[0],
            let (method, time) = remeasured.fastestBaseline(of: baselines), time < found
        {
            Output.error(
                "note: measured again, \(method) (\(Units.microseconds(time))) is faster than the best placement "
                    + "found (\(Units.microseconds(found)))")
        }
        return remeasured
    }

    private func json(_ found: Found, remeasured: ResultTable.Remeasured?, setup: Setup)
        -> JSONValue
    {
        let state = setup.optimizer.state
        return .object([
            ("method", .string(options.search.methodName(of: setup.optimizer))),
            ("evaluation", .string(!options.search.measuresOnHardware ? "simulator" : "command")),
            ("best_step_time_us", found.best.map(JSONValue.number) ?? .null),
            ("sampled_best_step_time_us", found.sampledBest.map(JSONValue.number) ?? .null),
            (
                "polish",
                found.polished.map { outcome in
                    .object([
                        ("evaluated", .number(Double(outcome.evaluated))),
                        ("improvements", .number(Double(outcome.improvements))),
                        ("local_optimum", .bool(outcome.isLocalOptimum)),
                        ("screened", .number(Double(outcome.screened))),
                    ])
                } ?? .null
            ),
            ("warm_start", setup.start.map { .string($0.method) } ?? .null),
            (
                "preference_strength",
                setup.optimizer.configuration.preferenceStrength.map(JSONValue.number) ?? .null
            ),
            (
                "preferences_dropped_at",
                state.preferencesDroppedAt.map { .number(Double($0)) } ?? .null
            ),
            ("lower_bound_us", .number(setup.optimizer.lowerBound)),
            ("iterations", .number(Double(state.iteration))),
            ("samples", .number(Double(state.samplesEvaluated))),
            ("repeated_samples", .number(Double(setup.repeatedSamples))),
            ("placements_measured", .number(Double(setup.evaluator.count))),
            ("search_placements_measured", .number(Double(found.searchMeasured))),
            ("fitted_model_placements_measured", .number(Double(found.fittedModelMeasured))),
            ("ledger", found.ledger.map(Self.ledgerJSON) ?? .null),
            ("best_trace", found.trace.map(Self.traceJSON) ?? .null),
            ("best_finds", found.trace.map(Self.findsJSON) ?? .null),
            ("budget", options.budget.map { .number(Double($0)) } ?? .null),
            ("wall_seconds", .number((found.wall * 1000).rounded() / 1000)),
            (
                "workers",
                (setup.measuring as? WorkerPool).map { pool in
                    .array(
                        pool.statuses.map {
                            .object([
                                ("measured", .number(Double($0.measured))),
                                ("failed", .number(Double($0.failed))),
                            ])
                        })
                } ?? .null
            ),
            ("best_remeasured_us", remeasured.flatMap(\.best).map(JSONValue.number) ?? .null),
            ("measurement_spread", remeasured?.spread.map(JSONValue.number) ?? .null),
            (
                "baselines",
                .array(
                    setup.baselines.enumerated().map { index, baseline in
                        .object([
                            ("method", .string(baseline.method)),
                            ("step_time_us", .number(baseline.stepTime)),
                            (
                                "remeasured_us",
                                remeasured.flatMap { $0.baselines[index] }.map(JSONValue.number)
                                    ?? .null
                            ),
                            ("oom", .bool(baseline.outOfMemory)),
                        ])
                    })
            ),
        ])
    }

    /// The best step time against placements measured: a `[placements, microseconds]` pair per
    /// point of the trace, the run's start first (the microseconds null before any valid one).
    private static func traceJSON(_ trace: BudgetTrace) -> JSONValue {
        .array(
            trace.points.map { point in
                .array([
                    .number(Double(point.measured)), point.best.map(JSONValue.number) ?? .null,
                ])
            })
    }

    /// Each new best of the trace and what found it: placements measured by the end of its
    /// round, its step time, the ledger's part (`found_by`) and the learned iteration or the
    /// climb's move.
    private static func findsJSON(_ trace: BudgetTrace) -> JSONValue {
        .array(
            trace.points.compactMap { point in
                guard let finder = point.foundBy, let part = finder.part, let best = point.best
                else { return nil }
                var fields: [(String, JSONValue)] = [
                    ("placements_measured", .number(Double(point.measured))),
                    ("step_time_us", .number(best)), ("found_by", .string(part.key)),
                ]
                if case .learned(let iteration) = finder {
                    fields.append(("iteration", .number(Double(iteration))))
                }
                if case .climb(let move) = finder { fields.append(("move", .number(Double(move)))) }
                return .object(fields)
            })
    }

    /// Each part of the ledger that measured anything: its key, placements and change to the
    /// best step time as a fraction (negative: faster).
    private static func ledgerJSON(_ ledger: BudgetedSearch.Ledger) -> JSONValue {
        .array(
            ledger.measuredParts.map { part in
                .object([
                    ("part", .string(part.key)),
                    ("placements_measured", .number(Double(ledger[part].measured))),
                    ("step_time_change", .number(ledger[part].change)),
                ])
            })
    }

    private func printSummary(
        _ found: Found, remeasured: ResultTable.Remeasured?, unsaved: [String], setup: Setup
    ) {
        let optimizer = setup.optimizer
        let problem = optimizer.problem
        let repeated = setup.repeatedSamples
        let samples =
            "\(optimizer.state.samplesEvaluated) placements"
            + (repeated > 0 ? " (\(repeated) repeated)" : "")
        let fitted =
            found.fittedModelMeasured > 0
            ? " and \(found.fittedModelMeasured) measuring the fitted simulator's finds" : ""
        let polish = found.polished.map { ", then \($0.evaluated) in the polish\(fitted)," } ?? ""
        let budget = options.budget.map { " of a budget of \($0)" } ?? ""
        Output.line(
            "\(problem.graph.name) (\(problem.graph.count) ops, \(problem.stages.count) stages) on "
                + "\(problem.cluster.name): \(optimizer.state.iteration) iterations, \(samples)\(polish) in "
                + "\(Units.format1(found.wall)) s; \(setup.evaluator.count) placements measured\(budget)"
        )
        print(
            ResultTable.render(
                method: options.search.methodName(of: optimizer), best: found.sampledBest,
                polished: found.polished?.stepTime,
                baselines: setup.baselines, lowerBound: optimizer.lowerBound,
                measured: options.search.measuresOnHardware, remeasured: remeasured), terminator: ""
        )
        if let pool = setup.measuring as? WorkerPool {
            let workers = pool.statuses.enumerated().map { index, worker in
                "\(index): \(worker.measured)"
                    + (worker.failed > 0 ? " (\(worker.failed) failed)" : "")
            }
            Output.line("measured per worker: " + workers.joined(separator: ", "))
        }
        if let ledger = found.ledger {
            Output.line(ledger.headline)
        }
        if let remeasured, let spread = remeasured.spread {
            Output.line(
                "measurement spread \(Units.format1(spread * 100))% run to run (the placements "
                    + "above, \(remeasured.repeats) runs each); which search pays at that: "
                    + "docs/GUIDE.md, \"Budgets of measured placements\"")
        }
        if let out = options.out, found.best != nil, !unsaved.contains(out) {
            Output.line("best placement written to \(out)")
        }
        if let log = options.log, !unsaved.contains(log) {
            Output.line("iteration log written to \(log)")
        }
        if let checkpoint = options.search.checkpoint, !found.checkpointFailed {
            Output.line("checkpoint written to \(checkpoint)")
        }
    }
}
