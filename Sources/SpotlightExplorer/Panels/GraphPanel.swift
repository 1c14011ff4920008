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
            "op graph · \(state.showsBestPlacement ? "best placement" : "policy's most likely placement")"
        if model.stageCount > rows && shown > 0 {
            title += " · stages \(top)–\(top + shown - 1) of \(model.stageCount)"
        }
        let inner = grid.box(rect, title: title)
        guard inner.height >= 2, inner.width >= 20 else { return }

        let labelWidth = self.labelWidth(inner)
        let mapX = inner.x + labelWidth
        let columns = inner.width - labelWidth
        let numberWidth = String(max(model.stageCount - 1, 0)).count
        let colored = state.theme.usesColor
        var count = [Int](repeating: 0, count: columns)
        var heaviest = [Int](repeating: -1, count: columns)
        var critical = [Bool](repeating: false, count: columns)
        let graph = model.graph
        let depthBands = model.maximumDepth + 1

        for row in 0..<shown {
            let stage = top + row
            let y = inner.y + row
            let isSelected = stage == state.selectedStage
            let ops = model.stageOpsByDepth[stage]
            let pinned = state.stagePins.indices.contains(stage) && state.stagePins[stage] >= 0
            let stageDevice = pinned ? state.stagePins[stage] : majorityDevice(ops, state: state)

            var x = inner.x
            x = grid.write(
                isSelected ? Glyph.selected : " ", x: x, y: y,
                style: CellStyle(.accent, attributes: .bold))
            let number = String(stage)
            x = grid.write(
                String(repeating: " ", count: numberWidth - number.count) + number + " ", x: x,
                y: y, style: .dim)
            let swatch = pinned ? Glyph.stagePinned : Glyph.stage
            if stageDevice >= 0 {
                let glyph = colored ? swatch : deviceDigit(stageDevice)
                grid[x, y] = Cell(
                    glyph,
                    style: CellStyle(Role.device(stageDevice), attributes: pinned ? .bold : []))
            }
            x += 2
            grid.writeMiddle(
                model.stageLabels[stage], x: x, y: y,
                style: isSelected ? CellStyle(.text, attributes: .bold) : .text,
                limit: inner.x + labelWidth - 1 - x)

            for column in 0..<columns {
                count[column] = 0
                heaviest[column] = -1
                critical[column] = false
            }
            for op in ops {
                let column = graph.depth[op] * columns / depthBands
                count[column] += 1
                if heaviest[column] < 0 || graph.flops[op] > graph.flops[heaviest[column]] {
                    heaviest[column] = op
                }
                if state.onCriticalPath[op] { critical[column] = true }
            }
            let selectedOp = isSelected ? state.selectedOp : nil
            let selectedColumn = selectedOp.map { graph.depth[$0] * columns / depthBands }
            for column in 0..<columns where count[column] > 0 {
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
                if column == selectedColumn {
                    grid[mapX + column, y] = Cell(
                        Glyph.selectedOp, style: CellStyle(.highlight, attributes: .bold))
                } else {
                    grid[mapX + column, y] = Cell(
                        glyph, style: CellStyle(role, attributes: attributes))
                }
            }
            if isSelected {
                grid.paintBackground(
                    Rect(x: inner.x, y: y, width: inner.width, height: 1), .selection)
            }
        }

        // The depth axis under the map, and the legend.
        let axisY = inner.maxY - 1
        grid.write("depth", x: inner.x + 1, y: axisY, style: CellStyle(.axis))
        grid.write("0", x: mapX, y: axisY, style: CellStyle(.axis))
        grid.writeRight(
            String(model.maximumDepth), maxX: inner.maxX, y: axisY, style: CellStyle(.axis))
        let legend =
            colored
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
