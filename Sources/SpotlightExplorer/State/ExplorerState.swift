import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

/// A baseline's result as the curves draw it: a reference line.
public struct BaselineSummary: Sendable, Equatable {
    public var method: String
    public var stepTime: Double
    public var outOfMemory: Bool
    /// Its placement and each device's simulated busy time, for comparing the best with it (`b`).
    public var assignment: [Int]?
    public var deviceBusy: [Double]?

    public init(
        method: String, stepTime: Double, outOfMemory: Bool, assignment: [Int]? = nil,
        deviceBusy: [Double]? = nil
    ) {
        self.method = method
        self.stepTime = stepTime
        self.outOfMemory = outOfMemory
        self.assignment = assignment
        self.deviceBusy = deviceBusy
    }
}

/// A line of feedback after a key: what was saved, pinned, found, or why not.
public struct StatusMessage: Sendable, Equatable {
    public var text: String
    public var isError: Bool

    public init(_ text: String, isError: Bool = false) {
        self.text = text
        self.isError = isError
    }
}

/// What a pin cost: the best of the first batch measured under it, and its change against the
/// best placement before the pin, as one footer message (`describe(_:)`).
public struct PinReport: Sendable, Equatable {
    /// What was pinned where, as the message names it.
    public var pin: String
    /// What was pinned, and to which device.
    public var target: PinTarget
    public var device: Int
    /// The first iteration whose batch was drawn with the pin in force.
    public var firstIteration: Int
    /// The best step time before the pin (the overall best, pins aside).
    public var reference: Double?

    func describe(_ batch: IterationStats) -> String {
        "\(pin): " + cost(of: batch).describe(against: "on the best before")
    }

    /// What the pin cost, from the first batch measured under it.
    func cost(of batch: IterationStats) -> PinCost {
        PinCost(
            target: target, device: device, best: batch.bestStepTime,
            change: batch.bestStepTime.flatMap { best in reference.map { best / $0 - 1 } })
    }
}

/// A stage or an op, as pinned.
public enum PinTarget: Sendable, Hashable {
    case stage(Int)
    case op(Int)
}

/// A pin's measured cost: the best of the first batch drawn under it, and its change against
/// the best placement before the pin (a fraction, positive when slower).
public struct PinCost: Sendable, Equatable {
    public var target: PinTarget
    public var device: Int
    public var best: Double?
    public var change: Double?

    /// "best of the next batch TIME, CHANGE `reference`", the change a signed percentage.
    func describe(against reference: String) -> String {
        guard let best else { return "the next batch measured no valid placement" }
        let change =
            self.change.map { ", " + Units.signedPercent($0, decimals: 0) + " " + reference }
            ?? ""
        return "best of the next batch \(Units.microseconds(best))\(change)"
    }
}

/// Everything the screen shows, as plain values: the latest snapshot of the search, the
/// selection, the open overlay, the theme. Keys change it through `handle(_:)`, which returns the
/// effects (pause, pin, save, quit) for the session to carry out; drawing it is
/// `ExplorerView.render`. Nothing here touches a terminal, a file or the optimizer.
public struct ExplorerState: Sendable {
    public enum Focus: Sendable, Equatable {
        /// Moving over stages (graph rows).
        case stages
        /// Moving over the selected stage's ops in the inspector.
        case ops
        /// Moving a cursor over the iterations of the charts (`chartCursor`).
        case chart
    }

    public enum Overlay: Sendable, Equatable {
        case none
        case help
        /// The list of pins and what each cost (`L`).
        case pins
        /// The find prompt, with what has been typed.
        case find(String)
    }

    public let model: ExplorerModel
    public private(set) var snapshot: OptimizerSnapshot?
    public var baselines: [BaselineSummary] = []
    /// The fastest baseline that fits in memory: what the best placement is compared with, and
    /// where a warm-started search began.
    var fastestBaseline: BaselineSummary? {
        baselines.filter { !$0.outOfMemory }.min { $0.stepTime < $1.stepTime }
    }
    public var selectedStage = 0
    public var focus = Focus.stages
    /// The selected row of the op list (an index into `model.stageOpsByDepth[selectedStage]`).
    public var selectedOpRow = 0
    public var overlay = Overlay.none
    public var themes: ThemeCatalog
    public var themeIndex: Int
    /// False when `NO_COLOR` is set: themes then lose their colours.
    public let colorEnabled: Bool
    public var message: StatusMessage?
    /// The last pin made, waiting for the first batch measured under it, whose best is then
    /// reported against the best placement before the pin (`PinReport`).
    public var pendingPinReport: PinReport?
    /// The measuring workers (`--evaluate-workers`), as the session last saw them; empty with
    /// one evaluator.
    public var workers: [WorkerStatus] = []
    /// Each pin's cost once measured, the latest per stage or op (`PinsOverlay` lists them).
    public private(set) var pinCosts: [PinCost] = []
    /// The baseline the best placement is compared with (`b`), an index into `baselines`.
    public var comparedBaseline: Int?

    /// How many stages the best placement puts elsewhere than the compared baseline does (by the
    /// device of most of their ops), and of how many.
    public var stagesMoved: (moved: Int, of: Int)? {
        guard let index = comparedBaseline, baselines.indices.contains(index),
            let other = baselines[index].assignment, other.count == opDevice.count,
            showsBestPlacement
        else { return nil }
        let moved = model.stageOpsByDepth.filter { ops in
            GraphPanel.majorityDevice(ops, in: opDevice, deviceCount: model.deviceCount)
                != GraphPanel.majorityDevice(ops, in: other, deviceCount: model.deviceCount)
        }.count
        return (moved, model.stageCount)
    }

    /// Whether the op graph's place shows the whole policy instead (`v`), and in which order.
    public var showsPolicy = false
    /// Whether it shows the best placement's step as a Gantt chart (`g`): its zoom (a power of
    /// two), where the window starts (in quarters of it), and the schedule it draws.
    public var showsGantt = false
    var ganttZoom = 1
    var ganttOffset = 0
    var ganttTimeline: Timeline?
    var policyOrder = PolicyPanel.Order.stage
    /// Every stage's q over the iterations seen, for the policy view's chart.
    public private(set) var policyHistory: StageProbabilityHistory
    /// The iteration (an index into the history) the charts' cursor reads out, while the focus is
    /// on the charts.
    public var chartCursor = 0
    /// What undoes each pin change so far, the latest last (`z`).
    public var pinUndo: [[ExplorerEffect]] = []
    public var width: Int
    public var height: Int
    public var lastFindQuery: String?

    /// The device of every op in the placement the panels show: the best found so far, or before
    /// there is one, the policy's most likely choice per stage.
    public private(set) var opDevice: [Int]
    public private(set) var showsBestPlacement = false
    /// Ops on the critical path of the best placement.
    public private(set) var onCriticalPath: [Bool]

    public init(
        model: ExplorerModel, themes: ThemeCatalog, themeIndex: Int = 0, colorEnabled: Bool = true,
        width: Int = 80, height: Int = 24
    ) {
        self.model = model
        self.themes = themes
        self.themeIndex = min(max(themeIndex, 0), themes.themes.count - 1)
        self.colorEnabled = colorEnabled
        self.width = width
        self.height = height
        policyHistory = StageProbabilityHistory(
            stageCount: model.stageCount, deviceCount: model.deviceCount)
        opDevice = [Int](repeating: -1, count: model.graph.count)
        onCriticalPath = [Bool](repeating: false, count: model.graph.count)
    }

    /// The theme to draw with (without colours when they are off).
    public var theme: Theme {
        let chosen = themes.themes[themeIndex]
        return colorEnabled ? chosen : chosen.withoutColor()
    }

    /// The op selected in the op list, when the list has the focus.
    public var selectedOp: Int? {
        guard focus == .ops else { return nil }
        let ops = model.stageOpsByDepth[selectedStage]
        return ops.isEmpty ? nil : ops[min(selectedOpRow, ops.count - 1)]
    }

    /// What places the policy's devices per stage as preferences now: the model's decoder until
    /// the search falls back to placements (`OptimizerSnapshot.preferencesDroppedAt`).
    public var decoder: PreferenceDecoder? {
        snapshot?.preferencesDroppedAt == nil ? model.decoder : nil
    }
    public var stagePins: [Int] { snapshot?.stagePins ?? [] }
    public var opPins: [Int] { snapshot?.opPins ?? [] }

    /// Takes in a newer snapshot of the search.
    /// A checkpoint that could not be written is reported once, when it first fails (and again
    /// if it fails anew after a write that worked).
    public mutating func apply(_ snapshot: OptimizerSnapshot) {
        let previousBest = self.snapshot?.bestAssignment
        let checkpointWasFailing = self.snapshot?.checkpointFailure != nil
        let previousPolish = self.snapshot?.lastPolish
        let previousFit = self.snapshot?.budget?.lastFit
        let keptPreferences = self.snapshot.map { $0.preferencesDroppedAt == nil } ?? false
        let wasFinished = self.snapshot?.status == .finished
        let cursorIteration = self.snapshot.flatMap { previous in
            previous.history.indices.contains(chartCursor)
                ? previous.history[chartCursor].iteration : nil
        }
        self.snapshot = snapshot
        if let cursorIteration {
            // The history merges pairs of entries once it is long: stay on the same iteration.
            chartCursor =
                snapshot.history.firstIndex { $0.iteration >= cursorIteration }
                ?? max(snapshot.history.count - 1, 0)
        }
        policyHistory.record(
            iteration: snapshot.iteration, probabilities: snapshot.stageProbabilities)
        if let failure = snapshot.checkpointFailure, !checkpointWasFailing {
            message = StatusMessage(
                "checkpoint not saved: \(failure.diagnostics.first?.description ?? "\(failure)")",
                isError: true)
        }
        if let polish = snapshot.lastPolish, polish != previousPolish {
            message = StatusMessage(Self.describe(polish))
        }
        if let fit = snapshot.budget?.lastFit, fit != previousFit {
            message = StatusMessage(fit.summary)
        }
        if keptPreferences, let iteration = snapshot.preferencesDroppedAt {
            message = StatusMessage(
                "no preference of iteration \(iteration) beat the best: sampling placements now")
        }
        if snapshot.status == .finished, !wasFinished, let ledger = snapshot.budget?.ledger,
            ledger.measured > 0
        {
            message = StatusMessage(ledger.headline)
        }
        if let report = pendingPinReport,
            let batch = snapshot.history.last(where: { $0.iteration >= report.firstIteration })
        {
            message = StatusMessage(report.describe(batch))
            pinCosts.removeAll { $0.target == report.target }
            pinCosts.append(report.cost(of: batch))
            pendingPinReport = nil
        }
        if let best = snapshot.bestAssignment {
            if !showsBestPlacement || best != previousBest {
                opDevice = best
                showsBestPlacement = true
            }
        } else {
            opDevice = mostLikelyPlacement(snapshot)
            showsBestPlacement = false
        }
        if showsGantt, ganttTimeline?.assignment != snapshot.bestAssignment { scheduleGantt() }
        var critical = [Bool](repeating: false, count: model.graph.count)
        for step in snapshot.bestResult?.criticalPath ?? [] {
            if case .op(let op) = step, op < critical.count { critical[op] = true }
        }
        onCriticalPath = critical
    }

    /// Simulates the best placement with its timeline, for the Gantt chart.
    mutating func scheduleGantt() {
        guard let best = snapshot?.bestAssignment else {
            ganttTimeline = nil
            return
        }
        var simulator = Simulator(
            graph: model.graph, cluster: model.cluster, cost: model.problem.cost)
        ganttTimeline = simulator.simulate(best, recordTimeline: true).timeline
    }

    private func mostLikelyPlacement(_ snapshot: OptimizerSnapshot) -> [Int] {
        guard snapshot.stageProbabilities.count == model.stageCount else { return opDevice }
        let stageDevices = (0..<model.stageCount).map { stage in
            let probabilities = snapshot.stageProbabilities[stage]
            let pinned = snapshot.stagePins.indices.contains(stage) ? snapshot.stagePins[stage] : -1
            return pinned >= 0
                ? pinned
                : probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }) ?? -1
        }
        return model.problem.placement(
            sampled: stageDevices, stagePins: snapshot.stagePins, opPins: snapshot.opPins,
            decoder: decoder)
    }

    /// What a finished polish did, for the status line.
    static func describe(_ polish: PolishSummary) -> String {
        let end = polish.isLocalOptimum ? "no single move is faster" : "budget spent"
        guard polish.to < polish.from else {
            return
                "polished: no move made \(Units.microseconds(polish.from)) faster (\(Units.grouped(polish.evaluated)) placements measured)"
        }
        return
            "polished: \(Units.microseconds(polish.from)) → \(Units.microseconds(polish.to)), \(polish.improvements) moves kept of "
            + "\(Units.grouped(polish.evaluated)) placements measured (\(end))"
    }

    /// The search's status as the status line words it.
    /// Whether the search has settled: the policy's entropy is near zero and the best placement
    /// has not changed for `settledIterations` iterations, so more of the same will not help.
    public var hasSettled: Bool {
        guard let snapshot, snapshot.status == .running,
            snapshot.history.count >= Self.settledIterations,
            let last = snapshot.history.last, last.entropy < Self.settledEntropy
        else { return false }
        let recent = snapshot.history.suffix(Self.settledIterations)
        return recent.allSatisfy { $0.bestSoFar == last.bestSoFar }
    }

    /// Iterations without a new best, and the entropy below which, that make a search settled.
    public static let settledIterations = 50
    public static let settledEntropy = 0.05

    public var statusWord: String {
        guard let snapshot else { return "starting" }
        switch snapshot.status {
        case .idle: return "starting"
        case .running: return "running"
        case .paused: return snapshot.iterationInFlight ? "pausing" : "paused"
        case .finished: return "finished"
        case .stopped: return "stopped"
        }
    }
}

extension ExplorerState {
    /// Where the panels are at the current size.
    public var layout: ExplorerLayout {
        ExplorerLayout(width: width, height: height, deviceCount: model.deviceCount)
    }
}
