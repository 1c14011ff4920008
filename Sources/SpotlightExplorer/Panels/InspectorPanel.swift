import SpotlightModel

/// The selected stage up close: its size and features, the policy's q(device | stage) as one bar
/// per device with the pinned device marked, and its ops (name, type, flops, device), where Enter
/// moves the selection so that keys act on a single op.
enum InspectorPanel {
    static func draw(into grid: inout CellGrid, rect: Rect, state: ExplorerState) {
        let model = state.model
        let stage = state.selectedStage
        let ops = model.stageOpsByDepth[stage]
        var title = "stage \(stage) of \(model.stageCount)"
        if state.focus == .ops {
            title += " · op \(min(state.selectedOpRow, ops.count - 1) + 1) of \(ops.count)"
        }
        let inner = grid.box(
            rect, title: title, style: CellStyle(state.focus == .ops ? .accent : .border))
        guard inner.height >= 4, inner.width >= 30 else { return }
        let area = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 1, height: inner.height)
        drawSummary(into: &grid, area: area, state: state)
        var y = drawPolicy(
            into: &grid,
            area: Rect(x: area.x, y: area.y + 3, width: area.width, height: area.height - 3),
            state: state)
        y += 1
        drawOps(
            into: &grid, area: Rect(x: area.x, y: y, width: area.width, height: inner.maxY - y),
            state: state)
    }

    /// Two rows: the stage's name, size and features; its depth, allowed devices and pin.
    private static func drawSummary(into grid: inout CellGrid, area: Rect, state: ExplorerState) {
        let model = state.model
        let stage = state.selectedStage
        let features = model.problem.stages.features[stage]
        let ops = features.opCount
        grid.write(
            [
                (model.stageLabels[stage], CellStyle(.text, attributes: .bold)),
                (Glyph.separator + "\(ops) op\(ops == 1 ? "" : "s")", .dim),
                (Glyph.separator + Units.flops(features.flops), .dim),
                (Glyph.separator + "out " + Units.bytes(features.outputBytes), .dim),
                (Glyph.separator + "params " + Units.bytes(features.persistentBytes), .dim),
            ], x: area.x, y: area.y, limit: area.width)
        let pin = state.stagePins.indices.contains(stage) ? state.stagePins[stage] : -1
        var second: [(String, CellStyle)] = [
            ("depth " + Units.fixed(features.relativeDepth, decimals: 2), .dim),
            (Glyph.separator + "devices " + allowedText(stage, model: model), .dim),
            (Glyph.separator, .dim),
        ]
        if pin >= 0 {
            second.append(
                (
                    "pinned to \(model.cluster.devices[pin].name)",
                    CellStyle(.highlight, attributes: .bold)
                ))
        } else {
            second.append(("not pinned", .dim))
        }
        grid.write(second, x: area.x, y: area.y + 1, limit: area.width)
    }

    /// q(a_n | s_n): a title (naming a preferred device when samples are preferences,
    /// `ExplorerState.decoder`), one bar per device that fits (leaving three rows for the ops), and
    /// the rest's q on one line. Returns the row after it.
    private static func drawPolicy(into grid: inout CellGrid, area: Rect, state: ExplorerState)
        -> Int
    {
        let model = state.model
        let stage = state.selectedStage
        var y = area.y
        // Placed as preferences, a sample's device is what list scheduling favours, not where
        // the stage's ops must go.
        let what = state.decoder == nil ? "device" : "preferred device"
        grid.write("policy q(\(what) | stage)", x: area.x, y: y, style: CellStyle(.title))
        y += 1
        let probabilities =
            state.snapshot?.stageProbabilities.indices.contains(stage) == true
            ? state.snapshot!.stageProbabilities[stage] : []
        let bars = min(model.deviceCount, max(0, area.maxY - y - 3))
        let nameWidth = min(
            14, (0..<model.deviceCount).map { model.deviceLabel($0).count }.max()! + 1)
        let best =
            state.showsBestPlacement
            ? GraphPanel.majorityDevice(model.stageOpsByDepth[stage], state: state) : nil
        for device in 0..<bars {
            drawBar(
                device, into: &grid, x: area.x, y: y, width: area.width, nameWidth: nameWidth,
                probabilities: probabilities, best: best, state: state)
            y += 1
        }
        if bars < model.deviceCount {
            // The rest in one line, most likely first, so that no device's q is hidden.
            let rest = (bars..<model.deviceCount).filter {
                model.stage(stage, allows: $0) && $0 < probabilities.count
            }
            .sorted { probabilities[$0] > probabilities[$1] }
            .map { "\($0 + 1) \(Units.fixed(Double(probabilities[$0]), decimals: 2))" }
            grid.write(
                "also " + (rest.isEmpty ? "none allowed" : rest.joined(separator: " · ")),
                x: area.x, y: y, style: .dim, limit: area.width)
            y += 1
        }
        return y
    }

    /// One device's row of the policy: its name and q as a bar, marked pinned or, when it is
    /// `best` (the best placement's device for the stage), best.
    private static func drawBar(
        _ device: Int, into grid: inout CellGrid, x: Int, y: Int, width: Int, nameWidth: Int,
        probabilities: [Float], best: Int?, state: ExplorerState
    ) {
        let model = state.model
        let stage = state.selectedStage
        let barWidth = max(6, width - nameWidth - 16)
        grid.write(
            model.deviceLabel(device), x: x, y: y, style: CellStyle(Role.device(device)),
            limit: nameWidth)
        if !model.stage(stage, allows: device) {
            grid.write("not allowed", x: x + nameWidth, y: y, style: .dim)
            return
        }
        guard device < probabilities.count else { return }
        let pin = state.stagePins.indices.contains(stage) ? state.stagePins[stage] : -1
        let probability = Double(probabilities[device])
        grid.bar(
            x: x + nameWidth, y: y, width: barWidth, fraction: probability,
            style: CellStyle(Role.device(device)))
        var after = " " + Units.fixed(probability, decimals: 2)
        if device == pin {
            after += " pinned"
        } else if device == best {
            after += " ◀ best"
        }
        grid.write(
            after, x: x + nameWidth + barWidth, y: y,
            style: device == pin ? CellStyle(.highlight, attributes: .bold) : .text)
    }

    /// The op list's columns: marks (2), name, type, FLOP (right-aligned, "999.9 MFLOP"),
    /// device; one space between each. A narrow panel drops the type, then the FLOP.
    struct OpColumns {
        static let device = 11
        static let minimumName = 12
        var type: Int
        var flops: Int
        var name: Int

        init(width: Int) {
            let fixed = 2 + Self.minimumName + 1 + Self.device
            type = width >= fixed + 25 ? 12 : 0
            flops = width >= fixed + 12 ? 11 : 0
            name = max(
                8,
                width - 2 - Self.device - 1 - (type > 0 ? type + 1 : 0)
                    - (flops > 0 ? flops + 1 : 0))
        }
    }

    /// The op list: a header row, then one row per op.
    private static func drawOps(into grid: inout CellGrid, area: Rect, state: ExplorerState) {
        guard area.height >= 2 else { return }
        let ops = state.model.stageOpsByDepth[state.selectedStage]
        let columns = OpColumns(width: area.width)
        let header =
            state.focus == .ops
            ? "ops (↑↓ select, 1-9 pin op, esc back)" : "ops (enter to select one)"
        grid.write(header, x: area.x, y: area.y, style: CellStyle(.title))
        let rows = area.height - 1
        let top = firstVisibleRow(state: state, rows: rows)
        for row in 0..<min(rows, ops.count - top) {
            let index = top + row
            let y = area.y + 1 + row
            let selected = state.focus == .ops && index == min(state.selectedOpRow, ops.count - 1)
            drawOp(
                ops[index], into: &grid, x: area.x, y: y, columns: columns, selected: selected,
                state: state)
            if selected {
                grid.paintBackground(
                    Rect(x: area.x, y: y, width: area.width, height: 1), .selection)
            }
        }
        if ops.count > top + rows {
            grid.writeRight(
                "+\(ops.count - top - rows) more", maxX: area.maxX, y: area.y, style: .dim)
        }
    }

    /// One op's row: selection and critical-path marks, name, type, FLOP, and its device or pin.
    private static func drawOp(
        _ op: Int, into grid: inout CellGrid, x start: Int, y: Int, columns: OpColumns,
        selected: Bool, state: ExplorerState
    ) {
        let graph = state.model.graph
        var x = grid.write(
            selected ? Glyph.selected : " ", x: start, y: y,
            style: CellStyle(.accent, attributes: .bold))
        x = grid.write(
            state.onCriticalPath[op] ? String(Glyph.critical) : " ", x: x, y: y,
            style: CellStyle(.critical))
        grid.writeMiddle(
            graph.opNames[op], x: x, y: y,
            style: selected ? CellStyle(.text, attributes: .bold) : .text, limit: columns.name)
        x = start + 2 + columns.name + 1
        if columns.type > 0 {
            grid.writeMiddle(graph.opTypes[op], x: x, y: y, style: .dim, limit: columns.type)
            x += columns.type + 1
        }
        if columns.flops > 0 {
            let flops = graph.flops[op] > 0 ? Units.flops(graph.flops[op]) : "-"
            grid.writeRight(flops, maxX: x + columns.flops, y: y, style: .dim)
            x += columns.flops + 1
        }
        let devices = state.model.cluster.devices
        let pin = state.opPins.indices.contains(op) ? state.opPins[op] : -1
        if pin >= 0 {
            grid.write(
                "pin " + devices[pin].name, x: x, y: y,
                style: CellStyle(.highlight, attributes: .bold), limit: OpColumns.device)
        } else if state.opDevice[op] >= 0 {
            grid.write(
                devices[state.opDevice[op]].name, x: x, y: y,
                style: CellStyle(Role.device(state.opDevice[op])), limit: OpColumns.device)
        }
    }

    static func allowedText(_ stage: Int, model: ExplorerModel) -> String {
        let allowed = (0..<model.deviceCount).filter { model.stage(stage, allows: $0) }
        if allowed.count == model.deviceCount { return "any" }
        return allowed.map { String($0 + 1) }.joined(separator: ",")
    }

    static func firstVisibleRow(state: ExplorerState, rows: Int) -> Int {
        let count = state.model.stageOpsByDepth[state.selectedStage].count
        guard rows > 0, count > rows, state.focus == .ops else { return 0 }
        return min(max(state.selectedOpRow - rows / 2, 0), count - rows)
    }

    /// Where the op list starts: after two summary rows, a gap, the q title, the bars and a gap.
    static func opListArea(layout: ExplorerLayout, state: ExplorerState) -> Rect {
        let inner = layout.inspector.inset(by: 1)
        var y = inner.y + 4
        let bars = min(state.model.deviceCount, max(0, inner.maxY - y - 3))
        y += bars + (bars < state.model.deviceCount ? 1 : 0) + 1
        return Rect(x: inner.x + 1, y: y, width: inner.width - 1, height: inner.maxY - y)
    }

    /// The op-list row at screen cell `point`, if any.
    static func opRow(at point: (x: Int, y: Int), layout: ExplorerLayout, state: ExplorerState)
        -> Int?
    {
        let area = opListArea(layout: layout, state: state)
        guard area.contains(x: point.x, y: point.y), point.y > area.y else { return nil }
        let rows = area.height - 1
        // A click selects as if the list had the focus, so measure the scroll that way.
        var focused = state
        focused.focus = .ops
        let row = firstVisibleRow(state: focused, rows: rows) + point.y - area.y - 1
        return row < state.model.stageOpsByDepth[state.selectedStage].count ? row : nil
    }
}
