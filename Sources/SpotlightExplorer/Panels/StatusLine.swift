import SpotlightModel
import SpotlightSearch

/// The top line: what is being placed, the search's state, its pace (with the last batch's
/// repeated placements, once the policy is too sure of itself to find new ones), and the best
/// step time against the lower bound and the best baseline. On a narrow terminal the least needed
/// parts give way first (`Part`), so that the state, the iteration and the best time stay in view.
enum StatusLine {
    /// The parts that may be left out, in the order they give way: the pace, the repeats and the
    /// sample count first, the graph's name and the iteration last.
    enum Part: CaseIterable {
        case workerCounts, rate, repeats, bestSource, measured, samples, workers, method, cluster,
            boundComparison, baselineComparison,
            settledAdvice,
            graph, iteration
    }

    static func draw(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let bar = CellStyle(.statusBar)
        grid.fill(rect, with: Cell(" ", style: bar))
        let hint = " ? help "
        var omitted: Set<Part> = []
        var pieces = self.pieces(state, omitting: omitted)
        let room = rect.width - CellGrid.columns(of: hint)
        for part in Part.allCases where width(pieces) > room {
            omitted.insert(part)
            pieces = self.pieces(state, omitting: omitted)
        }
        // Leaving out a long part can make room for a shorter one left out before it.
        for part in Part.allCases.reversed() where omitted.contains(part) {
            let fuller = self.pieces(state, omitting: omitted.subtracting([part]))
            if width(fuller) <= room {
                omitted.remove(part)
                pieces = fuller
            }
        }
        let end = grid.write(pieces, x: rect.x, y: rect.y, limit: room)
        if end <= rect.x + room {
            grid.writeRight(
                hint, maxX: rect.maxX, y: rect.y, style: CellStyle(.dim, background: .statusBar))
        }
    }

    /// Iterations the pace is smoothed over.
    static let paceWindow = 10

    /// Samples per second over the last `paceWindow` iterations: their samples over their time
    /// (the harmonic mean of their rates, every iteration drawing as many samples), so that one
    /// quick or slow iteration does not make the figure jump.
    static func pace(_ history: [IterationStats]) -> Double? {
        let recent = history.suffix(paceWindow).filter { $0.samplesPerSecond > 0 }
        guard !recent.isEmpty else { return nil }
        return Double(recent.count) / recent.reduce(0) { $0 + 1 / $1.samplesPerSecond }
    }

    /// Placements measured per second over the last iterations (repeats answered from the record
    /// and the heuristics' measurements aside): the pace that matters on hardware.
    static func measuredPace(_ history: [IterationStats]) -> Double? {
        let recent = history.suffix(paceWindow)
        let seconds = recent.reduce(0) { $0 + $1.evaluationSeconds + $1.policySeconds }
        guard seconds > 0 else { return nil }
        return Double(recent.reduce(0) { $0 + $1.placementsMeasured }) / seconds
    }

    static func width(_ pieces: [(String, CellStyle)]) -> Int {
        pieces.reduce(0) { $0 + CellGrid.columns(of: $1.0) }
    }

    /// A style on the status bar's background.
    static func on(_ role: Role, _ attributes: CellAttributes = []) -> CellStyle {
        CellStyle(role, background: .statusBar, attributes: attributes)
    }

    /// The line's text runs without the `omitted` parts.
    static func pieces(_ state: ExplorerState, omitting omitted: Set<Part>) -> [(String, CellStyle)]
    {
        var pieces = head(state, omitting: omitted)
        guard let snapshot = state.snapshot else { return pieces }
        pieces += progress(snapshot, state: state, omitting: omitted)
        pieces += best(snapshot, state: state, omitting: omitted)
        return pieces
    }

    /// The name, the workload, the method and the search's status.
    private static func head(_ state: ExplorerState, omitting omitted: Set<Part>) -> [(
        String, CellStyle
    )] {
        let model = state.model
        let word = state.statusWord
        let (symbol, statusStyle): (String, CellStyle) =
            switch word {
            case "running": ("●", on(.good, .bold))
            case "paused": ("‖", on(.warning, .bold))
            case "pausing": ("◌", on(.warning, .bold))
            default: ("■", on(.accent, .bold))
            }
        var pieces: [(String, CellStyle)] = [(" Spotlight ", on(.title, .bold))]
        if !omitted.contains(.graph) {
            let cluster = omitted.contains(.cluster) ? "" : " on \(model.clusterLabel)"
            pieces.append((model.graphLabel + cluster, CellStyle(.statusBar)))
        }
        if !omitted.contains(.method) {
            pieces.append((Glyph.separator + model.methodLabel, on(.dim)))
        }
        if pieces.count > 1 { pieces.append((Glyph.separator, on(.dim))) }
        pieces.append(("\(symbol) \(word)", statusStyle))
        return pieces
    }

    /// Polishing and settled signs, the iteration, samples, placements measured, repeats and
    /// the pace.
    private static func progress(
        _ snapshot: OptimizerSnapshot, state: ExplorerState, omitting omitted: Set<Part>
    ) -> [(String, CellStyle)] {
        var pieces: [(String, CellStyle)] = []
        if snapshot.polishing { pieces.append((" + polishing", on(.warning, .bold))) }
        if state.hasSettled {
            pieces.append((" · settled", on(.warning, .bold)))
            if !omitted.contains(.settledAdvice) {
                pieces.append(
                    (": p polishes, u unpins, or restart with more entropy", on(.warning)))
            }
        }
        if !omitted.contains(.iteration) {
            pieces.append((Glyph.separator + "iteration ", on(.dim)))
            pieces.append((String(snapshot.iteration), on(.accent, .bold)))
        }
        if !omitted.contains(.samples) {
            pieces.append(
                (Glyph.separator + Units.grouped(snapshot.samplesEvaluated) + " samples", on(.dim)))
        }
        if !omitted.contains(.measured), let budget = snapshot.budget {
            pieces.append((Glyph.separator + Units.grouped(budget.measured), on(.accent)))
            pieces.append(("/" + Units.grouped(budget.budget) + " measured", on(.dim)))
        } else if !omitted.contains(.measured) {
            let measured =
                snapshot.history.reduce(0) { $0 + $1.placementsMeasured }
                + (snapshot.lastPolish?.evaluated ?? 0)
            if measured > 0 {
                pieces.append((Glyph.separator + Units.grouped(measured) + " measured", on(.dim)))
            }
        }
        if !omitted.contains(.repeats), let last = snapshot.history.last, last.repeatedSamples > 0 {
            pieces.append((Glyph.separator + "\(last.repeatedSamples) repeated", on(.warning)))
        }
        if !omitted.contains(.rate) {
            // On hardware, placements measured a second; on the simulator, samples a second.
            let hardware = state.model.lowerBound == nil
            if let pace = hardware ? measuredPace(snapshot.history) : pace(snapshot.history) {
                let rate = Units.rate(pace, wholeNumber: Units.grouped)
                pieces.append(
                    (Glyph.separator + rate + (hardware ? " measured/s" : "/s"), on(.dim)))
            }
        }
        return pieces + workerPieces(state.workers, omitting: omitted)
    }

    /// With several measuring workers: how many are measuring now, failures, and each one's count.
    private static func workerPieces(_ workers: [WorkerStatus], omitting omitted: Set<Part>)
        -> [(String, CellStyle)]
    {
        guard workers.count > 1, !omitted.contains(.workers) else { return [] }
        let busy = workers.busyCount
        var pieces = [(Glyph.separator + "workers \(busy)/\(workers.count) busy", on(.dim))]
        let failed = workers.failedCount
        if failed > 0 { pieces.append((", \(failed) failed", on(.warning))) }
        if !omitted.contains(.workerCounts) {
            pieces.append(
                (" (" + workers.map { String($0.measured) }.joined(separator: " ") + ")", on(.dim)))
        }
        return pieces
    }

    /// The best step time against the bound and the best baseline, and with pins the best
    /// without them. Under a budget, what found the best follows the best it found: with pins,
    /// the one without them.
    private static func best(
        _ snapshot: OptimizerSnapshot, state: ExplorerState, omitting omitted: Set<Part>
    ) -> [(String, CellStyle)] {
        var pieces: [(String, CellStyle)] = []
        let finder = snapshot.budget.flatMap { budget in
            omitted.contains(.bestSource)
                ? nil : (" by " + describe(budget.bestFoundBy, state: state), on(.dim))
        }
        if let best = snapshot.bestStepTime {
            pieces.append((Glyph.separator + "best ", on(.dim)))
            pieces.append((Units.microseconds(best), on(.accent, .bold)))
            var comparisons: [String] = []
            if !omitted.contains(.boundComparison), let bound = state.model.lowerBound {
                comparisons.append(Units.format2(best / bound) + "× bound")
            }
            if !omitted.contains(.baselineComparison), let baseline = state.fastestBaseline {
                comparisons.append(Units.format2(best / baseline.stepTime) + "× \(baseline.method)")
            }
            if !comparisons.isEmpty {
                pieces.append((" (" + comparisons.joined(separator: ", ") + ")", on(.dim)))
            }
            if snapshot.unpinnedBestStepTime == nil, let finder { pieces.append(finder) }
        }
        if let overall = snapshot.unpinnedBestStepTime {
            // With pins, the best shown obeys them; the overall best stands beside it.
            if snapshot.bestStepTime == nil {
                pieces.append((Glyph.separator + "with pins: none measured yet", on(.warning)))
            } else {
                pieces.append((" with pins", on(.warning)))
            }
            pieces.append((Glyph.separator + "without " + Units.microseconds(overall), on(.dim)))
            if let finder { pieces.append(finder) }
        }
        return pieces
    }
}

extension StatusLine {
    /// What found the best placement, in a few words: the start's heuristic, the learned search's
    /// iteration, the climb's kept move, or the polish or the policy's rehearsal in the fitted
    /// model.
    static func describe(_ source: BestSource, state: ExplorerState) -> String {
        switch source {
        case .start:
            return state.fastestBaseline.map { "the start (\($0.method))" } ?? "the start"
        case .learned(let iteration):
            return "\(state.model.methodLabel), iteration \(iteration)"
        case .climb(let move): return "the climb, move \(move)"
        case .fittedModel: return "the fitted model's polish"
        case .rehearsal: return "the policy's rehearsal in the fitted model"
        }
    }
}

/// The bottom line: the find prompt while finding; else the last message, then key hints.
enum Footer {
    static func draw(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let base = CellStyle(.footer)
        grid.fill(rect, with: Cell(" ", style: base))
        func on(_ role: Role, _ attributes: CellAttributes = []) -> CellStyle {
            CellStyle(role, background: .footer, attributes: attributes)
        }
        if case .find(let query) = state.overlay {
            let matches = state.model.ops(matching: query).count
            grid.write(
                [
                    (" find op: ", on(.key, .bold)), (query, on(.text, .bold)), ("▏", on(.accent)),
                    (
                        query.isEmpty
                            ? "  type part of a name"
                            : "  \(matches) match\(matches == 1 ? "" : "es")", on(.dim)
                    ),
                    ("  enter go · esc cancel", on(.dim)),
                ], x: rect.x, y: rect.y, limit: rect.width)
            return
        }
        var x = rect.x
        if state.focus == .chart, state.message == nil, let readout = CurvesPanel.readout(state) {
            grid.write(
                [(" " + readout, on(.text, .bold)), ("   ←→ move  esc back", on(.dim))], x: x,
                y: rect.y,
                limit: rect.width)
            return
        }
        if let message = state.message {
            x = grid.write(
                " " + message.text + "  ", x: x, y: rect.y,
                style: on(message.isError ? .bad : .good, .bold), limit: rect.width)
        }
        // Hints give way from the middle: `? help` and `q quit` always stay.
        var hints = KeyBinding.footer(for: state)
        func width(_ hints: [(keys: String, action: String)]) -> Int {
            hints.reduce(0) { $0 + CellGrid.columns(of: $1.keys) + $1.action.count + 3 }
        }
        while hints.count > 2 && x + width(hints) > rect.maxX { hints.remove(at: hints.count - 3) }
        for hint in hints where x + width([hint]) <= rect.maxX {
            x = grid.write(" " + hint.keys, x: x, y: rect.y, style: on(.key, .bold))
            x = grid.write(" " + hint.action + " ", x: x, y: rect.y, style: base)
        }
    }
}
