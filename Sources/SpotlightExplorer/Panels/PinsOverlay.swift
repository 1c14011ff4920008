/// `L`: every pin (stages, then ops), where it points, and what it cost once the first batch
/// under it was measured, in a box over the middle of the screen; pins can still be changed
/// (`z`, `U`, `u`) and saved (`P`) while it is open.
enum PinsOverlay {
    static func draw(into grid: inout CellGrid, state: ExplorerState) {
        let lines = self.lines(state)
        let width = min(
            grid.width - 4, max(60, (lines.map { CellGrid.columns(of: $0.0) }.max() ?? 0) + 4))
        let height = min(grid.height - 2, max(lines.count, 1) + 2)
        let rect = Rect(
            x: (grid.width - width) / 2, y: (grid.height - height) / 2, width: width,
            height: height)
        grid.fill(rect)
        let title = "pins · z undo · U clear · P save · esc close"
        let inner = grid.box(rect, title: title, style: CellStyle(.accent))
        for (row, line) in lines.prefix(inner.height).enumerated() {
            grid.write(
                line.0, x: inner.x + 1, y: inner.y + row, style: line.1, limit: inner.width - 2)
        }
        if lines.count > inner.height {
            grid.writeRight(
                "+\(lines.count - inner.height) more", maxX: inner.maxX, y: inner.maxY - 1,
                style: .dim)
        }
    }

    /// One line per pin, with its cost; or how to pin when nothing is.
    static func lines(_ state: ExplorerState) -> [(String, CellStyle)] {
        let model = state.model
        let stages = state.stagePins.indices.filter { state.stagePins[$0] >= 0 }
        let ops = state.opPins.indices.filter { state.opPins[$0] >= 0 }
        guard !stages.isEmpty || !ops.isEmpty else {
            return [("nothing is pinned: 1-9 pins the selected stage (or op) to device N", .dim)]
        }
        let pins =
            stages.map {
                (PinTarget.stage($0), state.stagePins[$0], "stage \($0) \(model.stageLabels[$0])")
            }
            + ops.map { (PinTarget.op($0), state.opPins[$0], "op \(model.graph.opNames[$0])") }
        return pins.map { target, device, name in
            let text =
                "\(name) → \(model.cluster.devices[device].name): "
                + cost(of: target, device: device, state: state)
            return (text, .text)
        }
    }

    /// What the pin cost, or why that is not known.
    static func cost(of target: PinTarget, device: Int, state: ExplorerState) -> String {
        if let cost = state.pinCosts.last(where: { $0.target == target && $0.device == device }) {
            return cost.describe(against: "on the best before it")
        }
        if let pending = state.pendingPinReport, pending.target == target,
            pending.device == device
        {
            return "waiting for the first batch under it"
        }
        return "cost unknown (from a file or an undo)"
    }
}
