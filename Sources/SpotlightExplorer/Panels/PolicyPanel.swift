import Foundation
import SpotlightModel

/// The whole policy at a glance, in place of the op graph (`v`): one row per stage, one column
/// per device, each cell shaded by q(device | stage) (blank below 0.05, then ░ ▒ ▓ █ by
/// quarters) in the device's colour, then the stage's entropy; rows in stage order, by entropy
/// (the most undecided first) or by work (the most flops first), `o` to change; a scrollbar when
/// the stages do not fit. The selected stage is highlighted, its pinned device marked. Below, when
/// the panel is tall enough, a chart of the selected stage's q over the iterations seen, a line
/// per device it may use.
enum PolicyPanel {
    /// The least inner height that leaves room for the chart of the selected stage's history.
    static let chartMinimumPanelHeight = 18

    /// The orders the rows can take.
    enum Order: String, CaseIterable, Sendable {
        case stage = "stage order"
        case entropy = "entropy"
        case work = "work"

        var next: Order {
            Order.allCases[(Order.allCases.firstIndex(of: self)! + 1) % Order.allCases.count]
        }
    }

    static let shades: [Unicode.Scalar] = [" ", "░", "▒", "▓", "█"]

    /// The shade of probability `q`: blank below 0.05, then a step per quarter.
    static func shade(_ q: Double) -> Unicode.Scalar {
        q < 0.05 ? shades[0] : shades[min(4, 1 + Int(q * 4))]
    }

    /// Each stage's entropy in nats, from its probabilities (0 without any).
    static func entropy(_ probabilities: [Float]) -> Double {
        probabilities.reduce(0.0) { sum, p in
            p > 0 ? sum - Double(p) * Foundation.log(Double(p)) : sum
        }
    }

    /// The stages in the order the rows show them.
    static func rows(_ state: ExplorerState) -> [Int] {
        let model = state.model
        let stages = Array(0..<model.stageCount)
        let probabilities = state.snapshot?.stageProbabilities ?? []
        switch state.policyOrder {
        case .stage:
            return stages
        case .entropy:
            let entropies = stages.map {
                probabilities.indices.contains($0) ? entropy(probabilities[$0]) : 0
            }
            return stages.sorted { (entropies[$0], $1) > (entropies[$1], $0) }
        case .work:
            let work = model.problem.stages.features.map(\.flops)
            return stages.sorted { (work[$0], $1) > (work[$1], $0) }
        }
    }

    static func draw(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let model = state.model
        let order = rows(state)
        // A caption, the plot and the axis: a third of the panel, or what the rows leave, up to
        // half of it; an odd plot height puts the middle tick at 0.5.
        let inside = rect.height - 2
        var chartHeight =
            inside >= chartMinimumPanelHeight
            ? min(inside / 2, max(inside / 3, inside - 1 - order.count)) : 0
        if chartHeight > 0 && chartHeight % 2 == 0 { chartHeight -= 1 }
        let rowCount = max(0, rect.height - 3 - chartHeight)
        let position = order.firstIndex(of: state.selectedStage) ?? 0
        let top =
            order.count > rowCount
            ? min(max(position - rowCount / 2, 0), order.count - rowCount) : 0
        // The longest title that fits: the keys go first, then the word "policy".
        let what = "q(device | stage) · by \(state.policyOrder.rawValue)"
        let titles = ["policy " + what + " · o order · v graph", "policy " + what, what]
        let inner = grid.box(rect, title: CellGrid.fittingTitle(titles, inBoxOfWidth: rect.width))
        guard inner.height >= 2, inner.width >= 24 else { return }
        let probabilities = state.snapshot?.stageProbabilities ?? []
        let labelWidth = min(24, max(10, inner.width / 4))
        let cellWidth = max(1, min(5, (inner.width - labelWidth - 12) / max(model.deviceCount, 1)))
        let gridX = inner.x + labelWidth
        // The header: each device's number over its column.
        grid.write("stage", x: inner.x + 1, y: inner.y, style: .dim)
        for device in 0..<model.deviceCount {
            let x = gridX + device * cellWidth
            grid.write(
                String(device + 1), x: x, y: inner.y,
                style: CellStyle(Role.device(device), attributes: .bold),
                limit: cellWidth)
        }
        grid.write("H", x: gridX + model.deviceCount * cellWidth + 1, y: inner.y, style: .dim)
        for row in 0..<min(rowCount, order.count - top) {
            let stage = order[top + row]
            let y = inner.y + 1 + row
            drawRow(
                stage, y: y, into: &grid, inner: inner, labelWidth: labelWidth,
                cellWidth: cellWidth,
                probabilities: probabilities.indices.contains(stage) ? probabilities[stage] : [],
                state: state)
        }
        if order.count > rowCount {
            scrollbar(
                into: &grid, x: inner.maxX - 1, y: inner.y + 1, height: rowCount,
                top: top, shown: rowCount, total: order.count)
        }
        if chartHeight > 0 {
            drawHistory(
                into: &grid,
                area: Rect(
                    x: inner.x, y: inner.maxY - chartHeight, width: inner.width,
                    height: chartHeight),
                state: state)
        }
    }

    /// The selected stage's q over the iterations seen: a caption row, then a line per device
    /// the stage may use, on a scale of 0 to 1.
    private static func drawHistory(into grid: inout CellGrid, area: Rect, state: ExplorerState) {
        let model = state.model
        let history = state.policyHistory
        let stage = state.selectedStage
        for x in area.x..<area.maxX { grid[x, area.y] = Cell("─", style: CellStyle(.border)) }
        let caption =
            history.iterations.isEmpty
            ? " stage \(stage): q over iterations, once the search has run "
            : " stage \(stage): q over iterations \(history.iterations.first!)–"
                + "\(history.iterations.last!) "
        grid.write(caption, x: area.x + 1, y: area.y, style: .dim, limit: area.width - 2)
        let devices = (0..<model.deviceCount).filter { model.stage(stage, allows: $0) }
        let series = devices.map { device in
            LineChart.Series(
                values: history.series(stage: stage, device: device).map { Optional($0) },
                role: Role.device(device), combine: LineChart.mean, dotted: device % 2 == 1)
        }
        let chart = LineChart(
            low: 0, high: 1, format: { Units.fixed($0, decimals: 1) }, labelWidth: 4)
        chart.draw(
            into: &grid,
            area: Rect(x: area.x, y: area.y + 1, width: area.width - 1, height: area.height - 1),
            series: series, references: [], iterations: history.iterations.count,
            firstIteration: history.iterations.first ?? 1, lastIteration: history.iterations.last)
    }

    private static func drawRow(
        _ stage: Int, y: Int, into grid: inout CellGrid, inner: Rect, labelWidth: Int,
        cellWidth: Int, probabilities: [Float], state: ExplorerState
    ) {
        let model = state.model
        let selected = stage == state.selectedStage
        var x = grid.write(
            selected ? Glyph.selected : " ", x: inner.x, y: y,
            style: CellStyle(.accent, attributes: .bold))
        // Numbers right-aligned, so that the names start in one column.
        let number = String(stage)
        let numberWidth = String(max(model.stageCount - 1, 0)).count
        x = grid.write(
            String(repeating: " ", count: numberWidth - number.count) + number + " ", x: x, y: y,
            style: .dim)
        grid.writeMiddle(
            model.stageLabels[stage], x: x, y: y,
            style: selected ? CellStyle(.text, attributes: .bold) : .text,
            limit: inner.x + labelWidth - 1 - x)
        let pin = state.stagePins.indices.contains(stage) ? state.stagePins[stage] : -1
        let gridX = inner.x + labelWidth
        for device in 0..<model.deviceCount {
            let q = device < probabilities.count ? Double(probabilities[device]) : 0
            let glyph: Unicode.Scalar = device == pin ? Glyph.stagePinned : shade(q)
            let cell = Cell(
                glyph, style: CellStyle(Role.device(device), attributes: device == pin ? .bold : [])
            )
            for column in 0..<max(cellWidth - 1, 1) {
                grid[gridX + device * cellWidth + column, y] = cell
            }
        }
        let entropyX = gridX + model.deviceCount * cellWidth + 1
        grid.write(
            Units.fixed(entropy(probabilities), decimals: 2), x: entropyX, y: y, style: .dim,
            limit: max(0, inner.maxX - 1 - entropyX))
        if selected {
            grid.paintBackground(
                Rect(x: inner.x, y: y, width: inner.width - 1, height: 1), .selection)
        }
    }

    /// A vertical scrollbar: the track `│` and a thumb `┃` as long as the share shown.
    private static func scrollbar(
        into grid: inout CellGrid, x: Int, y: Int, height: Int, top: Int, shown: Int,
        total: Int
    ) {
        guard height > 0, total > 0 else { return }
        let thumb = max(1, height * shown / total)
        let start = min(height - thumb, height * top / total)
        for row in 0..<height {
            grid[x, y + row] = Cell(
                row >= start && row < start + thumb ? "┃" : "│", style: CellStyle(.border))
        }
    }
}
