import SpotlightModel
import SpotlightSimulation

/// Per-device load in the best placement: compute busy time as a share of the step, peak memory
/// against capacity (out of memory in red), and bytes received and sent. Three rows per device
/// when there is room, one otherwise.
enum DevicesPanel {
    static func draw(into grid: inout CellGrid, rect: Rect, state: ExplorerState, detailed: Bool) {
        let model = state.model
        let result = state.snapshot?.bestResult
        var title = "devices"
        if let result {
            // With times measured on hardware, the panel still shows the simulator's view of the best placement.
            title +=
                (model.lowerBound == nil ? " · best, simulated " : " · best step ")
                + Units.microseconds(result.stepTime)
        }
        let compared = state.comparedBaseline.flatMap {
            state.baselines.indices.contains($0) ? state.baselines[$0] : nil
        }
        if let compared, let moved = state.stagesMoved {
            // The longest title that fits.
            let room = CellGrid.titleRoom(inBoxOfWidth: rect.width)
            let comparison = "vs \(compared.method): \(moved.moved)/\(moved.of) stages moved"
            title =
                [title + " · " + comparison, "devices · " + comparison, comparison]
                .first { CellGrid.columns(of: $0) <= room } ?? comparison
        }
        let inner = grid.box(rect, title: title)
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
            let spec = model.cluster.devices[device]
            let role = Role.device(device)
            let colored = state.theme.usesColor
            grid[inner.x, y] = Cell(
                colored ? Glyph.stage : GraphPanel.deviceDigit(device), style: CellStyle(role))
            grid.write(
                model.deviceLabel(device), x: inner.x + 2, y: y,
                style: CellStyle(.text, attributes: .bold), limit: nameWidth - 3)
            let busy = result.stepTime > 0 ? result.deviceBusy[device] / result.stepTime : 0
            let capacity = model.cluster.memoryCapacityBytes[device]
            let peak = result.devicePeakMemory[device]
            let memoryFraction = capacity > 0 ? peak / capacity : 0
            let outOfMemory = peak > capacity
            var received = 0.0
            var sent = 0.0
            for other in 0..<devices {
                received += result.channelBytes[other * devices + device]
                sent += result.channelBytes[device * devices + other]
            }
            let memoryStyle = CellStyle(
                outOfMemory ? .bad : (memoryFraction > 0.9 ? .warning : role))
            if detailed {
                grid.write(spec.type, x: inner.x + 2, y: y + 1, style: .dim, limit: nameWidth - 3)
                let labelX = inner.x + nameWidth
                var busyText = " " + Units.percent(busy) + " of step"
                if let compared, let theirs = compared.deviceBusy, theirs.indices.contains(device) {
                    busyText =
                        " \(Units.microseconds(result.deviceBusy[device])), \(compared.method) "
                        + Units.microseconds(theirs[device])
                }
                let valueWidth = max(19, CellGrid.columns(of: busyText))
                let barWidth = max(4, inner.maxX - labelX - 5 - valueWidth)
                grid.write("busy", x: labelX, y: y, style: .dim)
                grid.bar(
                    x: labelX + 5, y: y, width: barWidth, fraction: busy, style: CellStyle(role))
                grid.write(busyText, x: labelX + 5 + barWidth, y: y, style: .text)
                grid.write("mem", x: labelX, y: y + 1, style: .dim)
                grid.bar(
                    x: labelX + 5, y: y + 1, width: barWidth, fraction: memoryFraction,
                    style: memoryStyle)
                let memoryText =
                    outOfMemory
                    ? " OOM \(Units.bytes(peak))/\(Units.bytes(capacity))"
                    : " \(Units.bytes(peak))/\(Units.bytes(capacity))"
                grid.write(
                    memoryText, x: labelX + 5 + barWidth, y: y + 1,
                    style: outOfMemory ? CellStyle(.bad) : .text)
                grid.write("io", x: labelX, y: y + 2, style: .dim)
                grid.write(
                    [
                        ("in ", .dim), (Units.bytes(received), .text), ("  out ", .dim),
                        (Units.bytes(sent), .text),
                        ("  \(opsOn[device]) op\(opsOn[device] == 1 ? "" : "s")", .dim),
                    ], x: labelX + 5, y: y + 2, limit: inner.maxX - labelX - 5)
            } else {
                let labelX = inner.x + nameWidth
                let barWidth = max(3, (inner.maxX - labelX - 18) / 2)
                grid.bar(x: labelX, y: y, width: barWidth, fraction: busy, style: CellStyle(role))
                grid.write(" " + Units.percent(busy), x: labelX + barWidth, y: y, style: .text)
                let memoryX = labelX + barWidth + 6
                grid.write("mem", x: memoryX, y: y, style: .dim)
                grid.bar(
                    x: memoryX + 4, y: y, width: barWidth, fraction: memoryFraction,
                    style: memoryStyle)
                grid.write(
                    outOfMemory ? " OOM" : " " + Units.percent(memoryFraction),
                    x: memoryX + 4 + barWidth, y: y,
                    style: outOfMemory ? CellStyle(.bad) : .text)
            }
        }
        if shown < devices {
            grid.writeRight(
                "+\(devices - shown) more", maxX: inner.maxX, y: inner.maxY - 1, style: .dim)
        }
    }
}
