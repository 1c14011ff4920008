import ArgumentParser
import Foundation
import SpotlightExplorer
import SpotlightModel
import SpotlightSearch
import SpotlightTerminal

/// One session of `explore`, from the options: check the terminal, set up the search, the pins
/// and the themes, run the explorer's loop until the person quits, then save the checkpoint and
/// report what the search found.
struct ExploreRun {
    let options: ExploreCommand

    /// What the set-up made.
    private struct Setup {
        var session: ExplorerSession
        var model: ExplorerModel
        var state: ExplorerState
        /// The last reason a measuring command failed, for the footer (printing it would
        /// scribble over the screen).
        var failures: Mailbox<String>
        /// The measuring workers, with `--evaluate-workers` above 1.
        var pool: WorkerPool?
    }

    func run() throws {
        try requireTerminal()
        try Loading.checkWritable(options.out, options.trace, options.search.checkpoint)
        var setup = try makeSetup()
        let noColor = Self.noColor
        let terminal = Terminal()
        do {
            try terminal.start(color: !noColor)
        } catch {
            Output.error("error: \(error)")
            throw ExitCode.failure
        }
        setup.session.start()
        let failures = setup.failures
        let pool = setup.pool
        let exit = ExplorerLoop.run(
            state: &setup.state, session: setup.session, terminal: terminal,
            failures: { failures.take() }, workers: { pool?.statuses ?? [] })
        terminal.stop()
        try finish(setup, exit: exit)
    }

    static var noColor: Bool { !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty }

    /// Fails unless standard input and output are a terminal the explorer can draw on.
    private func requireTerminal() throws {
        guard isatty(STDOUT_FILENO) != 0, isatty(STDIN_FILENO) != 0 else {
            let which = isatty(STDOUT_FILENO) == 0 ? "output" : "input"
            Output.error(
                "error: the explorer needs a terminal, and standard \(which) is not one; "
                    + "use `spotlight optimize GRAPH CLUSTER` to search without it")
            throw ExitCode.failure
        }
        try requireUsableTerminal()
    }

    /// Fails, pointing to `optimize`, when the terminal cannot draw the explorer.
    private func requireUsableTerminal() throws {
        do {
            try Terminal.checkUsable()
        } catch {
            Output.error(
                "error: \(error); use `spotlight optimize GRAPH CLUSTER` to search without the "
                    + "explorer")
            throw ExitCode.failure
        }
    }

    /// The problem, evaluator, baselines and search (with the pins file's pins), and the
    /// explorer's session and first state.
    private func makeSetup() throws -> Setup {
        let search = options.search
        let (graphPath, clusterPath) = try options.files()
        let base = try search.problem(graph: graphPath, cluster: clusterPath)
        let failures = Mailbox<String>()
        let evaluator = search.evaluator(for: base, onFailure: { failures.put($0) })
        let baselines = search.baselines(for: base, evaluator: evaluator, announce: true)
        var optimizer = try search.optimizer(for: base, baselines: baselines).0
        let problem = optimizer.problem
        if let pins = options.pins, FileManager.default.fileExists(atPath: pins) {
            try Loading.reporting { () throws(InputError) in
                try PinsFile.load(pins, problem: problem)
            }.apply(to: &optimizer)
        }
        let (themes, themeIndex) = try loadThemes()
        let actor = OptimizerActor(
            optimizer: optimizer, evaluator: evaluator, iterationLimit: options.iterations,
            checkpointPath: search.checkpoint, checkpointEvery: search.checkpointEvery,
            plan: options.plan.map { plan in
                var plan = plan
                plan.calibration = search.calibration(known: baselines)
                return plan
            })
        let stem =
            problem.graph.name.isEmpty
            ? "spotlight" : problem.graph.name.replacingOccurrences(of: "/", with: "_")
        let methodName = search.methodName(of: optimizer)
        let session = ExplorerSession(
            actor: actor, problem: problem, methodName: methodName,
            placementPath: options.out ?? "\(stem).best.placement.json",
            tracePath: options.trace ?? "\(stem).best.trace.json",
            pinsPath: options.pins ?? "\(stem).pins.json")
        let model = ExplorerModel(
            optimizer: optimizer, graphLabel: (graphPath as NSString).lastPathComponent,
            clusterLabel: (clusterPath as NSString).lastPathComponent,
            measured: search.measuresOnHardware, methodLabel: methodName)
        var state = ExplorerState(
            model: model, themes: themes, themeIndex: themeIndex, colorEnabled: !Self.noColor)
        state.baselines = baselines.map {
            BaselineSummary(
                method: $0.method, stepTime: $0.stepTime, outOfMemory: $0.outOfMemory,
                assignment: $0.assignment, deviceBusy: $0.result.deviceBusy)
        }
        if let problem = themes.problems.first {
            state.message = StatusMessage("skipped a theme file: \(problem)", isError: true)
        }
        return Setup(
            session: session, model: model, state: state, failures: failures,
            pool: evaluator as? WorkerPool)
    }

    /// The themes, and the one to start with: `--theme`, else dark.
    private func loadThemes() throws -> (ThemeCatalog, Int) {
        let themes = ThemeCatalog.load(
            directory: options.themesDir ?? Resources.directory("themes", containing: "dark.theme"))
        guard let theme = options.theme else { return (themes, themes.index(named: "dark") ?? 0) }
        guard let index = themes.index(named: theme) else {
            for problem in themes.problems { Output.error("error: \(problem)") }
            Output.error(
                "error: no theme called \"\(theme)\"; the themes are "
                    + themes.names.joined(separator: ", "))
            throw ExitCode.failure
        }
        return (themes, index)
    }

    /// After the explorer closes: the checkpoint saved (finishing the running iteration), the
    /// best found reported (under a budget, where the placements went too), and the exit status
    /// of a signal or a failed checkpoint.
    private func finish(_ setup: Setup, exit: ExplorerLoop.Exit) throws {
        let session = setup.session
        if let checkpoint = options.search.checkpoint {
            Interruption.install(onFirst: nil)
            Output.line(
                "finishing the running iteration to save the checkpoint in \(checkpoint)… "
                    + "(Ctrl-C to quit without it)")
            session.stopAndWait()
            // A signal stops the measurement, which can end the wait before the handler exits.
            if let number = Interruption.signal { throw ExitCode(128 + number) }
        }
        let snapshot = session.currentSnapshot()
        Output.line(Self.summary(snapshot, lowerBound: setup.model.lowerBound))
        if let ledger = snapshot.budget?.ledger, ledger.measured > 0 {
            Output.line(ledger.headline)
        }
        if case .signal(let number) = exit { throw ExitCode(128 + number) }
        if let failure = snapshot.checkpointFailure {
            Output.report(failure)
            throw ExitCode.failure
        }
    }

    /// "N iterations, M placements: best step time …", with the time without the pins.
    static func summary(_ snapshot: OptimizerSnapshot, lowerBound: Double?) -> String {
        let best =
            snapshot.bestStepTime.map { time in
                lowerBound.map {
                    "best step time \(Units.microseconds(time)) "
                        + "(lower bound \(Units.microseconds($0)))"
                } ?? "best measured step time \(Units.microseconds(time))"
            } ?? "no valid placement found"
        let pinned =
            snapshot.unpinnedBestStepTime.map {
                " with the pins; \(Units.microseconds($0)) without them"
            } ?? ""
        let placements =
            snapshot.budget.map {
                "\($0.measured) of a budget of \($0.budget) placements measured "
                    + "(\($0.climbMeasured) by the climb)"
            } ?? "\(snapshot.samplesEvaluated) placements"
        return "\(snapshot.iteration) iterations, \(placements): " + best + pinned
    }
}
