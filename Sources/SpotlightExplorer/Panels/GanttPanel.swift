import SpotlightModel
import SpotlightSimulation

/// The best placement's step as a Gantt chart, in the op graph's place (`g`): one row per device
/// and per busy link direction, time across; each column shaded by how busy its row is in that
/// slice of time (` ░▒▓█` by quarters), in the device's colour, in the critical path's colour
/// where an op of the critical path runs. `+` and `-` zoom, `<` and `>` move along the step.
enum GanttPanel {
    /// Each row's busy share per column, and which columns hold critical-path ops.
    struct Row {
        var label: String
        var role: Role
        var busy: [Double]
        var critical: [Bool]
    }

    /// The shown window of the step: `[start, end)` in microseconds.
    static func window(_ state: ExplorerState, stepTime: Double) -> (start: Double, end: Double) {
        let span = stepTime / Double(state.ganttZoom)
        let start = min(max(0, Double(state.ganttOffset) * span / 4), max(stepTime - span, 0))
        return (start, start + span)
    }

    /// The rows of `timeline` over `columns` slices of `window`.
    static func rows(
        _ timeline: Timeline, critical: [Bool], model: ExplorerModel, columns: Int,
        window: (start: Double, end: Double)
    ) -> [Row] {
        let slice = (window.end - window.start) / Double(max(columns, 1))
        func add(_ start: Double, _ end: Double, to row: inout Row, critical: Bool) {
            guard end > window.start, start < window.end, slice > 0 else { return }
            let first = max(0, Int((start - window.start) / slice))
            let last = min(columns - 1, Int((end - window.start) / slice))
            guard first <= last else { return }
            for column in first...last {
                let from = window.start + Double(column) * slice
                let overlap = min(end, from + slice) - max(start, from)
                if overlap > 0 {
                    row.busy[column] += overlap / slice
                    if critical { row.critical[column] = true }
                }
            }
        }
        var rows = (0..<model.deviceCount).map { device in
            Row(
                label: model.deviceLabel(device), role: Role.device(device),
                busy: Array(repeating: 0, count: columns),
                critical: Array(repeating: false, count: columns))
        }
        for op in timeline.assignment.indices {
            let device = timeline.assignment[op]
            guard rows.indices.contains(device) else { continue }
            add(
                timeline.opStart[op], timeline.opFinish[op], to: &rows[device],
                critical: critical.indices.contains(op) && critical[op])
        }
        // Link directions by `from * devices + to`, the order their rows are shown in.
        var links = [Row?](repeating: nil, count: model.deviceCount * model.deviceCount)
        for transfer in timeline.transfers {
            let key = transfer.from * model.deviceCount + transfer.to
            guard links.indices.contains(key) else { continue }
            var row =
                links[key]
                ?? Row(
                    label: "\(transfer.from + 1)→\(transfer.to + 1)", role: .dim,
                    busy: Array(repeating: 0, count: columns),
                    critical: Array(repeating: false, count: columns))
            add(transfer.start, transfer.end, to: &row, critical: false)
            links[key] = row
        }
        return rows + links.compactMap { $0 }
    }

    static func draw(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let inner = grid.box(
            rect, title: "step of the best placement · +/- zoom · </> move · g graph")
        guard inner.height >= 3, inner.width >= 24 else { return }
        guard let timeline = state.ganttTimeline, let result = state.snapshot?.bestResult else {
            grid.write("no placement measured yet", x: inner.x + 1, y: inner.y, style: .dim)
            return
        }
        let labelWidth = 10
        let columns = inner.width - labelWidth - 1
        let window = window(state, stepTime: result.stepTime)
        let rows = rows(
            timeline, critical: state.onCriticalPath, model: state.model, columns: columns,
            window: window)
        for (index, row) in rows.prefix(inner.height - 1).enumerated() {
            let y = inner.y + index
            grid.write(
                row.label, x: inner.x + 1, y: y, style: CellStyle(row.role, attributes: .bold),
                limit: labelWidth - 1)
            for column in 0..<columns where row.busy[column] > 0 {
                let glyph = PolicyPanel.shade(min(row.busy[column], 1))
                let role: Role = row.critical[column] ? .critical : row.role
                grid[inner.x + labelWidth + column, y] = Cell(
                    glyph == " " ? "▏" : glyph, style: CellStyle(role))
            }
        }
        let axisY = inner.maxY - 1
        grid.write(
            Units.microseconds(window.start), x: inner.x + labelWidth, y: axisY,
            style: CellStyle(.axis))
        grid.writeRight(
            Units.microseconds(window.end), maxX: inner.maxX, y: axisY, style: CellStyle(.axis))
        if rows.count > inner.height - 1 {
            grid.write(
                "+\(rows.count - inner.height + 1) links", x: inner.x + 1, y: axisY, style: .dim,
                limit: labelWidth - 1)
        }
    }
}
