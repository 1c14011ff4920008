import SpotlightModel
import SpotlightSearch

/// The live curves: reward per iteration (batch mean and batch best) against the baselines and
/// the lower bound, and the KL divergence of each update (mean and largest per stage) against
/// Spotlight's target.
enum CurvesPanel {
    /// Rewards are −√(step time): the y axis is labelled with the step time each height stands
    /// for, so the baselines' reference lines read directly. Higher is better; the top is the lower
    /// bound, which no placement beats, or with times measured on hardware the best of the curves
    /// and the baselines.
    static func drawReward(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let inner = grid.box(rect, title: "reward −√step time")
        legend(into: &grid, rect: rect, [("mean", .meanCurve), ("best", .bestCurve)])
        let history = state.snapshot?.history ?? []
        guard !history.isEmpty else {
            grid.write("waiting for the first iteration…", x: inner.x + 1, y: inner.y, style: .dim)
            return
        }
        func reward(_ stepTime: Double) -> Double { -stepTime.squareRoot() }
        let means = history.map { $0.meanReward }
        let bests = history.map { $0.bestStepTime.map(reward) }
        let baselines = state.baselines.filter { !$0.outOfMemory && $0.stepTime.isFinite }
        let finiteMeans = means.filter(\.isFinite), validBests = bests.compactMap { $0 }
        let baselineRewards = baselines.map { reward($0.stepTime) }
        let high: Double = state.model.lowerBound.map(reward) ?? (validBests + baselineRewards + finiteMeans).max() ?? 0
        var low = min(LineChart.quantile(finiteMeans, 0.05) ?? high, validBests.min() ?? high)
        low = min(low, baselineRewards.min() ?? low)
        if !(high - low > 1e-9) { low = high - max(abs(high) * 0.1, 1) }
        let margin = (high - low) * 0.04
        let chart = LineChart(low: low - margin, high: high + margin, format: { Units.microseconds($0 * $0) })
        var references = state.model.lowerBound == nil ? [] : [LineChart.Reference(value: high, label: "bound")]
        references += zip(baselines, baselineRewards).map { LineChart.Reference(value: $1, label: $0.method) }
        chart.draw(into: &grid, area: inner, series: [
            LineChart.Series(values: means, role: .meanCurve, combine: LineChart.mean),
            LineChart.Series(values: bests, role: .bestCurve, combine: LineChart.maximum),
        ], references: references, iterations: history.count)
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
        let room = CellGrid.titleRoom(inBoxOfWidth: rect.width)
        let inner = grid.box(rect, title: titles.first { CellGrid.columns(of: $0) <= room } ?? "KL")
        legend(into: &grid, rect: rect, [("mean", .klCurve), ("max", .maxKLCurve)])
        guard !history.isEmpty else { return }
        // Spikes of the max curve above the target are what the target is there to show.
        let maxima = history.map(\.maxKL).filter(\.isFinite)
        var high = LineChart.quantile(maxima, 0.95) ?? 0
        if let target = state.model.targetKL { high = max(high, target * 1.5) }
        high = max(high, 1e-6)
        let chart = LineChart(low: 0, high: high * 1.05, format: Units.format4, labelWidth: 7)
        let targetLabel = state.model.targetKLMeasure == .largest ? "max target" : "mean target"
        let references = state.model.targetKL.map { [LineChart.Reference(value: $0, label: targetLabel)] } ?? []
        chart.draw(into: &grid, area: inner, series: [
            LineChart.Series(values: history.map(\.meanKL), role: .klCurve, combine: LineChart.mean),
            LineChart.Series(values: history.map(\.maxKL), role: .maxKLCurve, combine: LineChart.maximum),
        ], references: references, iterations: history.count)
    }

    /// "━ mean ━ best" in the bottom border, each in its series' colour.
    private static func legend(into grid: inout CellGrid, rect: Rect, _ items: [(String, Role)]) {
        let text = items.map { "━ " + $0.0 }.joined(separator: " ")
        var x = rect.maxX - 2 - text.count - 2
        guard x > rect.x + 2 else { return }
        grid.write(" ", x: x, y: rect.maxY - 1, style: CellStyle(.border))
        x += 1
        for (index, (name, role)) in items.enumerated() {
            x = grid.write("━", x: x, y: rect.maxY - 1, style: CellStyle(role, attributes: .bold))
            x = grid.write(" " + name + (index == items.count - 1 ? " " : " "), x: x, y: rect.maxY - 1, style: .dim)
        }
    }
}
