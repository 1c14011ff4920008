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
            simulator on all cores, or with --evaluate-command on real hardware) and updates the policy. At the end, prints the best placement found against every \
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

    func validate() throws {
        guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
    }

    func run() throws {
        try optimize()
        if let number = Interruption.signal {
            Output.error("stopped early by signal \(number); what the finished iterations found was saved")
            throw ExitCode(128 + number)
        }
    }

    private func optimize() throws {
        let base = try search.problem(graph: graph, cluster: cluster)
        let baselines = Baselines.run(base)
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
            Output.error("starting from \(start.method)'s placement (\(Units.microseconds(start.result.stepTime))) over \(problem.stages.count) stages")
        }
        let methodName = optimizer.configuration.method.rawValue
        let evaluator = search.evaluator(for: problem, onFailure: { reason in Output.error("\nwarning: placement not measured: \(reason)") })
        let progress = ProgressLine(enabled: !json && isatty(STDOUT_FILENO) != 0, total: iterations)
        let started = Date()
        Interruption.install { _ in
            Output.error("\nstopping after the running iteration, then saving what was found (signal again to quit now)")
        }
        var csv = IterationLog.header + optimizer.state.history.map(IterationLog.row).joined()
        while optimizer.state.iteration < iterations && Interruption.signal == nil {
            let stats = optimizer.iterate(evaluator: evaluator)
            csv += IterationLog.row(stats)
            let stopping = Interruption.signal != nil
            if let checkpoint, stats.iteration % checkpointEvery == 0 || stats.iteration == iterations || stopping {
                try Loading.reporting { () throws(InputError) in try Checkpoint.save(optimizer, to: checkpoint) }
            }
            if !json {
                let best = stats.bestSoFar.map(Units.microseconds) ?? "none valid yet"
                progress.update(stats.iteration, "best \(best)  mean \(stats.meanStepTime.map(Units.microseconds) ?? "-")  KL \(Units.format4(stats.meanKL)) (max \(Units.format4(stats.maxKL)))  \(Int(stats.samplesPerSecond)) samples/s")
            }
        }
        progress.finish()
        let wall = Date().timeIntervalSince(started)
        if let log {
            try Loading.reporting { () throws(InputError) in try FileIO.writeAtomically(csv, to: log) }
        }
        let best = optimizer.state.bestStepTime
        if let out, let assignment = optimizer.state.bestAssignment {
            let placement = Placement(graphName: problem.graph.name, clusterName: problem.cluster.name, method: methodName,
                                      stepTimeMicroseconds: best, assignment: assignment)
            try Loading.reporting { () throws(InputError) in try placement.save(to: out, graph: problem.graph, cluster: problem.cluster) }
        }
        if json {
            Output.json(.object([
                ("method", .string(methodName)),
                ("best_step_time_us", best.map(JSONValue.number) ?? .null),
                ("warm_start", start.map { .string($0.method) } ?? .null),
                ("lower_bound_us", .number(optimizer.lowerBound)),
                ("iterations", .number(Double(optimizer.state.iteration))),
                ("samples", .number(Double(optimizer.state.samplesEvaluated))),
                ("wall_seconds", .number((wall * 1000).rounded() / 1000)),
                ("baselines", .array(baselines.map { baseline in
                    .object([("method", .string(baseline.method)), ("step_time_us", .number(baseline.result.stepTime)),
                             ("oom", .bool(baseline.result.outOfMemory))])
                })),
            ]))
            return
        }
        let bound = optimizer.lowerBound
        print("\(problem.graph.name) (\(problem.graph.count) ops, \(problem.stages.count) stages) on \(problem.cluster.name): \(optimizer.state.iteration) iterations, \(optimizer.state.samplesEvaluated) placements in \(Units.format1(wall)) s")
        var table = TextTable(["method", "step time", "x bound", "memory"])
        table.add(["lower bound", Units.microseconds(bound), "1.00", ""])
        for baseline in baselines {
            table.add([baseline.method, Units.microseconds(baseline.result.stepTime), Units.format2(baseline.result.stepTime / bound),
                       baseline.result.outOfMemory ? "OOM" : "ok"])
        }
        table.add([methodName + " (best found)", best.map(Units.microseconds) ?? "none valid",
                   best.map { Units.format2($0 / bound) } ?? "-", best == nil ? "" : "ok"])
        print(table.render(), terminator: "")
        if let out, best != nil { print("best placement written to \(out)") }
        if let log { print("iteration log written to \(log)") }
        if let checkpoint { print("checkpoint written to \(checkpoint)") }
    }
}

/// The per-iteration CSV: one header, one row per iteration.
enum IterationLog {
    static let header = "iteration,mean_step_time_us,best_step_time_us,worst_step_time_us,best_so_far_us,mean_reward,mean_kl,max_kl,beta,entropy,invalid,oom,samples_per_second,evaluation_seconds,policy_seconds\n"

    static func row(_ stats: IterationStats) -> String {
        func number(_ value: Double?) -> String { value.map { JSONWriter.format($0) } ?? "" }
        return [String(stats.iteration), number(stats.meanStepTime), number(stats.bestStepTime), number(stats.worstStepTime),
                number(stats.bestSoFar), number(stats.meanReward), number(stats.meanKL), number(stats.maxKL), number(stats.beta),
                number(stats.entropy), String(stats.invalidSamples), String(stats.outOfMemorySamples),
                number(stats.samplesPerSecond), number(stats.evaluationSeconds), number(stats.policySeconds)].joined(separator: ",") + "\n"
    }
}

/// A one-line progress bar on a terminal; silent otherwise.
struct ProgressLine {
    let enabled: Bool
    let total: Int

    /// Redraws the line, cut to the terminal's width: a line that wrapped could not be redrawn.
    func update(_ done: Int, _ message: String) {
        guard enabled else { return }
        let width = 24
        let filled = total > 0 ? done * width / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\(bar) \(done)/\(total)  \(message)"
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(line.prefix(max(Self.columns() - 1, width)))".utf8))
    }

    /// The terminal's width in columns (80 when it does not say).
    static func columns() -> Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    func finish() {
        if enabled { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}
