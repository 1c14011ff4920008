import SpotlightModel
import SpotlightSearch
import Testing

@testable import SpotlightExplorer

/// Every key the explorer knows, against the state and the effects it asks for.
@Suite struct KeyTests {
    /// The first stage that may use `device`, and one that may not.
    func stages(for device: Int) -> (allowed: Int, forbidden: Int?) {
        let model = Fixture.model
        let allowed = (0..<model.stageCount).first { model.stage($0, allows: device) }!
        let forbidden = (0..<model.stageCount).first { !model.stage($0, allows: device) }
        return (allowed, forbidden)
    }

    @Test func spacePausesAndResumes() {
        var state = Fixture.state(snapshot: Fixture.snapshot(status: .running))
        #expect(state.handle(.character(" ")) == [.pause])
        state.apply(Fixture.snapshot(status: .paused))
        #expect(state.handle(.character(" ")) == [.resume])
        state.apply(Fixture.snapshot(status: .finished))
        #expect(state.handle(.character(" ")) == [])
        #expect(state.message?.isError == true)
    }

    @Test func arrowsAndVimKeysMoveOverStagesWithinBounds() {
        var state = Fixture.state()
        for key in [Key.down, .character("j"), .right, .character("l")] { _ = state.handle(key) }
        #expect(state.selectedStage == 4)
        for key in [Key.up, .character("k"), .left, .character("h")] { _ = state.handle(key) }
        #expect(state.selectedStage == 0)
        _ = state.handle(.up)
        #expect(state.selectedStage == 0)
        _ = state.handle(.end)
        #expect(state.selectedStage == Fixture.model.stageCount - 1)
        _ = state.handle(.down)
        #expect(state.selectedStage == Fixture.model.stageCount - 1)
        _ = state.handle(.home)
        #expect(state.selectedStage == 0)
        _ = state.handle(.pageDown)
        #expect(state.selectedStage == min(state.pageSize, Fixture.model.stageCount - 1))
        _ = state.handle(.pageUp)
        #expect(state.selectedStage == 0)
    }

    @Test func enterMovesIntoTheOpListAndEscapeOrLeftBack() {
        var state = Fixture.state()
        state.selectedStage = 1
        _ = state.handle(.enter)
        #expect(state.focus == .ops)
        #expect(state.selectedOp == Fixture.model.stageOpsByDepth[1][0])
        _ = state.handle(.character("j"))
        #expect(state.selectedOp == Fixture.model.stageOpsByDepth[1][1])
        _ = state.handle(.character("j"))
        _ = state.handle(.character("j"))
        _ = state.handle(.character("j"))
        #expect(state.selectedOpRow == Fixture.model.stageOpsByDepth[1].count - 1)
        #expect(state.selectedStage == 1)
        _ = state.handle(.escape)
        #expect(state.focus == .stages)
        #expect(state.selectedOp == nil)
        _ = state.handle(.enter)
        _ = state.handle(.left)
        #expect(state.focus == .stages)
    }

    @Test func digitsPinTheSelectedStageToThatDevice() {
        let gpu = 1
        let (allowed, _) = stages(for: gpu)
        var state = Fixture.state()
        state.selectedStage = allowed
        #expect(state.handle(.character("2")) == [.pinStage(allowed, device: gpu)])
        #expect(state.message?.text.contains("gpu:0") == true)
    }

    @Test func pinningRefusesDevicesTheStageMayNotUse() throws {
        let (_, forbidden) = stages(for: 1)
        var state = Fixture.state()
        state.selectedStage = try #require(forbidden)
        #expect(state.handle(.character("2")) == [])
        #expect(state.message?.isError == true)
    }

    @Test func pinningRefusesDevicesTheClusterDoesNotHave() {
        var state = Fixture.state()
        #expect(state.handle(.character("9")) == [])
        #expect(state.message?.text.contains("no device 9") == true)
    }

    @Test func digitsInTheOpListPinTheOp() {
        var state = Fixture.state()
        state.selectedStage = stages(for: 2).allowed
        _ = state.handle(.enter)
        let op = state.selectedOp!
        let device = (0..<Fixture.model.deviceCount).first {
            Fixture.problem.constraints.allows(op: op, device: $0)
        }!
        #expect(
            state.handle(.character(Character(String(device + 1)))) == [.pinOp(op, device: device)])
    }

    @Test func uUnpinsOnlyWhatIsPinned() {
        var state = Fixture.state()
        #expect(state.handle(.character("u")) == [])
        #expect(state.message?.isError == true)
        var pins = [Int](repeating: -1, count: Fixture.model.stageCount)
        pins[0] = 0
        state.apply(Fixture.snapshot(stagePins: pins))
        #expect(state.handle(.character("u")) == [.pinStage(0, device: nil)])

        var opPins = [Int](repeating: -1, count: Fixture.problem.graph.count)
        _ = state.handle(.enter)
        let op = state.selectedOp!
        #expect(state.handle(.character("u")) == [])
        opPins[op] = 0
        state.apply(Fixture.snapshot(stagePins: pins, opPins: opPins))
        #expect(state.handle(.character("u")) == [.pinOp(op, device: nil)])
    }

    @Test func tCyclesThroughTheThemes() {
        var state = Fixture.state(theme: "dark")
        var seen: [String] = [state.theme.name]
        for _ in 0..<Fixture.themes.themes.count {
            _ = state.handle(.character("t"))
            seen.append(state.theme.name)
        }
        #expect(seen == ["dark", "light", "monochrome", "dark"])
    }

    @Test func sAndESaveOnlyWhenThereIsABestPlacement() {
        var state = Fixture.state()
        #expect(state.handle(.character("s")) == [.savePlacement])
        #expect(state.handle(.character("e")) == [.saveTrace])
        var empty = Fixture.state(snapshot: Fixture.snapshot(iterations: 0, best: false))
        #expect(empty.handle(.character("s")) == [])
        #expect(empty.handle(.character("e")) == [])
        #expect(empty.message?.isError == true)
    }

    @Test func slashFindsAnOpByNameAndNGoesToTheNextMatch() {
        var state = Fixture.state()
        _ = state.handle(.character("/"))
        #expect(state.overlay == .find(""))
        for character in "relux" { _ = state.handle(.character(character)) }
        _ = state.handle(.backspace)
        #expect(state.overlay == .find("relu"))
        _ = state.handle(.enter)
        #expect(state.overlay == .none)
        let matches = Fixture.model.ops(matching: "relu")
        #expect(matches.count >= 2)
        #expect(state.selectedOp == matches[0])
        #expect(state.selectedStage == Fixture.problem.stages.stageOf[matches[0]])
        _ = state.handle(.character("n"))
        #expect(state.selectedOp == matches[1])
        for _ in 1..<matches.count { _ = state.handle(.character("n")) }
        #expect(state.selectedOp == matches[0])
    }

    @Test func findWithoutAMatchSaysSoAndEscapeCancels() {
        var state = Fixture.state()
        _ = state.handle(.character("/"))
        for character in "nonesuch" { _ = state.handle(.character(character)) }
        _ = state.handle(.enter)
        #expect(state.message?.text.contains("no op name contains") == true)
        _ = state.handle(.character("/"))
        _ = state.handle(.character("q"))
        _ = state.handle(.escape)
        #expect(state.overlay == .none)
        #expect(state.lastFindQuery == "nonesuch")
    }

    @Test func questionMarkOpensHelpAndAnyKeyClosesIt() {
        var state = Fixture.state()
        _ = state.handle(.character("?"))
        #expect(state.overlay == .help)
        #expect(state.handle(.down) == [])
        #expect(state.overlay == .none)
        #expect(state.selectedStage == 0)
        _ = state.handle(.character("?"))
        #expect(state.handle(.character("q")) == [.quit])
    }

    @Test func qAndCtrlCQuit() {
        var state = Fixture.state()
        #expect(state.handle(.character("q")) == [.quit])
        _ = state.handle(.character("/"))
        #expect(state.handle(.interrupt) == [.quit])
    }

    @Test func clicksSelectAStageOrAnOp() {
        var state = Fixture.state()
        let layout = state.layout
        _ = state.handle(.click(x: layout.graph.x + 10, y: layout.graph.y + 1 + 3))
        #expect(state.selectedStage == 3)
        #expect(state.focus == .stages)
        let list = InspectorPanel.opListArea(layout: layout, state: state)
        _ = state.handle(.click(x: list.x + 4, y: list.y + 2))
        #expect(state.focus == .ops)
        #expect(state.selectedOpRow == 1)
        // A click on a border or an empty area changes nothing.
        _ = state.handle(.click(x: 0, y: 0))
        #expect(state.selectedStage == 3)
    }

    /// The wheel moves the selection three rows (stages, or ops in the op list), the charts'
    /// cursor one iteration, and leaves the help open.
    @Test func theMouseWheelScrolls() {
        var state = Fixture.state()
        _ = state.handle(.wheel(up: false, x: 5, y: 5))
        #expect(state.selectedStage == 3)
        _ = state.handle(.wheel(up: false, x: 5, y: 5))
        _ = state.handle(.wheel(up: false, x: 5, y: 5))
        #expect(state.selectedStage == Fixture.model.stageCount - 1)
        _ = state.handle(.wheel(up: true, x: 5, y: 5))
        #expect(state.selectedStage == Fixture.model.stageCount - 4)
        state.selectedStage = 2  // tower_b, four ops
        _ = state.handle(.enter)
        _ = state.handle(.wheel(up: false, x: 5, y: 5))
        #expect(state.focus == .ops && state.selectedOpRow > 0)
        _ = state.handle(.escape)
        _ = state.handle(.character("c"))
        let cursor = state.chartCursor
        _ = state.handle(.wheel(up: true, x: 5, y: 5))
        #expect(state.chartCursor == cursor - 1)
        _ = state.handle(.escape)
        _ = state.handle(.character("?"))
        _ = state.handle(.wheel(up: true, x: 5, y: 5))
        #expect(state.overlay == .help)
    }

    @Test func unknownKeysSayHowToFindTheKeys() {
        var state = Fixture.state()
        #expect(state.handle(.character("x")) == [])
        #expect(state.message?.text.contains("?") == true)
        _ = state.handle(.down)
        #expect(state.message == nil)
    }
}

/// Escape sequences the terminal description lacks are read whole: Home under tmux no longer
/// pins a stage to device 1, and an unknown sequence does nothing.
@Suite struct EscapeSequenceTests {
    /// Feeds `text` (what follows ESC) through the reader's loop.
    static func decode(_ text: String) -> (key: Key?, consumed: Int) {
        var sequence: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            sequence.append(scalar)
            if EscapeSequence.ends(with: scalar, count: sequence.count, first: sequence.first) {
                break
            }
        }
        return (EscapeSequence.key(sequence), sequence.count)
    }

    @Test func homeEndAndPagesInTheCommonForms() {
        #expect(Self.decode("[1~").key == .home && Self.decode("[1~").consumed == 3)
        #expect(
            Self.decode("[H").key == .home && Self.decode("OH").key == .home
                && Self.decode("[7~").key == .home)
        #expect(
            Self.decode("[4~").key == .end && Self.decode("[F").key == .end
                && Self.decode("OF").key == .end)
        #expect(Self.decode("[5~").key == .pageUp && Self.decode("[6~").key == .pageDown)
        #expect(Self.decode("OA").key == .up && Self.decode("[D").key == .left)
    }

    @Test func unknownSequencesAreSwallowedWhole() {
        let unknown = Self.decode("[1;5Cxyz")
        #expect(
            unknown.key == nil && unknown.consumed == 5,
            "ctrl-right's parameters and final byte, nothing after")
        #expect(Self.decode("[200~").key == nil)
        let alt = Self.decode("1abc")
        #expect(alt.key == nil && alt.consumed == 1, "Alt+1 pins nothing")
    }
}

/// The footer's hints follow where the person is and what the search can do.
@Suite struct FooterHintTests {
    func hints(_ state: ExplorerState) -> [String] {
        KeyBinding.footer(for: state).map { "\($0.keys) \($0.action)" }
    }

    @Test func theHintsFollowTheContext() {
        var state = Fixture.state(snapshot: Fixture.snapshot(status: .running))
        #expect(hints(state).prefix(3) == ["space pause", "↑↓ / jk move", "enter ops"])
        #expect(hints(state).contains("p polish"))
        state.focus = .ops
        #expect(hints(state).contains("esc stages") && !hints(state).contains("enter ops"))
        #expect(hints(state).contains("1-9 pin op"))
        let paused = Fixture.state(snapshot: Fixture.snapshot(status: .paused))
        #expect(hints(paused).first == "space resume")
        let measured = Fixture.state(model: Fixture.measuredModel)
        #expect(!hints(measured).contains("p polish"))
    }

    @Test func stagesSharingALabelAreNumbered() {
        #expect(
            ExplorerModel.distinct(["input", "encoder_0", "encoder_0", "loss", "encoder_0"])
                == ["input", "encoder_0 #1", "encoder_0 #2", "loss", "encoder_0 #3"])
    }

    /// Long names lose their middle, so that names alike but for their tails stay apart.
    @Test func longNamesAreCutInTheMiddle() {
        #expect(
            CellGrid.middleTruncated("nmt/encoder_0/lstm_cell/MatMul", to: 16) == "nmt/e…ell/MatMul"
        )
        #expect(CellGrid.middleTruncated("short", to: 16) == "short")
        #expect(
            CellGrid.middleTruncated("nmt/encoder_0/lstm_cell/MatMul", to: 16).unicodeScalars.count
                == 16)
    }

    /// At 80 columns the footer keeps `? help` and `q quit`, dropping hints from the middle.
    @Test func theFooterKeepsHelpAndQuit() {
        let grid = {
            var grid = CellGrid(width: 80, height: 24)
            ExplorerView.render(Fixture.state(width: 80, height: 24), into: &grid)
            return grid
        }()
        let footer = grid.text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(footer.contains("? help") && footer.contains("q quit"), "\(footer)")
    }

    @Test func filesAreLabelledWithoutTheirSuffixes() {
        #expect(ExplorerModel.shortLabel("nmt.graph.json.gz") == "nmt")
        #expect(ExplorerModel.shortLabel("k80x4.cluster.json") == "k80x4")
        #expect(ExplorerModel.shortLabel("model.json") == "model")
        #expect(ExplorerModel.shortLabel(".json") == ".json")
    }

    /// Two iterations at 100/s and one at 400/s: 3 / (1/100 + 1/100 + 1/400) = 133.3/s.
    @Test func thePaceIsSmoothedOverRecentIterations() throws {
        let history = Fixture.snapshot(iterations: 3).history.enumerated().map { index, stats in
            var stats = stats
            stats.samplesPerSecond = index == 2 ? 400 : 100
            return stats
        }
        #expect(abs(try #require(StatusLine.pace(history)) - 3 / 0.0225) < 1e-9)
        #expect(StatusLine.pace([]) == nil)
    }
}

/// A pin's cost is reported once the first batch drawn under it is measured.
@Suite struct PinReportTests {
    @Test func thePinsCostFollowsTheNextBatch() throws {
        var state = Fixture.state(snapshot: Fixture.snapshot(iterations: 40, status: .paused))
        let before = try #require(state.snapshot?.bestStepTime)
        _ = state.handle(.character("j"))
        _ = state.handle(.character("2"))
        let report = try #require(state.pendingPinReport.map { $0 }, "\(state.message?.text ?? "")")
        #expect(report.firstIteration == 41 && report.reference == before)
        #expect(report.pin == "stage 1 → gpu:0")
        // The snapshot of iteration 40 again says nothing; iteration 41's batch is reported.
        state.apply(Fixture.snapshot(iterations: 40, status: .paused))
        #expect(state.pendingPinReport.map { _ in true } == true)
        let next = Fixture.snapshot(iterations: 41, status: .paused)
        state.apply(next)
        let batchBest = try #require(next.history.last?.bestStepTime)
        // The batch's best is within half a percent of the best before: no sign.
        #expect(abs(batchBest / before - 1) < 0.005)
        #expect(
            state.message?.text == "stage 1 → gpu:0: best of the next batch "
                + "\(Units.microseconds(batchBest)), 0% on the best before")
        #expect(state.pendingPinReport.map { _ in true } == nil)
        #expect(
            state.pinCosts == [
                PinCost(
                    target: .stage(1), device: 1, best: batchBest, change: batchBest / before - 1)
            ])
    }

    /// `L` lists the pins with their costs; the list stays open while pins change, and esc
    /// closes it.
    @Test func theListShowsEachPinAndItsCost() throws {
        var state = Fixture.state(
            width: 120, height: 40, snapshot: Fixture.snapshot(iterations: 40, status: .paused))
        _ = state.handle(.character("L"))
        #expect(state.overlay == .pins)
        #expect(ExplorerView.render(state).text.contains("nothing is pinned"))
        _ = state.handle(.escape)
        _ = state.handle(.character("j"))
        _ = state.handle(.character("2"))
        _ = state.handle(.character("L"))
        var pinned = Fixture.snapshot(iterations: 40, status: .paused)
        pinned.stagePins[1] = 1
        state.apply(pinned)
        #expect(
            ExplorerView.render(state).text.contains(
                "stage 1 \(Fixture.model.stageLabels[1]) → gpu:0: waiting for the first batch"))
        pinned = Fixture.snapshot(iterations: 41, status: .paused, stagePins: pinned.stagePins)
        state.apply(pinned)
        let text = ExplorerView.render(state).text
        #expect(text.contains("→ gpu:0: best of the next batch"), "\(text)")
        #expect(text.contains("% on the best before it"))
        let effects = state.handle(.character("z"))
        #expect(effects == [.pinStage(1, device: nil)] && state.overlay == .pins)
        _ = state.handle(.escape)
        #expect(state.overlay == .none)
    }
}

/// Pins a person can manage: undo the last change, clear them all; and a sign when the search
/// has settled.
@Suite struct PinManagementTests {
    @Test func zUndoesTheLastPinChange() {
        var state = Fixture.state(snapshot: Fixture.snapshot(status: .paused))
        _ = state.handle(.character("j"))
        #expect(state.handle(.character("2")) == [.pinStage(1, device: 1)])
        #expect(state.handle(.character("z")) == [.pinStage(1, device: nil)])
        #expect(state.handle(.character("z")) == [])
        #expect(state.message?.isError == true)
    }

    @Test func shiftUClearsEveryPinAndZRestoresThem() {
        var pins = [Int](repeating: -1, count: Fixture.model.stageCount)
        pins[1] = 1
        pins[3] = 2
        var state = Fixture.state(snapshot: Fixture.snapshot(status: .paused, stagePins: pins))
        let cleared = state.handle(.character("U"))
        #expect(cleared == [.pinStage(1, device: nil), .pinStage(3, device: nil)])
        #expect(
            Set(state.handle(.character("z")).map { "\($0)" })
                == Set(
                    [ExplorerEffect.pinStage(1, device: 1), .pinStage(3, device: 2)].map { "\($0)" }
                ))
    }

    @Test func aSearchWithNoNewBestAndNoEntropyHasSettled() throws {
        var snapshot = Fixture.snapshot(iterations: 60, status: .running)
        #expect(!Fixture.state(snapshot: snapshot).hasSettled)
        let best = try #require(snapshot.history.last?.bestSoFar)
        for index in snapshot.history.indices {
            snapshot.history[index].entropy = 0.01
            if index >= 5 { snapshot.history[index].bestSoFar = best }
        }
        let settled = Fixture.state(width: 200, snapshot: snapshot)
        #expect(settled.hasSettled)
        var grid = CellGrid(width: 200, height: 60)
        ExplorerView.render(settled, into: &grid)
        #expect(grid.text.contains("settled: p polishes"))
    }
}

/// `c` puts a cursor on the charts that reads out one iteration.
@Suite struct ChartCursorTests {
    /// When the history merges pairs of entries, the cursor stays on the iteration it was on,
    /// and a key then moves it from there.
    @Test func theCursorKeepsItsIterationWhenTheHistoryIsHalved() throws {
        var snapshot = Fixture.snapshot(iterations: 40, status: .running)
        var state = Fixture.state(width: 160, height: 48, snapshot: snapshot)
        _ = state.handle(.character("c"))
        _ = state.handle(.home)
        for _ in 0..<24 { _ = state.handle(.right) }
        #expect(state.chartCursor == 24 && state.snapshot?.history[24].iteration == 25)
        var halved = snapshot.history
        for stats in halved.suffix(1) {
            var next = stats
            next.iteration += 1
            IterationHistory.appending(next, to: &halved, limit: 40)
        }
        #expect(halved.count == 21)
        snapshot.history = halved
        snapshot.iteration = 41
        state.apply(snapshot)
        let readout = try #require(CurvesPanel.readout(state))
        #expect(readout.hasPrefix("iterations 25-26"), "\(readout)")
        _ = state.handle(.right)
        #expect(try #require(CurvesPanel.readout(state)).hasPrefix("iterations 27-28"))
    }

    @Test func theCursorMovesOverIterationsAndReadsThemOut() throws {
        var state = Fixture.state(
            width: 160, height: 48, snapshot: Fixture.snapshot(iterations: 40, status: .paused))
        _ = state.handle(.character("c"))
        #expect(state.focus == .chart && state.chartCursor == 39)
        _ = state.handle(.left)
        _ = state.handle(.pageUp)
        #expect(state.chartCursor == 28)
        _ = state.handle(.home)
        _ = state.handle(.right)
        #expect(state.chartCursor == 1)
        let stats = try #require(state.snapshot?.history[1])
        let readout = try #require(CurvesPanel.readout(state))
        #expect(readout.hasPrefix("iteration 2 · mean \(Units.microseconds(stats.meanStepTime!))"))
        #expect(readout.contains("β 1.5") && readout.contains("H "))
        let text = ExplorerView.render(state).text
        #expect(text.contains("┆") && text.contains("▲") && text.contains(readout))
        _ = state.handle(.escape)
        #expect(state.focus == .stages && !ExplorerView.render(state).text.contains("┆"))
    }

    @Test func theCursorColumnFollowsTheCurves() {
        #expect(LineChart.dotColumn(of: 0, count: 40, dotWidth: 100) == 0)
        #expect(LineChart.dotColumn(of: 39, count: 40, dotWidth: 100) == 99)
        #expect(LineChart.dotColumn(of: 500, count: 1000, dotWidth: 100) == 50)
        #expect(LineChart.dotColumn(of: 999, count: 1000, dotWidth: 100) == 99)
    }
}
