import ArgumentParser
import Foundation
import SpotlightExplorer
import SpotlightModel
import SpotlightSearch
import SpotlightTerminal

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Watch and steer the search live in the terminal (the default command).",
        discussion: """
            Opens the explorer: the op graph coloured by device, per-device load, the reward and KL \
            curves against the baselines, and an inspector with the policy's probabilities for the \
            selected stage. Space pauses, 1-9 pins the selected stage or op to a device, s saves the \
            best placement, ? lists every key. Without GRAPH and CLUSTER it opens the default sample \
            (samples/\(Resources.defaultGraph) on samples/\(Resources.defaultCluster)). It needs a \
            terminal; to search without one, use `spotlight optimize`.
            """
    )

    @Argument(
        help: "The graph file (default: the sample workload).",
        completion: .file(extensions: ["json"])) var graph: String?
    @Argument(
        help: "The cluster file (default: the sample cluster).",
        completion: .file(extensions: ["json"])) var cluster: String?

    @OptionGroup(title: "Search") var search: SearchOptions
    @Option(
        help:
            "Stop the search by itself after this many iterations in total (default: run until quit)."
    ) var iterations: Int?
    @Option(
        help: "Where s saves the best placement (default: GRAPH-NAME.best.placement.json here).",
        completion: .file(extensions: ["json"]))
    var out: String?
    @Option(
        help:
            "Where e saves the Chrome trace of the best placement (default: GRAPH-NAME.best.trace.json here).",
        completion: .file(extensions: ["json"]))
    var trace: String?
    @Option(
        help:
            "Pins to load at the start (spotlight.pins/1) and where P saves them (default: GRAPH-NAME.pins.json here).",
        completion: .file(extensions: ["json"]))
    var pins: String?
    @Option(help: "The theme to start with (t cycles through them).") var theme: String?
    @Option(
        help: "Read themes from this directory (default: the themes/ shipped with Spotlight).",
        completion: .directory) var themesDir: String?

    func validate() throws {
        if let iterations {
            guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        }
        if (graph == nil) != (cluster == nil) {
            throw ValidationError("give both a graph and a cluster, or neither for the sample")
        }
        if search.method == .local {
            throw ValidationError(
                "the explorer runs a learned search: use --method spotlight or pg (and p to polish), or optimize --method local"
            )
        }
    }

    /// Fails, pointing to `optimize`, when the terminal cannot draw the explorer.
    private func requireUsableTerminal() throws {
        do {
            try Terminal.checkUsable()
        } catch {
            Output.error(
                "error: \(error); use `spotlight optimize GRAPH CLUSTER` to search without the explorer"
            )
            throw ExitCode.failure
        }
    }

    func run() throws {
        guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
            Output.error(
                "error: the explorer needs a terminal, and standard \(isatty(STDOUT_FILENO) == 0 ? "output" : "input") is not one; use `spotlight optimize GRAPH CLUSTER` to search without it"
            )
            throw ExitCode.failure
        }
        try requireUsableTerminal()
        try Loading.checkWritable(out, trace, search.checkpoint)
        let (graphPath, clusterPath) = try files()
        let base = try search.problem(graph: graphPath, cluster: clusterPath)
        // The last reason a measuring command failed, for the footer (printing it would scribble over the screen).
        let failures = Mailbox<String>()
        let evaluator = search.evaluator(for: base, onFailure: { failures.put($0) })
        let baselines = search.baselines(for: base, evaluator: evaluator, announce: true)
        var optimizer = try search.optimizer(for: base, baselines: baselines).0
        let problem = optimizer.problem
        if let pins, FileManager.default.fileExists(atPath: pins) {
            try Loading.reporting { () throws(InputError) in
                try PinsFile.load(pins, problem: problem)
            }.apply(to: &optimizer)
        }
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        let themes = ThemeCatalog.load(
            directory: themesDir ?? Resources.directory("themes", containing: "dark.theme"))
        var themeIndex = themes.index(named: "dark") ?? 0
        if let theme {
            guard let index = themes.index(named: theme) else {
                themes.problems.forEach { Output.error("error: \($0)") }
                Output.error(
                    "error: no theme called \"\(theme)\"; the themes are \(themes.names.joined(separator: ", "))"
                )
                throw ExitCode.failure
            }
            themeIndex = index
        }

        let actor = OptimizerActor(
            optimizer: optimizer, evaluator: evaluator, iterationLimit: iterations,
            checkpointPath: search.checkpoint, checkpointEvery: search.checkpointEvery)
        let stem =
            problem.graph.name.isEmpty
            ? "spotlight" : problem.graph.name.replacingOccurrences(of: "/", with: "_")
        let session = ExplorerSession(
            actor: actor, problem: problem, methodName: optimizer.configuration.method.rawValue,
            placementPath: out ?? "\(stem).best.placement.json",
            tracePath: trace ?? "\(stem).best.trace.json",
            pinsPath: pins ?? "\(stem).pins.json")
        let model = ExplorerModel(
            optimizer: optimizer, graphLabel: (graphPath as NSString).lastPathComponent,
            clusterLabel: (clusterPath as NSString).lastPathComponent,
            measured: search.measuresOnHardware)
        var state = ExplorerState(
            model: model, themes: themes, themeIndex: themeIndex, colorEnabled: !noColor)
        state.baselines = baselines.map {
            BaselineSummary(
                method: $0.method, stepTime: $0.stepTime, outOfMemory: $0.outOfMemory,
                assignment: $0.assignment, deviceBusy: $0.result.deviceBusy)
        }
        if let problem = themes.problems.first {
            state.message = StatusMessage("skipped a theme file: \(problem)", isError: true)
        }

        let terminal = Terminal()
        do {
            try terminal.start(color: !noColor)
        } catch {
            Output.error("error: \(error)")
            throw ExitCode.failure
        }
        try requireUsableTerminal()
        session.start()
        let exit = ExplorerLoop.run(
            state: &state, session: session, terminal: terminal, failures: { failures.take() })
        terminal.stop()

        if let checkpoint = search.checkpoint {
            Interruption.install(onFirst: nil)
            Output.line(
                "finishing the running iteration to save the checkpoint in \(checkpoint)… (Ctrl-C to quit without it)"
            )
            session.stopAndWait()
            // A signal stops the measurement, which can end the wait before the handler exits.
            if let number = Interruption.signal { throw ExitCode(128 + number) }
        }
        let snapshot = session.currentSnapshot()
        let best =
            snapshot.bestStepTime.map { time in
                model.lowerBound.map {
                    "best step time \(Units.microseconds(time)) (lower bound \(Units.microseconds($0)))"
                }
                    ?? "best measured step time \(Units.microseconds(time))"
            } ?? "no valid placement found"
        let pinned =
            snapshot.unpinnedBestStepTime.map {
                " with the pins; \(Units.microseconds($0)) without them"
            } ?? ""
        Output.line(
            "\(snapshot.iteration) iterations, \(snapshot.samplesEvaluated) placements: \(best)\(pinned)"
        )
        if case .signal(let number) = exit { throw ExitCode(128 + number) }
        if let failure = snapshot.checkpointFailure {
            Output.report(failure)
            throw ExitCode.failure
        }
        try requireUsableTerminal()
    }

    /// The graph and cluster given, or the default sample's.
    private func files() throws -> (String, String) {
        if let graph, let cluster { return (graph, cluster) }
        return try Resources.defaultSample()
    }
}
