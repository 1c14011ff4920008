import ArgumentParser
import Foundation
import SpotlightExplorer
import SpotlightModel
import SpotlightSearch
import SpotlightTerminal

/// `spotlight bench explore`: how long a frame takes to build and draw, and how much of the
/// optimizer's pace survives a UI drawing at 30 frames per second beside it.
struct ExplorerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Time the explorer's frames and the optimizer's pace under it (use -c release).",
        discussion: """
            Frames: a state with a real search history (--warmup iterations) is rendered into the \
            cell grid at --width x --height, and drawn through ncurses into /dev/null, changing the \
            selection every frame so that every frame sends output. Pace: the optimizer's samples per \
            second over --seconds, first headless, then with the explorer drawing at 30 frames per \
            second (the same snapshots, rendering and ncurses output as `spotlight explore`).
            """
    )

    @Argument(help: "GRAPH CLUSTER (default: the sample workload).") var files: [String] = []
    @Option(help: "Screen columns.") var width = 200
    @Option(help: "Screen rows.") var height = 60
    @Option(help: "Frames to time.") var frames = 2000
    @Option(help: "Iterations run first, so that the curves have a history to draw.") var warmup =
        200
    @Option(help: "Seconds for each pace measurement.") var seconds = 5.0
    @Option(help: "Rounds of the three pace measurements.") var rounds = 3
    @Option(
        help:
            "Instead of frames and pace: run the search under the UI this long, reporting memory."
    ) var memorySeconds = 0.0
    @OptionGroup(title: "Search") var search: SearchOptions

    func validate() throws {
        guard width >= ExplorerLayout.minimumWidth, height >= ExplorerLayout.minimumHeight else {
            throw ValidationError(
                "--width and --height must be at least \(ExplorerLayout.minimumWidth)x\(ExplorerLayout.minimumHeight)"
            )
        }
        guard memorySeconds >= 0, seconds > 0, rounds >= 1, frames >= 1 else {
            throw ValidationError(
                "--seconds, --rounds and --frames must be positive, --memory-seconds not negative")
        }
        guard files.isEmpty || files.count == 2 else {
            throw ValidationError("give GRAPH CLUSTER, or nothing for the sample")
        }
    }

    func run() throws {
        let (graphPath, clusterPath) = try paths()
        let base = try search.problem(graph: graphPath, cluster: clusterPath)
        let baselines = Baselines.run(base)
        var optimizer = try search.optimizer(for: base, baselines: baselines).0
        let problem = optimizer.problem
        let evaluator = search.evaluator(for: problem, onFailure: { _ in })
        for _ in 0..<warmup { optimizer.iterate(evaluator: evaluator) }
        Output.line(
            "workload: \(problem.graph.name) (\(problem.graph.count) ops, "
                + "\(problem.stages.count) stages) on \(problem.cluster.name) "
                + "(\(problem.cluster.deviceCount) devices), \(warmup) iterations of history")
        var state = try initialState(
            optimizer: optimizer, evaluator: evaluator, baselines: baselines,
            labels: (graphPath, clusterPath))
        if memorySeconds > 0 {
            longRun(optimizer: optimizer, evaluator: evaluator, state: state)
            return
        }
        try timeFrames(&state)
        comparePaces(optimizer: optimizer, evaluator: evaluator, state: state)
    }

    /// The explorer's state with the warm-up's history and the baselines, as it opens.
    private func initialState(
        optimizer: Optimizer, evaluator: any Evaluator, baselines: [BaselineResult],
        labels: (graph: String, cluster: String)
    ) throws -> ExplorerState {
        let themes = ThemeCatalog.load(
            directory: Resources.directory("themes", containing: "dark.theme"))
        let model = ExplorerModel(
            optimizer: optimizer, graphLabel: (labels.graph as NSString).lastPathComponent,
            clusterLabel: (labels.cluster as NSString).lastPathComponent)
        var state = ExplorerState(
            model: model, themes: themes, themeIndex: themes.index(named: "dark") ?? 0,
            width: width, height: height)
        let actor = OptimizerActor(optimizer: optimizer, evaluator: evaluator)
        state.apply(ExplorerSession.snapshot(of: actor))
        state.baselines = baselines.map {
            BaselineSummary(
                method: $0.method, stepTime: $0.stepTime, outOfMemory: $0.outOfMemory,
                assignment: $0.assignment, deviceBusy: $0.result.deviceBusy)
        }
        return state
    }

    /// `frames` frames rendered into the cell grid, then rendered and drawn through ncurses,
    /// each selecting another stage; prints the median and p99 of each.
    private func timeFrames(_ state: inout ExplorerState) throws {
        var grid = CellGrid(width: width, height: height)
        var renderTimes: [Double] = []
        for frame in 0..<frames {
            state.selectedStage = frame % state.model.stageCount
            let start = MonotonicClock.seconds()
            ExplorerView.render(state, into: &grid)
            renderTimes.append(MonotonicClock.seconds() - start)
        }
        let terminal = Terminal()
        try terminal.startOffscreen(width: width, height: height)
        var frameTimes: [Double] = []
        for frame in 0..<frames {
            state.selectedStage = frame % state.model.stageCount
            let start = MonotonicClock.seconds()
            ExplorerView.render(state, into: &grid)
            terminal.draw(grid, theme: state.theme)
            frameTimes.append(MonotonicClock.seconds() - start)
        }
        terminal.stop()
        func describe(_ times: [Double]) -> String {
            let sorted = times.sorted()
            let median = sorted[sorted.count / 2]
            let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
            return "median \(Units.fixed(median * 1e3, decimals: 3)) ms, "
                + "p99 \(Units.fixed(p99 * 1e3, decimals: 3)) ms (\(frames) frames)"
        }
        Output.line(
            "frame at \(width)x\(height), render into the cell grid: \(describe(renderTimes))")
        Output.line(
            "frame at \(width)x\(height), render + ncurses draw:      \(describe(frameTimes))")
    }

    /// Pace: headless, then under a UI drawing at 30 frames per second, alternating in rounds
    /// so that the machine's drift falls on all three alike.
    private func comparePaces(optimizer: Optimizer, evaluator: any Evaluator, state: ExplorerState)
    {
        var ratios: [Double] = []
        for round in 1...rounds {
            let direct = directPace(optimizer: optimizer, evaluator: evaluator)
            let headless = pace(
                optimizer: optimizer, evaluator: evaluator, withUI: false, state: state)
            let underUI = pace(
                optimizer: optimizer, evaluator: evaluator, withUI: true, state: state)
            ratios.append(underUI.rate / direct.rate)
            Output.line(
                "round \(round): headless (as `optimize`) "
                    + "\(Units.fixed(direct.rate, decimals: 1)) samples/s, through the actor "
                    + "\(Units.fixed(headless.rate, decimals: 1)), under the UI "
                    + "\(Units.fixed(underUI.rate, decimals: 1)) (\(underUI.frames) frames): "
                    + "kept \(Units.percent(underUI.rate / direct.rate))")
        }
        let median = ratios.sorted()[ratios.count / 2]
        Output.line(
            "kept under the UI, median of \(rounds) rounds: \(Units.percent(median)) "
                + "of the headless pace")
    }

    struct Pace {
        var samples: Int
        var seconds: Double
        var frames: Int
        var rate: Double { Double(samples) / seconds }
    }

    /// Runs the search as `spotlight optimize` does: iterations back to back on this thread.
    func directPace(optimizer initial: Optimizer, evaluator: any Evaluator) -> Pace {
        var optimizer = initial
        let start = MonotonicClock.seconds()
        while MonotonicClock.seconds() - start < seconds { optimizer.iterate(evaluator: evaluator) }
        return Pace(
            samples: optimizer.state.samplesEvaluated - initial.state.samplesEvaluated,
            seconds: MonotonicClock.seconds() - start, frames: 0)
    }

    /// Runs the search through the actor for `seconds`; with `withUI`, this thread meanwhile does
    /// what the explorer's loop does 30 times a second: take the snapshot, render, draw.
    func pace(
        optimizer: Optimizer, evaluator: any Evaluator, withUI: Bool, state initial: ExplorerState
    ) -> Pace {
        let session = Self.session(optimizer: optimizer, evaluator: evaluator)
        var state = initial
        var grid = CellGrid(width: width, height: height)
        let terminal = Terminal()
        if withUI { try? terminal.startOffscreen(width: width, height: height) }
        let startSamples = optimizer.state.samplesEvaluated
        session.start()
        let start = MonotonicClock.seconds()
        var frames = 0
        var last = startSamples
        while MonotonicClock.seconds() - start < seconds {
            if let snapshot = session.takeSnapshot() {
                last = snapshot.samplesEvaluated
                if withUI { state.apply(snapshot) }
            }
            if withUI {
                ExplorerView.render(state, into: &grid)
                terminal.draw(grid, theme: state.theme)
                frames += 1
            }
            Thread.sleep(forTimeInterval: 1.0 / 30)
        }
        let elapsed = MonotonicClock.seconds() - start
        session.stopAndWait()
        last = session.currentSnapshot().samplesEvaluated
        terminal.stop()
        return Pace(
            samples: last - startSamples, seconds: max(elapsed, MonotonicClock.seconds() - start),
            frames: frames)
    }

    /// A session over a fresh actor for `optimizer`, saving nothing anywhere.
    static func session(optimizer: Optimizer, evaluator: any Evaluator) -> ExplorerSession {
        ExplorerSession(
            actor: OptimizerActor(optimizer: optimizer, evaluator: evaluator),
            problem: optimizer.problem, methodName: "bench", placementPath: "/dev/null",
            tracePath: "/dev/null")
    }

    /// Runs the search under the UI, as `pace` does, for `memorySeconds`, and reports ten times
    /// the resident memory, the iterations run and the histories' entries: a long run's memory
    /// must level off once the histories reach their bounds.
    func longRun(optimizer: Optimizer, evaluator: any Evaluator, state initial: ExplorerState) {
        let session = Self.session(optimizer: optimizer, evaluator: evaluator)
        var state = initial
        var grid = CellGrid(width: width, height: height)
        let terminal = Terminal()
        try? terminal.startOffscreen(width: width, height: height)
        Output.line("| seconds | iterations | history entries | q history entries | RSS |")
        Output.line("|---:|---:|---:|---:|---:|")
        session.start()
        let start = MonotonicClock.seconds()
        var reports = 0
        while reports < 11 {
            if let snapshot = session.takeSnapshot() { state.apply(snapshot) }
            ExplorerView.render(state, into: &grid)
            terminal.draw(grid, theme: state.theme)
            let elapsed = MonotonicClock.seconds() - start
            if elapsed >= memorySeconds * Double(reports) / 10 {
                let snapshot = state.snapshot
                let rss = ResidentMemory.megabytes().map { Units.fixed($0, decimals: 1) + " MB" }
                Output.line(
                    "| \(Int(elapsed)) | \(snapshot?.iteration ?? 0) "
                        + "| \(snapshot?.history.count ?? 0) "
                        + "| \(state.policyHistory.iterations.count) | \(rss ?? "-") |")
                reports += 1
            }
            Thread.sleep(forTimeInterval: 1.0 / 30)
        }
        session.stopAndWait()
        terminal.stop()
    }

    func paths() throws -> (String, String) {
        if files.count == 2 { return (files[0], files[1]) }
        return try Resources.defaultSample()
    }
}
