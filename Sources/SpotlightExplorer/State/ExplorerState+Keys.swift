import SpotlightModel

/// How the state reacts to each key: moves the selection, opens overlays, and asks for effects.
extension ExplorerState {
    /// Applies `key`; returns what the session must do (in order).
    public mutating func handle(_ key: Key) -> [ExplorerEffect] {
        if key == .interrupt { return [.quit] }
        message = nil
        switch overlay {
        case .help:
            if case .wheel = key { return [] }
            if key == .character("q") { return [.quit] }
            overlay = .none
            return []
        case .find(let query):
            handleFind(key, query: query)
            return []
        case .pins:
            // The list stays open while pins change under it (z, U, P); esc or L closes it.
            if key == .escape || key == .character("L") {
                overlay = .none
                return []
            }
            return handleNormal(key)
        case .none:
            return handleNormal(key)
        }
    }

    private mutating func handleFind(_ key: Key, query: String) {
        switch key {
        case .escape: overlay = .none
        case .enter:
            overlay = .none
            lastFindQuery = query
            find(query, after: nil)
        case .backspace: overlay = .find(String(query.dropLast()))
        case .character(let character)
        where !character.isNewline && character.asciiValue.map({ $0 >= 32 }) ?? true:
            overlay = .find(query + String(character))
        default: break
        }
    }

    /// On the charts: ←→ (or h l) move the cursor an iteration, PgUp PgDn ten, Home End to the
    /// ends; c or esc leave; other keys act as elsewhere.
    private mutating func handleChart(_ key: Key) -> [ExplorerEffect]? {
        let count = snapshot?.history.count ?? 0
        func step(_ delta: Int) { chartCursor = Self.clamped(chartCursor, delta, count: count) }
        switch key {
        case .left, .character("h"): step(-1)
        case .right, .character("l"): step(1)
        case .pageUp: step(-10)
        case .pageDown: step(10)
        case .home: chartCursor = 0
        case .end: chartCursor = max(count - 1, 0)
        case .wheel(let up, _, _): step(up ? -1 : 1)
        case .escape, .character("c"): focus = .stages
        default: return nil
        }
        return []
    }

    private mutating func handleNormal(_ key: Key) -> [ExplorerEffect] {
        if focus == .chart, let effects = handleChart(key) { return effects }
        if handleMove(key) || handleView(key) { return [] }
        return handleAction(key)
    }

    /// Keys that move the selection or the focus; false for any other key.
    private mutating func handleMove(_ key: Key) -> Bool {
        switch key {
        case .up, .character("k"): move(by: -1)
        case .down, .character("j"): move(by: 1)
        case .left, .character("h"):
            if focus == .ops { focus = .stages } else { move(by: -1) }
        case .right, .character("l"):
            if focus == .stages { move(by: 1) }
        case .pageUp: move(by: -pageSize)
        case .pageDown: move(by: pageSize)
        case .home: move(by: -Int.max / 2)
        case .end: move(by: Int.max / 2)
        case .enter, .tab:
            if focus == .stages {
                focus = .ops
                selectedOpRow = 0
            } else if key == .tab {
                focus = .stages
            }
        case .escape: focus = .stages
        case .click(let x, let y): click(x: x, y: y)
        case .wheel(let up, _, _): move(by: up ? -Self.wheelStep : Self.wheelStep)
        default: return false
        }
        return true
    }

    /// Keys that change what the screen shows; false for any other key.
    private mutating func handleView(_ key: Key) -> Bool {
        switch key {
        case .character("c"): focusChart()
        case .character("b"): compareNextBaseline()
        case .character("v"):
            showsPolicy.toggle()
            showsGantt = false
        case .character("g"):
            showsGantt.toggle()
            showsPolicy = false
            if showsGantt { scheduleGantt() }
        case .character("+") where showsGantt: ganttZoom = min(ganttZoom * 2, 256)
        case .character("-") where showsGantt:
            ganttZoom = max(ganttZoom / 2, 1)
            ganttOffset = min(ganttOffset, 4 * (ganttZoom - 1))
        case .character(">") where showsGantt:
            ganttOffset = min(ganttOffset + 1, 4 * (ganttZoom - 1))
        case .character("<") where showsGantt: ganttOffset = max(ganttOffset - 1, 0)
        case .character("o"):
            if showsPolicy {
                policyOrder = policyOrder.next
            } else {
                message = StatusMessage("o orders the policy view (v)", isError: true)
            }
        case .character("t"): nextTheme()
        case .character("/"): overlay = .find("")
        case .character("n"):
            if let query = lastFindQuery {
                find(query, after: selectedOp)
            } else {
                message = StatusMessage("nothing to repeat: / finds an op by name", isError: true)
            }
        case .character("?"): overlay = .help
        case .character("L"): overlay = .pins
        default: return false
        }
        return true
    }

    /// Keys that act on the search or on files: pause, pins, saves, polish, quit.
    private mutating func handleAction(_ key: Key) -> [ExplorerEffect] {
        switch key {
        case .character(" "): return togglePause()
        case .character(let digit)
        where digit.wholeNumberValue.map({ (1...9).contains($0) }) ?? false && digit.isASCII:
            return recordingUndo(pin(to: digit.wholeNumberValue! - 1))
        case .character("u"): return recordingUndo(unpin())
        case .character("U"): return recordingUndo(clearPins())
        case .character("z"): return undoPinChange()
        case .character("P"): return [.savePins]
        case .character("s"):
            guard snapshot?.bestAssignment != nil else {
                message = StatusMessage(
                    "no valid placement found yet: nothing to save", isError: true)
                return []
            }
            return [.savePlacement]
        case .character("e"):
            guard snapshot?.bestAssignment != nil else {
                message = StatusMessage(
                    "no valid placement found yet: no trace to save", isError: true)
                return []
            }
            return [.saveTrace]
        case .character("p"): return polish()
        case .character("q"): return [.quit]
        case .character(let other):
            message = StatusMessage("\"\(other)\" does nothing; ? lists the keys", isError: true)
        default: break
        }
        return []
    }

    /// `c`: the charts' cursor on the latest iteration, once there is one.
    private mutating func focusChart() {
        guard let count = snapshot?.history.count, count > 0 else {
            message = StatusMessage("no iteration to read yet", isError: true)
            return
        }
        focus = .chart
        chartCursor = count - 1
    }

    /// `b`: the next baseline with a placement to compare the best with, then none.
    private mutating func compareNextBaseline() {
        let comparable = baselines.indices.filter { baselines[$0].assignment != nil }
        if comparable.isEmpty {
            message = StatusMessage("no baseline placement to compare with", isError: true)
        } else if let current = comparedBaseline, let position = comparable.firstIndex(of: current)
        {
            comparedBaseline = position + 1 < comparable.count ? comparable[position + 1] : nil
        } else {
            comparedBaseline = comparable[0]
        }
    }

    /// Rows a turn of the mouse wheel moves the selection.
    static let wheelStep = 3

    /// Rows a page key moves.
    var pageSize: Int { max(1, layout.graph.height - 3) }

    private mutating func polish() -> [ExplorerEffect] {
        if model.lowerBound == nil {
            message = StatusMessage(
                "polishing measures thousands of placements: only with the simulator, not on hardware",
                isError: true)
        } else if snapshot?.budget != nil {
            message = StatusMessage(
                "under a budget the climb polishes the best placement already, within the budget",
                isError: true)
        } else if snapshot?.bestAssignment == nil {
            message = StatusMessage(
                "no valid placement found yet: nothing to polish", isError: true)
        } else if snapshot?.polishing == true {
            message = StatusMessage("already polishing the best placement", isError: true)
        } else if snapshot?.status == .stopped {
            message = StatusMessage("the search has stopped", isError: true)
        } else {
            message = StatusMessage(
                "polishing the best placement, one stage or colocation set at a time, while the search goes on"
            )
            return [.polish]
        }
        return []
    }

    private mutating func togglePause() -> [ExplorerEffect] {
        switch snapshot?.status {
        case .running?: return [.pause]
        case .paused?: return [.resume]
        case .finished?:
            message = StatusMessage(
                "the search has finished its iterations; nothing to resume", isError: true)
        case .stopped?:
            message = StatusMessage("the search has stopped", isError: true)
        default:
            message = StatusMessage("the search is starting", isError: true)
        }
        return []
    }

    mutating func move(by delta: Int) {
        switch focus {
        case .stages, .chart:
            selectedStage = Self.clamped(selectedStage, delta, count: model.stageCount)
        case .ops:
            selectedOpRow = Self.clamped(
                selectedOpRow, delta, count: model.stageOpsByDepth[selectedStage].count)
        }
    }

    static func clamped(_ value: Int, _ delta: Int, count: Int) -> Int {
        let moved =
            delta > 0
            ? (value > Int.max - delta ? Int.max : value + delta)
            : (value < Int.min - delta ? Int.min : value + delta)
        return min(max(moved, 0), max(count - 1, 0))
    }

    private mutating func pin(to device: Int) -> [ExplorerEffect] {
        guard device < model.deviceCount else {
            message = StatusMessage(
                "there is no device \(device + 1): this cluster has \(model.deviceCount)",
                isError: true)
            return []
        }
        let deviceName = model.cluster.devices[device].name
        if let op = selectedOp {
            guard model.problem.constraints.allows(op: op, device: device) else {
                message = StatusMessage(
                    "\(model.graph.opNames[op]) cannot run on \(deviceName)", isError: true)
                return []
            }
            message = StatusMessage(
                "pinned op \(model.graph.opNames[op]) to \(deviceName); takes effect at the next iteration"
            )
            awaitPinReport(
                "op \(model.graph.opNames[op]) → \(deviceName)", target: .op(op), device: device)
            return [.pinOp(op, device: device)]
        }
        guard model.stage(selectedStage, allows: device) else {
            message = StatusMessage(
                "stage \(selectedStage) cannot run on \(deviceName): some of its ops may not",
                isError: true)
            return []
        }
        message = StatusMessage(
            "pinned stage \(selectedStage) to \(deviceName); takes effect at the next iteration")
        awaitPinReport(
            "stage \(selectedStage) → \(deviceName)", target: .stage(selectedStage),
            device: device)
        return [.pinStage(selectedStage, device: device)]
    }

    /// Waits for the first batch drawn under a pin just made: the next iteration, or the one
    /// after when an iteration drawn before the pin is still being measured.
    private mutating func awaitPinReport(_ pin: String, target: PinTarget, device: Int) {
        guard let snapshot else { return }
        let first =
            snapshot.iteration + (snapshot.iterationInFlight || snapshot.status == .running ? 2 : 1)
        pendingPinReport = PinReport(
            pin: pin, target: target, device: device, firstIteration: first,
            reference: snapshot.unpinnedBestStepTime ?? snapshot.bestStepTime)
    }

    /// Keeps what undoes `effects` (the pins they change, as they were), and passes them on.
    private mutating func recordingUndo(_ effects: [ExplorerEffect]) -> [ExplorerEffect] {
        let undo: [ExplorerEffect] = effects.compactMap { effect in
            switch effect {
            case .pinStage(let stage, _):
                let was =
                    stagePins.indices.contains(stage) && stagePins[stage] >= 0
                    ? stagePins[stage] : nil
                return .pinStage(stage, device: was)
            case .pinOp(let op, _):
                let was = opPins.indices.contains(op) && opPins[op] >= 0 ? opPins[op] : nil
                return .pinOp(op, device: was)
            default:
                return nil
            }
        }
        if !undo.isEmpty { pinUndo.append(undo.reversed()) }
        return effects
    }

    /// Undoes the last pin change (`z`).
    private mutating func undoPinChange() -> [ExplorerEffect] {
        guard let last = pinUndo.popLast() else {
            message = StatusMessage("no pin change to undo", isError: true)
            return []
        }
        message = StatusMessage(
            "undid the last pin change (\(last.count) pin\(last.count == 1 ? "" : "s"))")
        pendingPinReport = nil
        return last
    }

    /// Unpins every stage and op (`U`).
    private mutating func clearPins() -> [ExplorerEffect] {
        let stages = stagePins.indices.filter { stagePins[$0] >= 0 }
        let ops = opPins.indices.filter { opPins[$0] >= 0 }
        guard !stages.isEmpty || !ops.isEmpty else {
            message = StatusMessage("nothing is pinned", isError: true)
            return []
        }
        message = StatusMessage(
            "unpinned \(stages.count) stage\(stages.count == 1 ? "" : "s") and \(ops.count) op\(ops.count == 1 ? "" : "s") (z undoes)"
        )
        return stages.map { .pinStage($0, device: nil) } + ops.map { .pinOp($0, device: nil) }
    }

    private mutating func unpin() -> [ExplorerEffect] {
        if let op = selectedOp {
            guard opPins.indices.contains(op), opPins[op] >= 0 else {
                message = StatusMessage("\(model.graph.opNames[op]) is not pinned", isError: true)
                return []
            }
            message = StatusMessage("unpinned op \(model.graph.opNames[op])")
            return [.pinOp(op, device: nil)]
        }
        guard stagePins.indices.contains(selectedStage), stagePins[selectedStage] >= 0 else {
            message = StatusMessage("stage \(selectedStage) is not pinned", isError: true)
            return []
        }
        message = StatusMessage("unpinned stage \(selectedStage)")
        return [.pinStage(selectedStage, device: nil)]
    }

    private mutating func nextTheme() {
        themeIndex = (themeIndex + 1) % themes.themes.count
        let name = themes.themes[themeIndex].name
        if !colorEnabled {
            message = StatusMessage("theme \(name), without colours: NO_COLOR is set")
        } else if themes.themes.count == 1 {
            message = StatusMessage(
                "theme \(name) is the only one (no themes directory found)", isError: true)
        } else {
            message = StatusMessage("theme \(name)")
        }
    }

    /// Selects the first op matching `query` after `current` in file order (wrapping around).
    private mutating func find(_ query: String, after current: Int?) {
        let matches = model.ops(matching: query)
        guard !matches.isEmpty else {
            message = StatusMessage("no op name contains \"\(query)\"", isError: true)
            return
        }
        let position = current.flatMap { op in matches.firstIndex { $0 > op } } ?? 0
        let op = matches[position]
        select(op: op)
        message = StatusMessage(
            "\"\(query)\": match \(position + 1) of \(matches.count), \(model.graph.opNames[op]) (n: next)"
        )
    }

    /// Selects `op`: its stage, and the op in that stage's list.
    public mutating func select(op: Int) {
        selectedStage = model.problem.stages.stageOf[op]
        focus = .ops
        selectedOpRow = model.stageOpsByDepth[selectedStage].firstIndex(of: op) ?? 0
    }

    private mutating func click(x: Int, y: Int) {
        let layout = layout
        guard layout.fits else { return }
        if let stage = GraphPanel.stage(at: (x, y), layout: layout, state: self) {
            selectedStage = stage
            focus = .stages
        } else if let row = InspectorPanel.opRow(at: (x, y), layout: layout, state: self) {
            focus = .ops
            selectedOpRow = row
        }
    }
}
