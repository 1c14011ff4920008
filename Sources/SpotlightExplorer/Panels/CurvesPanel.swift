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
    /// is a step line, since it only changes when a placement beats it.
    static func drawReward(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let inner = grid.box(rect, title: "reward −√step time")
        legend(into: &grid, rect: rect, [("mean", .meanCurve), ("best", .bestCurve)])
        let history = state.snapshot?.history ?? []
        guard !history.isEmpty else {
            grid.write("waiting for the first iteration…", x: inner.x + 1, y: inner.y, style: .dim)
            return
        }
        func reward(_ stepTime: Double) -> Double { -stepTime.squareRoot() }
        let means = history.map { $0.meanStepTime.map(reward) }
        let bests = history.map { $0.bestSoFar.map(reward) }
        var references =
            state.model.lowerBound.map { [LineChart.Reference(value: reward($0), label: "bound")] }
            ?? []
        references += state.baselines.filter { !$0.outOfMemory && $0.stepTime.isFinite }
            .map { LineChart.Reference(value: reward($0.stepTime), label: $0.method) }
        let (low, high) = Self.rewardRange(
            means: means.compactMap { $0 }.filter(\.isFinite), bests: bests.compactMap { $0 },
            references: references.map(\.value))
        let chart = LineChart(low: low, high: high, format: { Units.microseconds($0 * $0) })
        chart.draw(
            into: &grid, area: inner,
            series: [
                LineChart.Series(
                    values: means, role: .meanCurve, combine: LineChart.mean, dotted: true),
                LineChart.Series(
                    values: bests, role: .bestCurve, combine: LineChart.maximum, steps: true),
            ], references: references, iterations: history.count,
            lastIteration: history.last?.iteration,
            cursor: state.focus == .chart ? state.chartCursor : nil)
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
        return parts.joined(separator: " · ")
    }

    /// "┈ mean ━ best" in the bottom border, each in its series' colour and look: the first
    /// series of each chart is dotted, the second solid.
    private static func legend(into grid: inout CellGrid, rect: Rect, _ items: [(String, Role)]) {
        let text = items.map { "━ " + $0.0 }.joined(separator: " ")
        var x = rect.maxX - 2 - text.count - 2
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
