import ArgumentParser
import Foundation
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Search for a fast placement with Spotlight or the policy gradient, headless.",
        discussion: """
            Each iteration samples --samples placements from the policy, measures them (with the \
            simulator on all cores, or on real hardware with --evaluate-command or --evaluate-server) and updates the policy. At the end, prints the best placement found against every \
            heuristic baseline and the lower bound. --log writes one CSV row per iteration.
            """
    )

    @Argument(help: "The graph file.", completion: .file(extensions: ["json"])) var graph: String
    @Argument(help: "The cluster file.", completion: .file(extensions: ["json"])) var cluster: String

    @OptionGroup(title: "Search") var search: SearchOptions
    @Option(help: "Iterations to run (in total, with --resume).") var iterations = 100
    @Option(help: "Write the best placement here.", completion: .file(extensions: ["json"])) var out: String?
    @Option(help: "Write per-iteration statistics here as CSV.", completion: .file(extensions: ["csv"])) var log: String?
    @Flag(help: "Print one JSON object at the end instead of progress and tables.") var json = false
    @Option(help: ArgumentHelp("When measuring on hardware: measure the best placement found and every baseline this many more times at the end, and compare their medians (0: skip).",
                               discussion: "The best of many noisy measurements flatters the placement it picked; fresh runs do not."))
    var remeasure = 3
    @Option(help: ArgumentHelp("After the search, how many placements a local search may measure to improve the best one found, moving one stage or colocation set at a time (0: none).",
                               discussion: "Default: 50000 with the simulator, 0 when measuring on hardware, where each placement is a run."))
    var polish: Int?
    @Option(help: ArgumentHelp("Placements to measure in all: the search's samples and confirmations, then the polish's moves (replaces --iterations and --polish).",
                               discussion: "The heuristics' one measurement each is not counted. On hardware each placement is a run, so this is the cost of the search."))
    var budget: Int?
    @Option(help: ArgumentHelp("With --budget: how the search and the local search share it, interleaved or sequential.",
                               discussion: "interleaved: round by round, to whichever has lately improved the best placement faster; sequential: the search's share, then the polish with the rest."))
    var schedule: BudgetedSearch.Schedule = .interleaved
    @Option(help: "With --budget: the search's share, the least it gets (interleaved, default 0.1) or what it spends before the polish (sequential, default 0.5).")
    var searchShare: Double?

    func validate() throws {
        if let budget { guard budget >= 1 else { throw ValidationError("--budget must be at least 1") } }
        guard (0...1).contains(searchShare ?? 0) else { throw ValidationError("--search-share must be between 0 and 1") }
        if budget != nil && polish != nil { throw ValidationError("give --budget or --polish, not both") }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard remeasure >= 0 else { throw ValidationError("--remeasure must not be negative") }
        guard (polish ?? 0) >= 0 else { throw ValidationError("--polish must not be negative") }
    }

    func run() throws {
        let saved = try optimize()
        if let number = Interruption.signal {
            Output.error("stopped early by signal \(number); what the finished iterations found was saved")
            throw ExitCode(128 + number)
        }
        if !saved { throw ExitCode.failure }
    }

    /// The local search's polish of the search's best placement, with its own progress bar; nil
    /// without a budget (`--polish`, by default none on hardware), a best placement, or after a signal.
    private func polishBest(of optimizer: Optimizer, evaluator: any Evaluator, bar drawsBar: Bool, measured: Int) -> LocalSearch.Outcome? {
        let budget = plan.map { $0.budget - measured - optimizer.configuration.confirmations }
            ?? polish ?? (search.measuresOnHardware ? 0 : LocalSearch.simulatorBudget)
        guard budget > 0, Interruption.signal == nil, let assignment = optimizer.state.bestAssignment, let time = optimizer.state.bestStepTime else {
            return nil
        }
        if !json { Output.error("polishing the best placement: one stage or colocation set at a time, at most \(budget) placements") }
        let bar = ProgressLine(mode: drawsBar ? .bar : .silent, total: budget)
        var drawn = 0.0
        let outcome = LocalSearch(problem: optimizer.problem, opPins: optimizer.state.opPins).polish(
            assignment, stepTime: time, evaluator: evaluator, budget: budget, seed: optimizer.configuration.seed,
            confirmations: optimizer.configuration.confirmations, method: optimizer.configuration.method.rawValue,
            measured: optimizer.state.measured, shouldStop: { Interruption.signal != nil }) { now in
                let clock = MonotonicClock.seconds()
                guard clock - drawn >= 0.1 else { return }
                drawn = clock
                bar.update(now.evaluated, ["best \(Units.microseconds(now.stepTime))", "\(now.improvements) moves kept"])
            }
        if drawn > 0 { bar.finish() }
        if !json {
            let end = outcome.isLocalOptimum ? "no single move is faster" : Interruption.signal != nil ? "stopped" : "budget spent"
            Output.error("polished: \(Units.microseconds(time)) -> \(Units.microseconds(outcome.stepTime)), \(outcome.improvements) moves kept of \(outcome.evaluated) placements measured (\(end))")
        }
        return outcome
    }

    /// The budget of measured placements, when one is given; the local search alone spends all of
    /// it on the polish.
    private var plan: BudgetedSearch? {
        budget.map { budget in
            let share = search.method == .local ? 0 : searchShare ?? schedule.defaultShare
            return BudgetedSearch(budget: budget, searchShare: share, schedule: schedule)
        }
    }

    /// Whether the search runs another iteration, `measured` placements into it.
    private func searchGoesOn(_ optimizer: Optimizer, measured: Int) -> Bool {
        if let plan { return plan.fitsIteration(of: optimizer, measured: measured) }
        return search.method != .local && optimizer.state.iteration < iterations
    }

    /// The interleaved schedule's rounds, when the budget is shared that way.
    private func interleaving(_ optimizer: Optimizer) -> BudgetedSearch.Interleaving? {
        guard let plan, plan.schedule == .interleaved, plan.searchShare > 0 else { return nil }
        return BudgetedSearch.Interleaving(plan: plan, optimizer: optimizer)
    }

    /// The next iteration's statistics: the search's own, or the interleaved schedule's next
    /// learned round (its climb's rounds reported on `progress` on the way); nil at the end.
    private func nextIteration(_ optimizer: inout Optimizer, _ rounds: inout BudgetedSearch.Interleaving?,
                               evaluator: CountingEvaluator, progress: ProgressLine) -> IterationStats? {
        guard rounds != nil else {
            guard searchGoesOn(optimizer, measured: evaluator.count) else { return nil }
            return optimizer.iterate(evaluator: evaluator)
        }
        while Interruption.signal == nil, let round = rounds!.round(&optimizer, evaluator: evaluator) {
            switch round {
            case .learned(let stats): return stats
            case .climbed(let climb):
                progress.update(evaluator.count, ["best \(Units.microseconds(optimizer.state.bestStepTime ?? climb.stepTime))",
                                                  "\(climb.improvements) moves kept by the local search"])
            }
        }
        return nil
    }

    /// Runs the search and reports it; returns false when a file it was asked to write could not be.
    private func optimize() throws -> Bool {
        try Loading.checkWritable(out, log, search.checkpoint)
        let base = try search.problem(graph: graph, cluster: cluster)
        let progress = ProgressLine(mode: json ? .silent : isatty(STDOUT_FILENO) != 0 ? .bar : .lines,
                                    total: plan.map { $0.schedule == .interleaved ? $0.budget : $0.searchBudget } ?? iterations)
        // A message in the middle of the progress bar starts a line of its own.
        let lineBreak = progress.mode == .bar ? "\n" : ""
        let measuring = search.evaluator(for: base, onFailure: { reason in
            Output.error("\(lineBreak)warning: placement not measured: \(reason)")
        })
        let baselines = search.baselines(for: base, evaluator: measuring, announce: !json)
        // Every placement the search and the polish measure, against the budget.
        let evaluator = CountingEvaluator(measuring)
        var (optimizer, start) = try search.optimizer(for: base, baselines: baselines)
        let problem = optimizer.problem
        let checkpoint = search.checkpoint, checkpointEvery = search.checkpointEvery
        if search.resume, let checkpoint {
            if !json {
                let settings = optimizer.configuration
                Output.error("resuming a \(settings.method.rawValue) run (\(settings.samples) samples per iteration, hidden size \(settings.hiddenSize)) at iteration \(optimizer.state.iteration) from \(checkpoint); its settings replace the command line's")
            }
        }
        if let start, !json {
            Output.error("starting from \(start.method)'s placement (\(Units.microseconds(start.stepTime))) over \(problem.stages.count) stages")
        }
        let methodName = search.method == .local ? "local" : optimizer.configuration.method.rawValue
        let started = Date()
        Interruption.install { _ in
            Output.error("\nstopping after the running iteration, then saving what was found (signal again to quit now)")
        }
        var csv = IterationLog.header + optimizer.state.history.map(IterationLog.row).joined()
        // A checkpoint that cannot be written (a full disk) stops neither the search nor the
        // writes at the end: it is reported when it starts failing, tried again at the next one,
        // and fails the run only if the last attempt failed.
        var checkpointFailed = false
        var rounds = interleaving(optimizer)
        while Interruption.signal == nil,
              let stats = nextIteration(&optimizer, &rounds, evaluator: evaluator, progress: progress) {
            csv += IterationLog.row(stats)
            let stopping = Interruption.signal != nil
            if let checkpoint, stats.iteration % checkpointEvery == 0 || stats.iteration == iterations || stopping {
                do {
                    try Checkpoint.save(optimizer, to: checkpoint)
                    if checkpointFailed { Output.error("\(lineBreak)checkpoint saved again to \(checkpoint)") }
                    checkpointFailed = false
                } catch {
                    if !checkpointFailed { Output.error("\(lineBreak)warning: checkpoint not saved (the search goes on): \(error)") }
                    checkpointFailed = true
                }
            }
            let best = stats.bestSoFar.map(Units.microseconds) ?? "none valid yet"
            progress.update(plan == nil ? stats.iteration : evaluator.count, ["best \(best)", "mean \(stats.meanStepTime.map(Units.microseconds) ?? "-")",
                                              "KL \(Units.format4(stats.meanKL)) (max \(Units.format4(stats.maxKL)))",
                                              "\(Units.rate(stats.samplesPerSecond)) samples/s"])
        }
        progress.finish()
        let sampledBest = rounds.map { $0.searchBest.map { min($0, start?.stepTime ?? $0) } ?? start?.stepTime }
            ?? optimizer.state.bestStepTime
        let searchMeasured = rounds?.searchMeasured ?? evaluator.count
        let polished = rounds != nil ? rounds?.climbOutcome
            : polishBest(of: optimizer, evaluator: evaluator, bar: progress.mode == .bar, measured: searchMeasured)
        let wall = Date().timeIntervalSince(started)
        let best = polished?.stepTime ?? sampledBest
        let bestAssignment = polished?.assignment ?? optimizer.state.bestAssignment
        // The placement first, and each file whatever became of the other: one failed write loses no more.
        var unsaved: [String] = []
        if checkpointFailed, let checkpoint {
            Output.error("error: the last checkpoint could not be written to \(checkpoint)")
            unsaved.append(checkpoint)
        }
        func save(_ path: String, _ write: () throws(InputError) -> Void) {
            do { try write() } catch { Output.report(error); unsaved.append(path) }
        }
        if let out, let assignment = bestAssignment {
            let placement = Placement(graphName: problem.graph.name, clusterName: problem.cluster.name, method: methodName,
                                      stepTimeMicroseconds: best, assignment: assignment)
            save(out) { () throws(InputError) in try placement.save(to: out, graph: problem.graph, cluster: problem.cluster) }
        }
        if let log { save(log) { () throws(InputError) in try FileIO.writeAtomically(csv, to: log) } }
        if bestAssignment == nil {
            // Nothing valid was measured: say so (the warnings above gave each failure's reason)
            // and fail the run, whether or not a placement was asked for.
            let reason = Interruption.signal != nil ? "the run was stopped before any" : "no"
            Output.error("error: \(reason) placement was measured successfully (\(evaluator.count) measured, none valid)"
                         + (out.map { "; nothing was written to \($0)" } ?? ""))
            unsaved.append(out ?? "the best placement")
        }
        var remeasured: ResultTable.Remeasured?
        if search.measuresOnHardware, remeasure > 0, Interruption.signal == nil, let assignment = bestAssignment {
            if !json { Output.error("measuring the best placement found and the \(baselines.count) baselines \(remeasure) more times each") }
            let medians = Remeasurement.medians(of: [(methodName, assignment)] + baselines.map { ($0.method, $0.assignment) }, repeats: remeasure, evaluator: measuring,
                                                shouldStop: { Interruption.signal != nil })
            remeasured = ResultTable.Remeasured(repeats: remeasure, best: medians[0], baselines: Array(medians.dropFirst()))
            if !json, let found = medians[0], let (method, time) = remeasured?.fastestBaseline(of: baselines), time < found {
                Output.error("note: measured again, \(method) (\(Units.microseconds(time))) is faster than the best placement found (\(Units.microseconds(found)))")
            }
        }
        let repeated = optimizer.state.history.reduce(0) { $0 + $1.repeatedSamples }
        if json {
            Output.json(.object([
                ("method", .string(methodName)),
                ("evaluation", .string(!search.measuresOnHardware ? "simulator" : "command")),
                ("best_step_time_us", best.map(JSONValue.number) ?? .null),
                ("sampled_best_step_time_us", sampledBest.map(JSONValue.number) ?? .null),
                ("polish", polished.map { outcome in
                    .object([("evaluated", .number(Double(outcome.evaluated))), ("improvements", .number(Double(outcome.improvements))),
                             ("local_optimum", .bool(outcome.isLocalOptimum))])
                } ?? .null),
                ("warm_start", start.map { .string($0.method) } ?? .null),
                ("lower_bound_us", .number(optimizer.lowerBound)),
                ("iterations", .number(Double(optimizer.state.iteration))),
                ("samples", .number(Double(optimizer.state.samplesEvaluated))),
                ("repeated_samples", .number(Double(repeated))),
                ("placements_measured", .number(Double(evaluator.count))),
                ("search_placements_measured", .number(Double(searchMeasured))),
                ("budget", budget.map { .number(Double($0)) } ?? .null),
                ("wall_seconds", .number((wall * 1000).rounded() / 1000)),
                ("best_remeasured_us", remeasured.flatMap(\.best).map(JSONValue.number) ?? .null),
                ("baselines", .array(baselines.enumerated().map { index, baseline in
                    .object([("method", .string(baseline.method)), ("step_time_us", .number(baseline.stepTime)),
                             ("remeasured_us", remeasured.flatMap { $0.baselines[index] }.map(JSONValue.number) ?? .null),
                             ("oom", .bool(baseline.outOfMemory))])
                })),
            ]))
            return unsaved.isEmpty
        }
        Output.line("\(problem.graph.name) (\(problem.graph.count) ops, \(problem.stages.count) stages) on \(problem.cluster.name): \(optimizer.state.iteration) iterations, \(optimizer.state.samplesEvaluated) placements\(repeated > 0 ? " (\(repeated) repeated)" : "")\(polished.map { ", then \($0.evaluated) in the polish," } ?? "") in \(Units.format1(wall)) s; \(evaluator.count) placements measured\(budget.map { " of a budget of \($0)" } ?? "")")
        print(ResultTable.render(method: methodName, best: sampledBest, polished: polished?.stepTime, baselines: baselines, lowerBound: optimizer.lowerBound,
                                 measured: search.measuresOnHardware, remeasured: remeasured), terminator: "")
        if let out, best != nil, !unsaved.contains(out) { Output.line("best placement written to \(out)") }
        if let log, !unsaved.contains(log) { Output.line("iteration log written to \(log)") }
        if let checkpoint, !checkpointFailed { Output.line("checkpoint written to \(checkpoint)") }
        return unsaved.isEmpty
    }
}

/// The per-iteration CSV: one header, one row per iteration.
enum IterationLog {
    static let header = "iteration,mean_step_time_us,best_step_time_us,worst_step_time_us,best_so_far_us,mean_reward,mean_kl,max_kl,beta,entropy,invalid,oom,samples_per_second,evaluation_seconds,policy_seconds,repeats,measured\n"

    static func row(_ stats: IterationStats) -> String {
        func number(_ value: Double?) -> String { value.map { JSONWriter.format($0) } ?? "" }
        return [String(stats.iteration), number(stats.meanStepTime), number(stats.bestStepTime), number(stats.worstStepTime),
                number(stats.bestSoFar), number(stats.meanReward), number(stats.meanKL), number(stats.maxKL), number(stats.beta),
                number(stats.entropy), String(stats.invalidSamples), String(stats.outOfMemorySamples),
                number(stats.samplesPerSecond), number(stats.evaluationSeconds), number(stats.policySeconds),
                String(stats.repeatedSamples), String(stats.placementsMeasured)].joined(separator: ",") + "\n"
    }
}

/// The table `optimize` ends with: the best placement found against every heuristic baseline.
enum ResultTable {
    /// Medians of fresh measurements at the end: of the best placement found, and of each baseline.
    struct Remeasured {
        var repeats: Int
        var best: Double?
        var baselines: [Double?]

        /// The method and median of the baseline measured fastest; `baselines` are the results
        /// the medians were taken of, in the same order.
        func fastestBaseline(of results: [BaselineResult]) -> (method: String, time: Double)? {
            zip(results, baselines).compactMap { result, time in time.map { (result.method, $0) } }.min { $0.time < $1.time }
        }
    }

    /// With simulated times, against the lower bound too. With `measured` times (an evaluate
    /// command's), against the fastest heuristic instead: the simulator's bound is for the cluster
    /// file's devices, not the hardware that was measured. With `remeasured` medians, the
    /// comparison is between those. With `polished`, the search's best sample and the placement
    /// the local search made of it are rows of their own; the last row is what was kept.
    static func render(method: String, best: Double?, polished: Double? = nil, baselines: [BaselineResult], lowerBound: Double, measured: Bool,
                       remeasured: Remeasured? = nil) -> String {
        let found: [(name: String, time: Double?)] = polished.map { [(method + " (best sampled)", best), (method + " + local search", $0)] }
            ?? [(method + " (best found)", best)]
        guard measured else {
            var table = TextTable(["method", "step time", "x bound", "memory"])
            table.add(["lower bound", Units.microseconds(lowerBound), "1.00", ""])
            for baseline in baselines {
                table.add([baseline.method, Units.microseconds(baseline.stepTime), Units.format2(baseline.stepTime / lowerBound),
                           baseline.outOfMemory ? "OOM" : "ok"])
            }
            for row in found {
                table.add([row.name, row.time.map(Units.microseconds) ?? "none valid", row.time.map { Units.format2($0 / lowerBound) } ?? "-",
                           row.time == nil ? "" : "ok"])
            }
            return table.render()
        }
        let note = "(measured on hardware; the simulator's lower bound, \(Units.microseconds(lowerBound)), is for the cluster file's devices)\n"
        // The figures compared: the medians of the fresh runs when there are some, else the first measurements.
        let compared = remeasured?.baselines ?? baselines.map { $0.outOfMemory ? nil : $0.stepTime }
        let fastest = compared.compactMap { $0 }.min()
        func relative(_ time: Double?) -> String { time.flatMap { time in fastest.map { Units.format2(time / $0) } } ?? "-" }
        let again = remeasured.map { ["median of \($0.repeats) more"] } ?? []
        var table = TextTable(["method", remeasured == nil ? "measured step time" : "measured"] + again + ["x fastest heuristic"])
        for (index, baseline) in baselines.enumerated() {
            let median = remeasured.map { [$0.baselines[index].map(Units.microseconds) ?? "none valid"] } ?? []
            table.add([baseline.method, baseline.outOfMemory ? "out of memory" : Units.microseconds(baseline.stepTime)] + median
                      + [relative(compared[index])])
        }
        // Only the placement kept is measured again.
        for (index, row) in found.enumerated() {
            let kept = index == found.count - 1
            let median = remeasured.map { [kept ? $0.best.map(Units.microseconds) ?? "none valid" : "-"] } ?? []
            table.add([row.name, row.time.map(Units.microseconds) ?? "none valid"] + median
                      + [relative(kept ? remeasured.map(\.best) ?? row.time : remeasured == nil ? row.time : nil)])
        }
        return table.render() + note
    }
}

/// Progress, one iteration at a time: a bar redrawn in place on a terminal, plain lines otherwise
/// (a log file, a pipe), or nothing.
struct ProgressLine {
    enum Mode { case bar, lines, silent }

    let mode: Mode
    let total: Int

    /// Redraws the bar within the terminal's width (a line that wrapped could not be redrawn), or
    /// writes a line at once, unbuffered, for whoever follows the output. `parts` come most
    /// important first.
    func update(_ done: Int, _ parts: [String]) {
        switch mode {
        case .silent: return
        case .lines:
            FileHandle.standardOutput.write(Data("iteration \(done)/\(total)  \(parts.joined(separator: "  "))\n".utf8))
        case .bar:
            let line = Self.barLine(done: done, total: total, parts: parts, columns: Self.columns() - 1)
            FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(line)".utf8))
        }
    }

    /// The bar and as many leading `parts` as fit in `columns`: the bar narrows from 24 cells to
    /// 8 before a part is left out, so a narrow terminal loses the rate before the best time and
    /// never shows half a part.
    static func barLine(done: Int, total: Int, parts: [String], columns: Int) -> String {
        let counter = " \(done)/\(total)"
        var kept = max(parts.count, 1)
        while true {
            let text = parts.prefix(kept).map { "  " + $0 }.joined()
            let width = min(24, columns - counter.count - text.count)
            if width >= 8 || kept == 1 {
                let cells = max(width, 0)
                let filled = total > 0 ? min(done, total) * cells / total : cells
                let line = String(repeating: "█", count: filled) + String(repeating: "░", count: cells - filled) + counter + text
                return String(line.prefix(max(columns, 0)))
            }
            kept -= 1
        }
    }

    /// The terminal's width in columns (80 when it does not say).
    static func columns() -> Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    func finish() {
        if mode == .bar { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}
