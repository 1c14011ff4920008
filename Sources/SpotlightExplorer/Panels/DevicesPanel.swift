import SpotlightModel
import SpotlightSimulation

/// Per-device load in the best placement: compute busy time as a share of the step, peak memory
/// against capacity (out of memory in red), and bytes received and sent. Three rows per device
/// when there is room, one otherwise.
enum DevicesPanel {
    /// One device's load in the best placement, as the panel shows it.
    struct Load {
        var device: Int
        var busyTime: Double
        var busy: Double
        var peak: Double
        var capacity: Double
        var received: Double
        var sent: Double
        var opCount: Int

        var memoryFraction: Double { capacity > 0 ? peak / capacity : 0 }
        var outOfMemory: Bool { peak > capacity }
        var memoryStyle: CellStyle {
            CellStyle(outOfMemory ? .bad : (memoryFraction > 0.9 ? .warning : Role.device(device)))
        }

        init(device: Int, result: SimulationResult, model: ExplorerModel, opCount: Int) {
            let devices = result.deviceCount
            self.device = device
            busyTime = result.deviceBusy[device]
            busy = result.stepTime > 0 ? busyTime / result.stepTime : 0
            capacity = model.cluster.memoryCapacityBytes[device]
            peak = result.devicePeakMemory[device]
            received = (0..<devices).reduce(0) { $0 + result.channelBytes[$1 * devices + device] }
            sent = (0..<devices).reduce(0) { $0 + result.channelBytes[device * devices + $1] }
            self.opCount = opCount
        }
    }

    static func draw(into grid: inout CellGrid, rect: Rect, state: ExplorerState, detailed: Bool) {
        let model = state.model
        let result = state.snapshot?.bestResult
        let inner = grid.box(rect, title: title(state, width: rect.width))
        guard inner.height >= 1, inner.width >= 30 else { return }
        guard let result, result.deviceCount == model.deviceCount else {
            grid.write("no valid placement measured yet", x: inner.x + 1, y: inner.y, style: .dim)
            return
        }
        let devices = model.deviceCount
        var opsOn = [Int](repeating: 0, count: devices)
        for device in state.opDevice where device >= 0 && device < devices { opsOn[device] += 1 }
        let nameWidth = min(16, (0..<devices).map { model.deviceLabel($0).count }.max()! + 3)
        let rowsPerDevice = detailed ? 3 : 1
        // When not every device fits, the last row says how many are left out.
        let fitting = inner.height / rowsPerDevice
        let shown = fitting >= devices ? devices : max(0, (inner.height - 1) / rowsPerDevice)
        for device in 0..<shown {
            let y = inner.y + device * rowsPerDevice
            grid[inner.x, y] = Cell(
                state.theme.usesColor ? Glyph.stage : GraphPanel.deviceDigit(device),
                style: CellStyle(Role.device(device)))
            grid.write(
                model.deviceLabel(device), x: inner.x + 2, y: y,
                style: CellStyle(.text, attributes: .bold), limit: nameWidth - 3)
            let load = Load(device: device, result: result, model: model, opCount: opsOn[device])
            if detailed {
                grid.write(
                    model.cluster.devices[device].type, x: inner.x + 2, y: y + 1, style: .dim,
                    limit: nameWidth - 3)
                drawDetailed(
                    load, into: &grid, x: inner.x + nameWidth, y: y, maxX: inner.maxX,
                    compared: compared(state))
            } else {
                drawCompact(load, into: &grid, x: inner.x + nameWidth, y: y, maxX: inner.maxX)
            }
        }
        if shown < devices {
            grid.writeRight(
                "+\(devices - shown) more", maxX: inner.maxX, y: inner.maxY - 1, style: .dim)
        }
    }

    /// The baseline the best placement is compared with (`b`), if any.
    static func compared(_ state: ExplorerState) -> BaselineSummary? {
        state.comparedBaseline.flatMap {
            state.baselines.indices.contains($0) ? state.baselines[$0] : nil
        }
    }

    /// The best step time, and with a comparison the stages moved: the longest that fits.
    static func title(_ state: ExplorerState, width: Int) -> String {
        var title = "devices"
        if let result = state.snapshot?.bestResult {
            // Measured on hardware, the panel still shows the simulator's view of the best.
            title +=
                (state.model.lowerBound == nil ? " · best, simulated " : " · best step ")
                + Units.microseconds(result.stepTime)
        }
        guard let compared = compared(state), let moved = state.stagesMoved else { return title }
        let comparison = "vs \(compared.method): \(moved.moved)/\(moved.of) stages moved"
        return CellGrid.fittingTitle(
            [title + " · " + comparison, "devices · " + comparison, comparison],
            inBoxOfWidth: width)
    }

    /// Three rows from `x`: busy time (against the compared baseline's), memory, and traffic.
    static func drawDetailed(
        _ load: Load, into grid: inout CellGrid, x labelX: Int, y: Int, maxX: Int,
        compared: BaselineSummary?
    ) {
        var busyText = " " + Units.percent(load.busy) + " of step"
        if let compared, let theirs = compared.deviceBusy, theirs.indices.contains(load.device) {
            busyText =
                " \(Units.microseconds(load.busyTime)), \(compared.method) "
                + Units.microseconds(theirs[load.device])
        }
        let valueWidth = max(19, CellGrid.columns(of: busyText))
        let barWidth = max(4, maxX - labelX - 5 - valueWidth)
        grid.write("busy", x: labelX, y: y, style: .dim)
        grid.bar(
            x: labelX + 5, y: y, width: barWidth, fraction: load.busy,
            style: CellStyle(Role.device(load.device)))
        grid.write(busyText, x: labelX + 5 + barWidth, y: y, style: .text)
        grid.write("mem", x: labelX, y: y + 1, style: .dim)
        grid.bar(
            x: labelX + 5, y: y + 1, width: barWidth, fraction: load.memoryFraction,
            style: load.memoryStyle)
        let memory = "\(Units.bytes(load.peak))/\(Units.bytes(load.capacity))"
        grid.write(
            (load.outOfMemory ? " OOM " : " ") + memory, x: labelX + 5 + barWidth, y: y + 1,
            style: load.outOfMemory ? CellStyle(.bad) : .text)
        grid.write("io", x: labelX, y: y + 2, style: .dim)
        grid.write(
            [
                ("in ", .dim), (Units.bytes(load.received), .text), ("  out ", .dim),
                (Units.bytes(load.sent), .text),
                ("  \(load.opCount) op\(load.opCount == 1 ? "" : "s")", .dim),
            ], x: labelX + 5, y: y + 2, limit: maxX - labelX - 5)
    }

    /// One row from `x`: busy and memory bars with their shares.
    static func drawCompact(
        _ load: Load, into grid: inout CellGrid, x labelX: Int, y: Int, maxX: Int
    ) {
        let barWidth = max(3, (maxX - labelX - 18) / 2)
        grid.bar(
            x: labelX, y: y, width: barWidth, fraction: load.busy,
            style: CellStyle(Role.device(load.device)))
        grid.write(" " + Units.percent(load.busy), x: labelX + barWidth, y: y, style: .text)
        let memoryX = labelX + barWidth + 6
        grid.write("mem", x: memoryX, y: y, style: .dim)
        grid.bar(
            x: memoryX + 4, y: y, width: barWidth, fraction: load.memoryFraction,
            style: load.memoryStyle)
        grid.write(
            load.outOfMemory ? " OOM" : " " + Units.percent(load.memoryFraction),
            x: memoryX + 4 + barWidth, y: y, style: load.outOfMemory ? CellStyle(.bad) : .text)
    }
}
