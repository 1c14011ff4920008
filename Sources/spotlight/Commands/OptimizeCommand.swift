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
    @Argument(help: "The cluster file.", completion: .file(extensions: ["json"])) var cluster:
        String

    @OptionGroup(title: "Search") var search: SearchOptions
    @Option(help: "Iterations to run (in total, with --resume).") var iterations = 100
    @Option(help: "Write the best placement here.", completion: .file(extensions: ["json"]))
    var out: String?
    @Option(
        help: "Write per-iteration statistics here as CSV.", completion: .file(extensions: ["csv"]))
    var log: String?
    @Flag(help: "Print one JSON object at the end instead of progress and tables.") var json = false
    @Option(
        help: ArgumentHelp(
            "When measuring on hardware: measure the best placement found and every baseline this many more times at the end, and compare their medians (0: skip).",
            discussion:
                "The best of many noisy measurements flatters the placement it picked; fresh runs do not."
        ))
    var remeasure = 3
    @Option(
        help: ArgumentHelp(
            "After the search, how many placements a local search may measure to improve the best one found, moving one stage or colocation set at a time (0: none).",
            discussion:
                "Default: 50000 with the simulator, 0 when measuring on hardware, where each placement is a run."
        ))
    var polish: Int?
    @Option(
        help: ArgumentHelp(
            "Placements to measure in all: the search's samples and confirmations, then the polish's moves (replaces --iterations and --polish).",
            discussion:
                "The heuristics' one measurement each is not counted. On hardware each placement is a run, so this is the cost of the search."
        ))
    var budget: Int?
    @Option(
        help: ArgumentHelp(
            "With --budget: how the search and the local search share it, interleaved or sequential.",
            discussion:
                "interleaved: round by round, to whichever has lately improved the best placement faster; sequential: the search's share, then the polish with the rest."
        ))
    var schedule: BudgetedSearch.Schedule = .interleaved
    @Option(
        help:
            "With --budget: the search's share, the least it gets (interleaved, default 0.1) or what it spends before the polish (sequential, default 0.5)."
    )
    var searchShare: Double?

    func validate() throws {
        if let budget {
            guard budget >= 1 else { throw ValidationError("--budget must be at least 1") }
        }
        guard (0...1).contains(searchShare ?? 0) else {
            throw ValidationError("--search-share must be between 0 and 1")
        }
        if budget != nil && polish != nil {
            throw ValidationError("give --budget or --polish, not both")
        }
        for (option, value) in search.fitOptions
        where value > 0 && (budget == nil || schedule == .sequential) {
            throw ValidationError("\(option) needs --budget and the interleaved schedule")
        }
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        guard remeasure >= 0 else { throw ValidationError("--remeasure must not be negative") }
        guard (polish ?? 0) >= 0 else { throw ValidationError("--polish must not be negative") }
    }

    func run() throws {
        var runner = OptimizeRun(options: self)
        let saved = try runner.run()
        if let number = Interruption.signal {
            Output.error(
                "stopped early by signal \(number); what the finished iterations found was saved")
            throw ExitCode(128 + number)
        }
        if !saved { throw ExitCode.failure }
    }

    /// The budget of measured placements, when one is given; the local search alone spends all of
    /// it on the polish.
    var plan: BudgetedSearch? {
        budget.map { budget in
            let share = search.method == .local ? 0 : searchShare ?? schedule.defaultShare
            return BudgetedSearch(budget: budget, searchShare: share, schedule: schedule)
        }
    }
}

/// The per-iteration CSV: one header, one row per iteration. `measured` is the iteration's own
/// placements; `run_measured`, every placement the run had measured by the iteration's end (the
/// climb's moves under an interleaved budget included; empty for iterations before a resume).
enum IterationLog {
    static let header =
        "iteration,mean_step_time_us,best_step_time_us,worst_step_time_us,best_so_far_us,"
        + "mean_reward,mean_kl,max_kl,beta,entropy,invalid,oom,samples_per_second,"
        + "evaluation_seconds,policy_seconds,repeats,measured,run_measured\n"

    static func row(_ stats: IterationStats, runMeasured: Int? = nil) -> String {
        func number(_ value: Double?) -> String { value.map { JSONWriter.format($0) } ?? "" }
        return [
            String(stats.iteration), number(stats.meanStepTime), number(stats.bestStepTime),
            number(stats.worstStepTime),
            number(stats.bestSoFar), number(stats.meanReward), number(stats.meanKL),
            number(stats.maxKL), number(stats.beta),
            number(stats.entropy), String(stats.invalidSamples), String(stats.outOfMemorySamples),
            number(stats.samplesPerSecond), number(stats.evaluationSeconds),
            number(stats.policySeconds),
            String(stats.repeatedSamples), String(stats.placementsMeasured),
            runMeasured.map(String.init) ?? "",
        ].joined(separator: ",") + "\n"
    }
}

/// The table `optimize` ends with: the best placement found against every heuristic baseline.
enum ResultTable {
    /// Medians of fresh measurements at the end: of the best placement found, and of each baseline.
    struct Remeasured {
        var repeats: Int
        var best: Double?
        var baselines: [Double?]
        /// How much a placement's time varied from run to run (`Remeasurement.spread`).
        var spread: Double?

        /// The method and median of the baseline measured fastest; `baselines` are the results
        /// the medians were taken of, in the same order.
        func fastestBaseline(of results: [BaselineResult]) -> (method: String, time: Double)? {
            zip(results, baselines).compactMap { result, time in time.map { (result.method, $0) } }
                .min { $0.time < $1.time }
        }
    }

    /// With simulated times, against the lower bound too. With `measured` times (an evaluate
    /// command's), against the fastest heuristic instead: the simulator's bound is for the cluster
    /// file's devices, not the hardware that was measured. With `remeasured` medians, the
    /// comparison is between those. With `polished`, the search's best sample and the placement
    /// the local search made of it are rows of their own; the last row is what was kept.
    static func render(
        method: String, best: Double?, polished: Double? = nil, baselines: [BaselineResult],
        lowerBound: Double, measured: Bool,
        remeasured: Remeasured? = nil
    ) -> String {
        let found: [(name: String, time: Double?)] =
            polished.map { [(method + " (best sampled)", best), (method + " + local search", $0)] }
            ?? [(method + " (best found)", best)]
        guard measured else {
            return simulatedTable(found: found, baselines: baselines, lowerBound: lowerBound)
        }
        return measuredTable(found: found, baselines: baselines, remeasured: remeasured)
            + "(measured on hardware; the simulator's lower bound, "
            + "\(Units.microseconds(lowerBound)), is for the cluster file's devices)\n"
    }

    /// Simulated times: the lower bound, each baseline and what was found, against the bound.
    private static func simulatedTable(
        found: [(name: String, time: Double?)], baselines: [BaselineResult], lowerBound: Double
    ) -> String {
        var table = TextTable(["method", "step time", "x bound", "memory"])
        table.add(["lower bound", Units.microseconds(lowerBound), "1.00", ""])
        for baseline in baselines {
            table.add([
                baseline.method, Units.microseconds(baseline.stepTime),
                Units.format2(baseline.stepTime / lowerBound),
                baseline.outOfMemory ? "OOM" : "ok",
            ])
        }
        for row in found {
            table.add([
                row.name, row.time.map(Units.microseconds) ?? "none valid",
                row.time.map { Units.format2($0 / lowerBound) } ?? "-",
                row.time == nil ? "" : "ok",
            ])
        }
        return table.render()
    }

    /// Measured times against the fastest heuristic, with the medians of fresh runs when there
    /// are some (then those are compared); only the placement kept is measured again.
    private static func measuredTable(
        found: [(name: String, time: Double?)], baselines: [BaselineResult],
        remeasured: Remeasured?
    ) -> String {
        let compared = remeasured?.baselines ?? baselines.map { $0.outOfMemory ? nil : $0.stepTime }
        let fastest = compared.compactMap { $0 }.min()
        func relative(_ time: Double?) -> String {
            time.flatMap { time in fastest.map { Units.format2(time / $0) } } ?? "-"
        }
        let again = remeasured.map { ["median of \($0.repeats) more"] } ?? []
        var table = TextTable(
            ["method", remeasured == nil ? "measured step time" : "measured"] + again + [
                "x fastest heuristic"
            ])
        for (index, baseline) in baselines.enumerated() {
            let median =
                remeasured.map { [$0.baselines[index].map(Units.microseconds) ?? "none valid"] }
                ?? []
            let time =
                baseline.outOfMemory ? "out of memory" : Units.microseconds(baseline.stepTime)
            table.add([baseline.method, time] + median + [relative(compared[index])])
        }
        for (index, row) in found.enumerated() {
            let kept = index == found.count - 1
            let median =
                remeasured.map { [kept ? $0.best.map(Units.microseconds) ?? "none valid" : "-"] }
                ?? []
            let figure =
                kept ? remeasured.map(\.best) ?? row.time : remeasured == nil ? row.time : nil
            table.add(
                [row.name, row.time.map(Units.microseconds) ?? "none valid"] + median
                    + [relative(figure)])
        }
        return table.render()
    }
}

/// Progress, one iteration at a time: a bar redrawn in place on a terminal, plain lines otherwise
/// (a log file, a pipe), or nothing.
struct ProgressLine {
    enum Mode { case bar, lines, silent }

    let mode: Mode
    let total: Int
    /// What the count is of, as the line-by-line mode names it.
    var unit = "iteration"

    /// Redraws the bar within the terminal's width (a line that wrapped could not be redrawn), or
    /// writes a line at once, unbuffered, for whoever follows the output. `parts` come most
    /// important first.
    func update(_ done: Int, _ parts: [String]) {
        switch mode {
        case .silent: return
        case .lines:
            FileHandle.standardOutput.write(
                Data("\(unit) \(done)/\(total)  \(parts.joined(separator: "  "))\n".utf8))
        case .bar:
            let line = Self.barLine(
                done: done, total: total, parts: parts, columns: Self.columns() - 1)
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
                let line =
                    String(repeating: "█", count: filled)
                    + String(repeating: "░", count: cells - filled) + counter + text
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
