import SpotlightModel
import SpotlightSearch

/// The live curves: reward per iteration (the batch's mean and the best so far) against the
/// baselines and the lower bound, and the KL divergence of each update (mean and largest per
/// stage) against Spotlight's target.
enum CurvesPanel {
    /// Rewards are −√(step time), both curves from step times on one scale: the y axis is labelled
    /// with the step time each height stands for, so the reference lines read directly. Higher is
    /// better. The range fits the curves and the nearest reference line on each side of them (the
    /// bound above, a baseline below), so that the curves use the panel's height; the best so far
    /// is a step line, since it only changes when a placement beats it. Under a budget the x axis
    /// is placements measured, from none to the budget (`placementColumns`): the climb's and the
    /// fits' gains then show where they were made, not at the next learned iteration.
    static func drawReward(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let title = "reward −√step time"
        let ledger = state.snapshot?.budget.map { ledgerTitle($0.ledger) } ?? ""
        let inner = grid.box(
            rect,
            title: CellGrid.fittingTitle(
                ledger.isEmpty ? [title] : [title + " · " + ledger, ledger, title],
                inBoxOfWidth: rect.width))
        var chart = LineChart(low: 0, high: 1, format: { Units.microseconds($0 * $0) })
        let axis = rewardAxis(state, dotWidth: chart.dotWidth(in: inner))
        let learnedFinds = axis?.stepRoles?.contains { $0 != nil } == true
        legend(
            into: &grid, rect: rect,
            [("mean", .meanCurve), ("best", .bestCurve)]
                + (learnedFinds ? [("learned find", .meanCurve)] : []))
        guard let axis else {
            grid.write("waiting for the first iteration…", x: inner.x + 1, y: inner.y, style: .dim)
            return
        }
        func reward(_ stepTime: Double) -> Double { -stepTime.squareRoot() }
        let means = axis.means.map { $0.map(reward) }
        let bests = axis.bests.map { $0.map(reward) }
        var references =
            state.model.lowerBound.map { [LineChart.Reference(value: reward($0), label: "bound")] }
            ?? []
        references += state.baselines.filter { !$0.outOfMemory && $0.stepTime.isFinite }
            .map { LineChart.Reference(value: reward($0.stepTime), label: $0.method) }
        (chart.low, chart.high) = Self.rewardRange(
            means: means.compactMap { $0 }.filter(\.isFinite), bests: bests.compactMap { $0 },
            references: references.map(\.value))
        chart.caption = axis.caption
        chart.draw(
            into: &grid, area: inner,
            series: [
                LineChart.Series(
                    values: means, role: .meanCurve, combine: LineChart.mean, dotted: true,
                    joined: axis.joinsMeans),
                LineChart.Series(
                    values: bests, role: .bestCurve, combine: LineChart.maximum, steps: true,
                    stepRoles: axis.stepRoles),
            ], references: references, iterations: axis.means.count,
            firstIteration: axis.first, lastIteration: axis.last, cursor: axis.cursor)
    }

    /// The reward curves' step times along x, the axis's ends and caption, and the cursor's
    /// place: one value per iteration, or under a budget one per dot column of placements
    /// measured. Nil before anything to draw.
    struct RewardAxis {
        var means: [Double?]
        var bests: [Double?]
        var first: Int
        var last: Int?
        var caption: String
        var joinsMeans: Bool
        var cursor: Int?
        /// Per best value, the role of the step into it: the means' where the learned search
        /// found it (its batches are the means), nil for the best curve's own.
        var stepRoles: [Role?]?
    }

    static func rewardAxis(_ state: ExplorerState, dotWidth: Int) -> RewardAxis? {
        let history = state.snapshot?.history ?? []
        let cursor = state.focus == .chart ? state.chartCursor : nil
        if let budget = state.snapshot?.budget, budget.trace.points.count > 1, dotWidth > 0 {
            let columns = placementColumns(budget.trace, budget: budget.budget, width: dotWidth)
            let cursorColumn = cursor.flatMap { index in
                history.indices.contains(index)
                    ? budget.trace.measured(atIteration: history[index].iteration) : nil
            }.map { column(ofMeasured: $0, budget: budget.budget, width: dotWidth) }
            return RewardAxis(
                means: columns.means, bests: columns.bests, first: 0, last: budget.budget,
                caption: "placements measured", joinsMeans: false, cursor: cursorColumn,
                stepRoles: columns.finders.map { $0.flatMap(stepRole) })
        }
        guard !history.isEmpty else { return nil }
        return RewardAxis(
            means: history.map(\.meanStepTime), bests: history.map(\.bestSoFar), first: 1,
            last: history.last?.iteration, caption: "iteration", joinsMeans: true, cursor: cursor)
    }

    /// `trace` on `width` dot columns spanning placements measured from none to `budget`:
    /// column c holds the rounds that ended after c·budget/width placements and by
    /// (c+1)·budget/width (the last column any later). Its best is the best after the last
    /// round ending by its end, none past the placements measured so far; its mean is that of
    /// the learned batches ending in it, none where no batch did; its finder that of the last
    /// round in it that found a new best. O(width + points).
    static func placementColumns(
        _ trace: BudgetTrace, budget: Int, width: Int
    ) -> PlacementColumns {
        var columns = PlacementColumns(width: width)
        guard width > 0, budget > 0, let lastMeasured = trace.points.last?.measured else {
            return columns
        }
        var index = 0
        var best: Double?
        for column in 0..<width {
            let start = Double(column) * Double(budget) / Double(width)
            guard column == 0 || start < Double(lastMeasured) else { break }
            let end = column == width - 1 ? .infinity : start + Double(budget) / Double(width)
            var sum = 0.0
            var batches = 0
            while index < trace.points.count, Double(trace.points[index].measured) <= end {
                let point = trace.points[index]
                best = point.best ?? best
                columns.finders[column] = point.foundBy ?? columns.finders[column]
                if let mean = point.meanStepTime {
                    sum += mean * Double(point.batches)
                    batches += point.batches
                }
                index += 1
            }
            columns.bests[column] = best
            if batches > 0 { columns.means[column] = sum / Double(batches) }
        }
        return columns
    }

    /// A budget's trace on the dot columns of a chart (`placementColumns`).
    struct PlacementColumns: Equatable {
        var means: [Double?]
        var bests: [Double?]
        /// What found the last new best among a column's rounds; nil where none did.
        var finders: [BestSource?]

        init(width: Int) {
            means = [Double?](repeating: nil, count: max(width, 0))
            bests = means
            finders = [BestSource?](repeating: nil, count: max(width, 0))
        }
    }

    /// Where a budget's placements went, for the reward chart's title: each part that measured
    /// any, with its placements and its signed change to the best step time ("learned N −P% ·
    /// climb N −P%"); empty before any.
    static func ledgerTitle(_ ledger: BudgetedSearch.Ledger) -> String {
        ledger.measuredParts.map { part in
            "\(part.shortLabel) \(Units.grouped(ledger[part].measured)) "
                + Units.signedPercent(ledger[part].change, decimals: 1, minus: "−")
        }.joined(separator: " · ")
    }

    /// The colour of a step of the best curve found by `finder`: the learned search's (the
    /// means') for its samples and the policy's rehearsal, the curve's own (nil) otherwise.
    static func stepRole(_ finder: BestSource) -> Role? {
        switch finder {
        case .learned, .rehearsal: .meanCurve
        case .start, .climb, .fittedModel: nil
        }
    }

    /// The dot column `placementColumns` puts a round ending at `measured` placements in.
    static func column(ofMeasured measured: Int, budget: Int, width: Int) -> Int {
        guard budget > 0, width > 0 else { return 0 }
        let column = (Double(measured) * Double(width) / Double(budget)).rounded(.up) - 1
        return min(max(Int(column), 0), width - 1)
    }

    /// The y range of the reward chart: from the lower of the means' 0.05 quantile and the best
    /// curve's lowest point to the best curve's highest, each widened to the nearest reference
    /// beyond it (when there is one), so that both curves show and one reference line frames
    /// them on each side. A flat range is opened by a tenth.
    static func rewardRange(means: [Double], bests: [Double], references: [Double]) -> (
        low: Double, high: Double
    ) {
        let curves = means + bests
        guard let top = curves.max() else {
            let values = references.isEmpty ? [0.0] : references
            return (values.min()! - 1, values.max()! + 1)
        }
        var low = min(LineChart.quantile(means, 0.05) ?? top, bests.min() ?? top)
        var high = top
        if let above = references.filter({ $0 >= high }).min() { high = above }
        if let below = references.filter({ $0 <= low }).max() { low = below }
        if !(high - low > 1e-9) { low = high - max(abs(high) * 0.1, 1) }
        return (low, high)
    }

    static func drawKL(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let history = state.snapshot?.history ?? []
        // Beta is Spotlight's; the policy gradient has no KL penalty. The longest title that fits.
        var titles = ["KL(old‖new)", "KL"]
        if let last = history.last {
            let beta = state.model.method == .spotlight ? " β " + Units.short(last.beta) : ""
            let entropy = " H " + Units.fixed(last.entropy, decimals: 2)
            titles = ["KL(old‖new)" + beta + entropy, "KL" + beta + entropy, "KL" + beta, "KL"]
        }
        let inner = grid.box(rect, title: CellGrid.fittingTitle(titles, inBoxOfWidth: rect.width))
        legend(into: &grid, rect: rect, [("mean", .klCurve), ("max", .maxKLCurve)])
        guard !history.isEmpty else { return }
        // Spikes of the max curve above the target are what the target is there to show.
        let maxima = history.map(\.maxKL).filter(\.isFinite)
        var high = LineChart.quantile(maxima, 0.95) ?? 0
        if let target = state.model.targetKL { high = max(high, target * 1.5) }
        high = max(high, 1e-6)
        let chart = LineChart(low: 0, high: high * 1.05, format: Units.format4, labelWidth: 7)
        let targetLabel = state.model.targetKLMeasure == .largest ? "max target" : "mean target"
        let references =
            state.model.targetKL.map { [LineChart.Reference(value: $0, label: targetLabel)] } ?? []
        chart.draw(
            into: &grid, area: inner,
            series: [
                LineChart.Series(
                    values: history.map(\.meanKL), role: .klCurve, combine: LineChart.mean,
                    dotted: true),
                LineChart.Series(
                    values: history.map(\.maxKL), role: .maxKLCurve, combine: LineChart.maximum),
            ], references: references, iterations: history.count,
            lastIteration: history.last?.iteration,
            cursor: state.focus == .chart ? state.chartCursor : nil)
    }

    /// What the charts' cursor reads: the iteration's mean step time, the best so far, the mean
    /// and largest KL, beta and the policy's entropy.
    static func readout(_ state: ExplorerState) -> String? {
        guard let history = state.snapshot?.history, history.indices.contains(state.chartCursor)
        else { return nil }
        let stats = history[state.chartCursor]
        let first = state.chartCursor > 0 ? history[state.chartCursor - 1].iteration + 1 : 1
        var parts = [
            first < stats.iteration
                ? "iterations \(first)-\(stats.iteration)" : "iteration \(stats.iteration)",
            "mean " + (stats.meanStepTime.map(Units.microseconds) ?? "-"),
            "best so far " + (stats.bestSoFar.map(Units.microseconds) ?? "-"),
            "KL " + Units.format4(stats.meanKL) + " (max " + Units.format4(stats.maxKL) + ")",
        ]
        if state.model.method == .spotlight { parts.append("β " + Units.short(stats.beta)) }
        parts.append("H " + Units.fixed(stats.entropy, decimals: 2))
        if let measured = state.snapshot?.budget?.trace.measured(atIteration: stats.iteration) {
            parts.append("\(measured) measured")
        }
        return parts.joined(separator: " · ")
    }

    /// "┈ mean ━ best" in the bottom border, each in its series' colour and look: the first
    /// series of each chart is dotted, the others solid. Items past the first two are left out,
    /// last first, where the border is too short for them.
    private static func legend(into grid: inout CellGrid, rect: Rect, _ items: [(String, Role)]) {
        var items = items
        func start() -> Int {
            rect.maxX - 2 - items.map { "━ " + $0.0 }.joined(separator: " ").count - 2
        }
        while items.count > 2, start() <= rect.x + 2 { items.removeLast() }
        var x = start()
        guard x > rect.x + 2 else { return }
        grid.write(" ", x: x, y: rect.maxY - 1, style: CellStyle(.border))
        x += 1
        for (index, (name, role)) in items.enumerated() {
            x = grid.write(
                index == 0 ? "┈" : "━", x: x, y: rect.maxY - 1,
                style: CellStyle(role, attributes: .bold))
            x = grid.write(
                " " + name + (index == items.count - 1 ? " " : " "), x: x, y: rect.maxY - 1,
                style: .dim)
        }
    }
}
