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
        let features = model.problem.stages.features[stage]
        var y = inner.y
        let width = inner.width - 1
        let x = inner.x + 1

        grid.write(
            [
                (model.stageLabels[stage], CellStyle(.text, attributes: .bold)),
                (
                    Glyph.separator + "\(features.opCount) op\(features.opCount == 1 ? "" : "s")",
                    .dim
                ),
                (Glyph.separator + Units.flops(features.flops), .dim),
                (Glyph.separator + "out " + Units.bytes(features.outputBytes), .dim),
                (Glyph.separator + "params " + Units.bytes(features.persistentBytes), .dim),
            ], x: x, y: y, limit: width)
        y += 1
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
        grid.write(second, x: x, y: y, limit: width)
        y += 2

        // q(a_n | s_n), one bar per device.
        grid.write("policy q(device | stage)", x: x, y: y, style: CellStyle(.title))
        y += 1
        let probabilities =
            state.snapshot?.stageProbabilities.indices.contains(stage) == true
            ? state.snapshot!.stageProbabilities[stage] : []
        let bestDevice = GraphPanel.majorityDevice(ops, state: state)
        let nameWidth = min(
            14, (0..<model.deviceCount).map { model.deviceLabel($0).count }.max()! + 1)
        let barWidth = max(6, width - nameWidth - 16)
        let bars = min(model.deviceCount, max(0, inner.maxY - y - 3))
        for device in 0..<bars {
            grid.write(
                model.deviceLabel(device), x: x, y: y, style: CellStyle(Role.device(device)),
                limit: nameWidth)
            if !model.stage(stage, allows: device) {
                grid.write("not allowed", x: x + nameWidth, y: y, style: .dim)
            } else if device < probabilities.count {
                let probability = Double(probabilities[device])
                grid.bar(
                    x: x + nameWidth, y: y, width: barWidth, fraction: probability,
                    style: CellStyle(Role.device(device)))
                var after = " " + Units.fixed(probability, decimals: 2)
                if device == pin {
                    after += " pinned"
                } else if device == bestDevice && state.showsBestPlacement {
                    after += " ◀ best"
                }
                grid.write(
                    after, x: x + nameWidth + barWidth, y: y,
                    style: device == pin ? CellStyle(.highlight, attributes: .bold) : .text)
            }
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
                "also " + (rest.isEmpty ? "none allowed" : rest.joined(separator: " · ")), x: x,
                y: y, style: .dim,
                limit: width)
            y += 1
        }
        y += 1
        drawOps(
            into: &grid, area: Rect(x: x, y: y, width: width, height: inner.maxY - y), state: state)
    }

    /// The op list: a header row, then one row per op.
    private static func drawOps(into grid: inout CellGrid, area: Rect, state: ExplorerState) {
        guard area.height >= 2 else { return }
        let model = state.model
        let ops = model.stageOpsByDepth[state.selectedStage]
        // Columns: marks (2), name, type, FLOP (right-aligned, "999.9 MFLOP"), device; one space
        // between each. A narrow panel drops the type, then the FLOP, before the device.
        let deviceWidth = 11
        let minimumName = 12
        let fixed = 2 + minimumName + 1 + deviceWidth
        let typeWidth = area.width >= fixed + 25 ? 12 : 0
        let flopsWidth = area.width >= fixed + 12 ? 11 : 0
        let nameWidth = max(
            8,
            area.width - 2 - deviceWidth - 1 - (typeWidth > 0 ? typeWidth + 1 : 0)
                - (flopsWidth > 0 ? flopsWidth + 1 : 0))
        let header =
            state.focus == .ops
            ? "ops (↑↓ select, 1-9 pin op, esc back)" : "ops (enter to select one)"
        grid.write(header, x: area.x, y: area.y, style: CellStyle(.title))
        let rows = area.height - 1
        let top = firstVisibleRow(state: state, rows: rows)
        for row in 0..<min(rows, ops.count - top) {
            let index = top + row
            let op = ops[index]
            let y = area.y + 1 + row
            let selected = state.focus == .ops && index == min(state.selectedOpRow, ops.count - 1)
            let critical = state.onCriticalPath[op]
            var x = grid.write(
                selected ? Glyph.selected : " ", x: area.x, y: y,
                style: CellStyle(.accent, attributes: .bold))
            x = grid.write(
                critical ? String(Glyph.critical) : " ", x: x, y: y, style: CellStyle(.critical))
            grid.writeMiddle(
                model.graph.opNames[op], x: x, y: y,
                style: selected ? CellStyle(.text, attributes: .bold) : .text,
                limit: nameWidth)
            x = area.x + 2 + nameWidth + 1
            if typeWidth > 0 {
                grid.writeMiddle(model.graph.opTypes[op], x: x, y: y, style: .dim, limit: typeWidth)
                x += typeWidth + 1
            }
            if flopsWidth > 0 {
                let flops = model.graph.flops[op] > 0 ? Units.flops(model.graph.flops[op]) : "-"
                grid.writeRight(flops, maxX: x + flopsWidth, y: y, style: .dim)
                x += flopsWidth + 1
            }
            let pin = state.opPins.indices.contains(op) ? state.opPins[op] : -1
            if pin >= 0 {
                grid.write(
                    "pin " + model.cluster.devices[pin].name, x: x, y: y,
                    style: CellStyle(.highlight, attributes: .bold), limit: deviceWidth)
            } else if state.opDevice[op] >= 0 {
                grid.write(
                    model.cluster.devices[state.opDevice[op]].name, x: x, y: y,
                    style: CellStyle(Role.device(state.opDevice[op])), limit: deviceWidth)
            }
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
