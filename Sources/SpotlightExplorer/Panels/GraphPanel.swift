import SpotlightModel

/// The op graph as a map: one row per stage, one column per band of topological depth; a cell
/// shows that the stage has ops at that depth, coloured by the device of the heaviest of them in
/// the shown placement (numbered instead when the theme has no colour), with ◆ where an op lies on
/// the best placement's critical path. The selected stage's row is highlighted.
enum GraphPanel {
    static func draw(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let model = state.model
        let rows = stageRows(rect)
        let top = firstVisibleStage(state: state, rows: rows)
        let shown = min(rows, model.stageCount - top)
        var title =
            "op graph · "
            + (state.showsBestPlacement ? "best placement" : "policy's most likely placement")
        if model.stageCount > rows && shown > 0 {
            title += " · stages \(top)–\(top + shown - 1) of \(model.stageCount)"
        }
        let inner = grid.box(rect, title: title)
        guard inner.height >= 2, inner.width >= 20 else { return }
        let labelWidth = self.labelWidth(inner)
        var map = DepthMap(columns: inner.width - labelWidth)
        for row in 0..<shown {
            let stage = top + row
            let y = inner.y + row
            drawLabel(stage, into: &grid, x: inner.x, y: y, width: labelWidth, state: state)
            map.fill(stage: stage, state: state)
            map.draw(stage: stage, into: &grid, x: inner.x + labelWidth, y: y, state: state)
            if stage == state.selectedStage {
                grid.paintBackground(
                    Rect(x: inner.x, y: y, width: inner.width, height: 1), .selection)
            }
        }
        drawAxis(into: &grid, inner: inner, mapX: inner.x + labelWidth, state: state)
    }

    /// A stage's row label: the selection mark, its number, its device's swatch (pinned or not)
    /// and its name, cut in the middle to fit `width`.
    static func drawLabel(
        _ stage: Int, into grid: inout CellGrid, x start: Int, y: Int, width: Int,
        state: ExplorerState
    ) {
        let model = state.model
        let isSelected = stage == state.selectedStage
        let pinned = state.stagePins.indices.contains(stage) && state.stagePins[stage] >= 0
        let stageDevice =
            pinned
            ? state.stagePins[stage] : majorityDevice(model.stageOpsByDepth[stage], state: state)
        let numberWidth = String(max(model.stageCount - 1, 0)).count
        var x = grid.write(
            isSelected ? Glyph.selected : " ", x: start, y: y,
            style: CellStyle(.accent, attributes: .bold))
        let number = String(stage)
        x = grid.write(
            String(repeating: " ", count: numberWidth - number.count) + number + " ", x: x,
            y: y, style: .dim)
        if stageDevice >= 0 {
            let swatch = pinned ? Glyph.stagePinned : Glyph.stage
            grid[x, y] = Cell(
                state.theme.usesColor ? swatch : deviceDigit(stageDevice),
                style: CellStyle(Role.device(stageDevice), attributes: pinned ? .bold : []))
        }
        x += 2
        grid.writeMiddle(
            model.stageLabels[stage], x: x, y: y,
            style: isSelected ? CellStyle(.text, attributes: .bold) : .text,
            limit: start + width - 1 - x)
    }

    /// One stage's ops binned by depth into the map's columns: how many fall in each, the
    /// heaviest of them (whose device colours the cell) and whether any is on the critical path.
    /// Reused from row to row, so that drawing allocates nothing per row.
    struct DepthMap {
        let columns: Int
        var count: [Int]
        var heaviest: [Int]
        var critical: [Bool]

        init(columns: Int) {
            self.columns = columns
            count = [Int](repeating: 0, count: columns)
            heaviest = [Int](repeating: -1, count: columns)
            critical = [Bool](repeating: false, count: columns)
        }

        func column(of op: Int, in model: ExplorerModel) -> Int {
            model.graph.depth[op] * columns / (model.maximumDepth + 1)
        }

        mutating func fill(stage: Int, state: ExplorerState) {
            let graph = state.model.graph
            for column in 0..<columns {
                count[column] = 0
                heaviest[column] = -1
                critical[column] = false
            }
            for op in state.model.stageOpsByDepth[stage] {
                let column = column(of: op, in: state.model)
                count[column] += 1
                if heaviest[column] < 0 || graph.flops[op] > graph.flops[heaviest[column]] {
                    heaviest[column] = op
                }
                if state.onCriticalPath[op] { critical[column] = true }
            }
        }

        /// The row's cells from `mapX`: a device-coloured mark (a digit without colour) per
        /// column with ops, ◆ on the critical path, the selected op highlighted.
        func draw(stage: Int, into grid: inout CellGrid, x mapX: Int, y: Int, state: ExplorerState)
        {
            let colored = state.theme.usesColor
            let selectedOp = stage == state.selectedStage ? state.selectedOp : nil
            let selectedColumn = selectedOp.map { column(of: $0, in: state.model) }
            for column in 0..<columns where count[column] > 0 {
                if column == selectedColumn {
                    grid[mapX + column, y] = Cell(
                        Glyph.selectedOp, style: CellStyle(.highlight, attributes: .bold))
                    continue
                }
                let device = state.opDevice[heaviest[column]]
                let role = device >= 0 ? Role.device(device) : .dim
                var glyph = count[column] == 1 ? Glyph.oneOp : Glyph.severalOps
                var attributes: CellAttributes = []
                if !colored && device >= 0 { glyph = deviceDigit(device) }
                if critical[column] {
                    // By glyph, not colour or weight alone: a digit stays a device without colour.
                    glyph = Glyph.critical
                    attributes = .bold
                }
                grid[mapX + column, y] = Cell(glyph, style: CellStyle(role, attributes: attributes))
            }
        }
    }

    /// The depth axis under the map, and the legend.
    static func drawAxis(into grid: inout CellGrid, inner: Rect, mapX: Int, state: ExplorerState) {
        let axisY = inner.maxY - 1
        let columns = inner.maxX - mapX
        grid.write("depth", x: inner.x + 1, y: axisY, style: CellStyle(.axis))
        grid.write("0", x: mapX, y: axisY, style: CellStyle(.axis))
        grid.writeRight(
            String(state.model.maximumDepth), maxX: inner.maxX, y: axisY, style: CellStyle(.axis))
        let legend =
            state.theme.usesColor
            ? "\(Glyph.critical) critical path  \(Glyph.stagePinned) pinned"
            : "digits: device  \(Glyph.critical) critical path"
        let legendX = mapX + max(2, (columns - legend.count) / 2)
        if columns > legend.count + 12 { grid.write(legend, x: legendX, y: axisY, style: .dim) }
    }

    /// Rows for stages: the inside minus the axis row.
    static func stageRows(_ rect: Rect) -> Int { max(0, rect.height - 3) }

    static func labelWidth(_ inner: Rect) -> Int { min(28, max(14, inner.width / 4)) }

    /// The first stage drawn: the selection is kept in the middle third when the stages do not fit.
    static func firstVisibleStage(state: ExplorerState, rows: Int) -> Int {
        let count = state.model.stageCount
        guard rows > 0, count > rows else { return 0 }
        return min(max(state.selectedStage - rows / 2, 0), count - rows)
    }

    /// The stage whose row is at screen cell `point`, if any.
    static func stage(at point: (x: Int, y: Int), layout: ExplorerLayout, state: ExplorerState)
        -> Int?
    {
        let inner = layout.graph.inset(by: 1)
        let rows = stageRows(layout.graph)
        guard inner.contains(x: point.x, y: point.y), point.y - inner.y < rows else { return nil }
        let stage = firstVisibleStage(state: state, rows: rows) + point.y - inner.y
        return stage < state.model.stageCount ? stage : nil
    }

    /// The device most of `ops` are on in the shown placement; -1 for none.
    static func majorityDevice(_ ops: [Int], state: ExplorerState) -> Int {
        majorityDevice(ops, in: state.opDevice, deviceCount: state.model.deviceCount)
    }

    /// The device most of `ops` are on in `assignment` (lowest id on ties); -1 for none.
    static func majorityDevice(_ ops: [Int], in assignment: [Int], deviceCount: Int) -> Int {
        var counts = [Int](repeating: 0, count: deviceCount)
        for op in ops where assignment[op] >= 0 { counts[assignment[op]] += 1 }
        guard let best = counts.indices.max(by: { counts[$0] < counts[$1] }), counts[best] > 0
        else { return -1 }
        return best
    }

    static func deviceDigit(_ device: Int) -> Unicode.Scalar {
        let number = device + 1
        return number < 10 ? Unicode.Scalar(UInt8(48 + number)) : "+"
    }
}
