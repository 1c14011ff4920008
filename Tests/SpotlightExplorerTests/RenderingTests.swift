import Foundation
import SpotlightModel
import SpotlightSimulation
import Testing

@testable import SpotlightExplorer
@testable import SpotlightSearch

/// Each panel drawn into a cell grid at a fixed size and compared with a text snapshot, plus the
/// styles that matter (selection, critical path, warnings), which text alone does not show.
@Suite struct RenderingTests {
    func panel(width: Int, height: Int, _ draw: (inout CellGrid, Rect) -> Void) -> CellGrid {
        var grid = CellGrid(width: width, height: height)
        draw(&grid, grid.bounds)
        return grid
    }

    @Test func wholeScreenAt160x48() {
        expectSnapshot(ExplorerView.render(Fixture.state()).text, named: "screen-160x48")
    }

    @Test func wholeScreenAtTheMinimumSize() {
        let text = ExplorerView.render(Fixture.state(width: 80, height: 24)).text
        expectSnapshot(text, named: "screen-80x24")
        // Every panel has room for its content, not only its border.
        #expect(
            text.contains("gpu:1") && text.contains("mem")
                && text.contains("policy q(device | stage)"))
    }

    /// With samples placed as preferences, the inspector says that q is over preferred devices;
    /// before any best placement, the graph shows what list scheduling makes of the likeliest.
    @Test func preferencesAreNamedAndTheirPlacementShown() {
        let model = Fixture.makeModel(Fixture.makeOptimizer(preferenceStrength: 0.25))
        let text = ExplorerView.render(Fixture.state(model: model)).text
        #expect(text.contains("policy q(preferred device | stage)"))
        let fresh = Fixture.state(
            snapshot: Fixture.snapshot(iterations: 0, best: false), model: model)
        let none = [Int](repeating: -1, count: Fixture.problem.stages.count)
        let decoded = model.decoder?.placement(
            stageDevices: fresh.snapshot?.stageProbabilities.map { q in
                q.indices.max { q[$0] < q[$1] } ?? -1
            } ?? none,
            stagePins: none, opPins: [], in: Fixture.problem)
        #expect(decoded != nil && fresh.opDevice == decoded)
    }

    /// Once the search falls back to placements, the inspector names devices again, the
    /// graph decodes nothing, and the status line says why, once.
    @Test func aFallBackToPlacementsIsShown() {
        let model = Fixture.makeModel(Fixture.makeOptimizer(preferenceStrength: 0.25))
        var state = Fixture.state(
            snapshot: Fixture.snapshot(iterations: 1, best: false), model: model)
        #expect(state.message == nil && state.decoder != nil)
        var dropped = Fixture.snapshot(iterations: 1, best: false)
        dropped.preferencesDroppedAt = 1
        state.apply(dropped)
        #expect(state.decoder == nil)
        #expect(ExplorerView.render(state).text.contains("policy q(device | stage)"))
        #expect(
            state.message?.text == "no preference of iteration 1 beat the best: sampling "
                + "placements now")
        let direct = Fixture.problem.placement(
            sampled: dropped.stageProbabilities.map { q in q.indices.max { q[$0] < q[$1] }! },
            stagePins: dropped.stagePins, opPins: dropped.opPins, decoder: nil)
        #expect(state.opDevice == direct)
        state.message = nil
        state.apply(dropped)
        #expect(state.message == nil)
    }

    @Test func tooSmallTerminalGetsAMessage() {
        let text = ExplorerView.render(Fixture.state(width: 60, height: 20)).text
        expectSnapshot(text, named: "too-small-60x20")
        #expect(text.contains("at least 80×24"))
    }

    @Test func graphPanel() {
        let state = Fixture.state()
        let grid = panel(width: 90, height: 14) {
            GraphPanel.draw(into: &$0, rect: $1, state: state)
        }
        expectSnapshot(grid.text, named: "graph-90x14")
        // The selected stage (0) is highlighted across its row; critical ops are marked ◆.
        #expect(grid[5, 1].style.background == .selection)
        #expect(grid[5, 2].style.background == nil)
        #expect(grid.text.contains("◆"))
    }

    @Test func graphPanelScrollsToTheSelectionWhenStagesDoNotFit() {
        var state = Fixture.state()
        state.selectedStage = 7
        let grid = panel(width: 90, height: 8) {
            GraphPanel.draw(into: &$0, rect: $1, state: state)
        }
        expectSnapshot(grid.text, named: "graph-scrolled-90x8")
        #expect(grid.rowText(0).contains("stages 3–7 of 8"))
    }

    @Test func monochromeThemeNumbersDevicesInTheGraph() {
        let state = Fixture.state(theme: "monochrome")
        #expect(!state.theme.usesColor)
        let grid = panel(width: 90, height: 14) {
            GraphPanel.draw(into: &$0, rect: $1, state: state)
        }
        expectSnapshot(grid.text, named: "graph-monochrome-90x14")
        #expect(grid.rowText(1).contains("1"))
    }

    @Test func noColorKeepsTheThemeButDropsItsColours() {
        let state = Fixture.state(theme: "dark", colorEnabled: false)
        #expect(!state.theme.usesColor)
        #expect(
            state.theme[.selection].attributes
                == Fixture.themes.themes[Fixture.themes.index(named: "dark")!][.selection]
                .attributes)
    }

    @Test func devicesPanelDetailed() {
        let state = Fixture.state()
        let grid = panel(width: 66, height: 11) {
            DevicesPanel.draw(into: &$0, rect: $1, state: state, detailed: true)
        }
        expectSnapshot(grid.text, named: "devices-66x11")
        #expect(grid.text.contains("busy"))
        #expect(!grid.text.contains("OOM"))
    }

    /// `v` shows the whole policy in the graph's place: a shaded cell per stage and device, each
    /// stage's entropy, the selected stage's q over the iterations; `o` orders the rows by
    /// entropy, then by work.
    @Test func thePolicyViewShadesEveryStageAndDevice() throws {
        var state = Fixture.state(width: 120, height: 40)
        state.selectedStage = 2
        _ = state.handle(.character("v"))
        #expect(state.showsPolicy)
        let text = ExplorerView.render(state).text
        expectSnapshot(text, named: "policy-120x40")
        #expect(text.contains("policy q(device | stage) · by stage order"))
        #expect(text.contains("stage 2: q over iterations 0–40"))
        let probabilities = try #require(state.snapshot?.stageProbabilities)
        let rows = PolicyPanel.rows(state)
        #expect(rows == Array(0..<Fixture.model.stageCount))
        _ = state.handle(.character("o"))
        let byEntropy = PolicyPanel.rows(state).map { PolicyPanel.entropy(probabilities[$0]) }
        #expect(byEntropy == byEntropy.sorted(by: >))
        _ = state.handle(.character("o"))
        #expect(ExplorerView.render(state).text.contains("by work"))
        _ = state.handle(.character("v"))
        #expect(ExplorerView.render(state).text.contains("op graph"))
    }

    /// `g` draws the best placement's step: a row per device and busy link, busy slices shaded,
    /// zoom and move along the step.
    @Test func theGanttChartShowsEachDevicesBusyTime() throws {
        var state = Fixture.state(width: 120, height: 40)
        _ = state.handle(.character("g"))
        #expect(state.showsGantt && state.ganttTimeline != nil)
        let text = ExplorerView.render(state).text
        expectSnapshot(text, named: "gantt-120x40")
        #expect(text.contains("step of the best placement") && text.contains("1→2"))
        // gpu:0 is busy 78% of the step: about that share of its row's columns are drawn.
        let timeline = try #require(state.ganttTimeline)
        let rows = GanttPanel.rows(
            timeline, critical: state.onCriticalPath, model: state.model, columns: 100,
            window: (0, try #require(state.snapshot?.bestResult?.stepTime)))
        let busy = rows[1].busy.reduce(0, +) / 100
        let result = try #require(state.snapshot?.bestResult)
        #expect(abs(busy - result.deviceBusy[1] / result.stepTime) < 0.02)
        _ = state.handle(.character("+"))
        _ = state.handle(.character(">"))
        let window = GanttPanel.window(state, stepTime: result.stepTime)
        #expect(abs(window.end - window.start - result.stepTime / 2) < 1e-9 && window.start > 0)
        _ = state.handle(.character("v"))
        #expect(state.showsPolicy && !state.showsGantt)
    }

    /// `b` compares the best placement with a baseline: stages moved, and each device's busy
    /// time under the baseline beside its own.
    @Test func theBestPlacementIsComparedWithABaseline() throws {
        var state = Fixture.state(width: 160, height: 48)
        let busy = Fixture.singleGPU.deviceBusy
        _ = state.handle(.character("b"))
        #expect(state.comparedBaseline == 0)
        let moved = try #require(state.stagesMoved)
        #expect(moved.of == Fixture.model.stageCount && moved.moved > 0 && moved.moved < moved.of)
        let text = ExplorerView.render(state).text
        #expect(text.contains("vs single_gpu: \(moved.moved)/\(moved.of) stages moved"), "\(text)")
        #expect(
            text.contains(", single_gpu \(Units.microseconds(busy[1]))"), "\(text)")
        _ = state.handle(.character("b"))
        #expect(
            state.comparedBaseline == nil
                && !ExplorerView.render(state).text.contains("stages moved"))
    }

    /// Under a budget the status line counts placements against it and says what found the best
    /// placement; `p` is refused, since the climb is part of the run, and leaves the footer.
    @Test(arguments: [
        (BestSource.climb(move: 3), "by the climb, move 3"),
        (BestSource.learned(iteration: 7), "by spotlight, iteration 7"),
        (BestSource.start, "by the start (metis)"),
        (BestSource.fittedModel, "by the fitted model's polish"),
        (BestSource.rehearsal, "by the policy's rehearsal in the fitted model"),
    ])
    func underABudgetTheStatusLineCountsAgainstIt(source: BestSource, words: String) {
        var snapshot = Fixture.snapshot()
        snapshot.budget = BudgetProgress(
            budget: 960, measured: 412, climbMeasured: 300, bestFoundBy: source)
        var state = Fixture.state(width: 240, height: 48, snapshot: nil)
        state.apply(snapshot)
        let text = ExplorerView.render(state).text
        let status = String(text.split(separator: "\n")[0])
        #expect(status.contains("412/960 measured") && status.contains(words), "\(status)")
        #expect(!KeyBinding.footer(for: state).contains { $0.keys == "p" })
        _ = state.handle(.character("p"))
        #expect(state.message?.isError == true)
    }

    /// With ten stages or more, the policy view's stage numbers are right-aligned so that every
    /// name starts in one column.
    @Test func thePolicyViewAlignsStageNames() throws {
        let problem = try PlacementProblem(
            graph: SyntheticGraph(opCount: 300, seed: 2).graph(),
            cluster: SyntheticCluster.make(deviceCount: 3), maximumStages: 16)
        var configuration = OptimizerConfiguration(method: .spotlight, samples: 4, seed: 1)
        configuration.hiddenSize = 8
        let model = ExplorerModel(
            optimizer: Optimizer(problem: problem, configuration: configuration),
            graphLabel: "synthetic", clusterLabel: "synthetic")
        try #require(model.stageCount >= 11)
        var state = Fixture.state(width: 120, height: 40, snapshot: nil, model: model)
        state.selectedStage = 10
        _ = state.handle(.character("v"))
        let grid = panel(width: 70, height: 30) {
            PolicyPanel.draw(into: &$0, rect: $1, state: state)
        }
        // After the border and the selection mark: the number, right-aligned, then the name.
        let rows = (0..<grid.height).map { Array(grid.rowText($0)) }
        let nine = try #require(rows.first { String($0[2..<5]) == " 9 " })
        let ten = try #require(rows.first { String($0[2..<5]) == "10 " })
        #expect(nine[5] != " " && ten[5] != " ", "\(String(nine)) / \(String(ten))")
    }

    @Test func shadesAndEntropyByHand() {
        #expect(
            PolicyPanel.shade(0.01) == " " && PolicyPanel.shade(0.1) == "░"
                && PolicyPanel.shade(0.3) == "▒")
        #expect(
            PolicyPanel.shade(0.6) == "▓" && PolicyPanel.shade(0.9) == "█"
                && PolicyPanel.shade(1) == "█")
        #expect(abs(PolicyPanel.entropy([0.5, 0.5]) - log(2.0)) < 1e-6)
        #expect(PolicyPanel.entropy([1, 0, 0]) == 0)
    }

    /// Devices that do not fit are counted on a row of their own, not written over a device.
    @Test func devicesLeftOutAreCountedOnTheirOwnRow() {
        let state = Fixture.state()
        let grid = panel(width: 66, height: 4) {
            DevicesPanel.draw(into: &$0, rect: $1, state: state, detailed: false)
        }
        let rows = grid.text.split(separator: "\n").map(String.init)
        #expect(rows[1].contains("cpu:0") && rows[1].contains("mem"), "\(grid.text)")
        #expect(rows[2].contains("+2 more") && !rows[2].contains("gpu"), "\(grid.text)")
    }

    @Test func devicesPanelCompactAndOutOfMemory() {
        var snapshot = Fixture.snapshot()
        snapshot.bestResult!.devicePeakMemory[1] = 80e6
        snapshot.bestResult!.outOfMemory = true
        let state = Fixture.state(snapshot: snapshot)
        let grid = panel(width: 66, height: 5) {
            DevicesPanel.draw(into: &$0, rect: $1, state: state, detailed: false)
        }
        expectSnapshot(grid.text, named: "devices-compact-oom-66x5")
        let row = grid.rowText(2)
        #expect(row.contains("OOM"))
        let x = Array(row.unicodeScalars).firstIndex(of: "O")!
        #expect(grid[x, 2].style.foreground == .bad)
    }

    @Test func devicesPanelBeforeAnyValidPlacement() {
        let state = Fixture.state(snapshot: Fixture.snapshot(iterations: 0, best: false))
        let grid = panel(width: 66, height: 5) {
            DevicesPanel.draw(into: &$0, rect: $1, state: state, detailed: true)
        }
        #expect(grid.rowText(1).contains("no valid placement measured yet"))
    }

    /// The mean curve used to be plotted from −√(t / bound) on an axis of −√t, so every point
    /// clamped to the top row; both curves now come from step times, and the range fits them.
    @Test func theMeanRewardCurveUsesTheChartsHeight() {
        let state = Fixture.state()
        let grid = panel(width: 60, height: 18) {
            CurvesPanel.drawReward(into: &$0, rect: $1, state: state)
        }
        func rows(_ role: Role) -> Set<Int> {
            Set(
                (0..<18).filter { y in
                    (0..<60).contains { x in grid[x, y].style.foreground == role }
                })
        }
        #expect(rows(.meanCurve).count >= 8, "the mean curve spans \(rows(.meanCurve).sorted())")
        #expect(rows(.bestCurve).count >= 4)
    }

    /// Hand-computed: the curves span -40 to -30; the nearest references beyond them are -28
    /// above and -42 below, and the farther ones (-20, -50) are left out.
    @Test func theRewardRangeFitsTheCurvesAndTheNearestReferences() {
        let range = CurvesPanel.rewardRange(
            means: [-40, -35, -33], bests: [-34, -31, -30], references: [-20, -28, -42, -50])
        #expect(range.low == -42 && range.high == -28)
        let bare = CurvesPanel.rewardRange(means: [-40], bests: [-30], references: [])
        #expect(bare.low == -40 && bare.high == -30)
        let flat = CurvesPanel.rewardRange(means: [-30], bests: [-30], references: [])
        #expect(flat.high == -30 && abs(flat.low - -33) < 1e-9)
    }

    @Test func aStepSeriesHoldsItsValueAcrossGaps() {
        let points = LineChart.binned([1, nil, 3], into: 5, combine: LineChart.mean, steps: true)
        #expect(
            points == [1, 1, 1, 1, 3].map(Optional.some)
                || points.compactMap { $0 }.allSatisfy { $0 == 1 || $0 == 3 })
        let slopes = LineChart.binned([1, 3], into: 5, combine: LineChart.mean)
        #expect(slopes == [1, 1.5, 2, 2.5, 3])
        #expect(
            LineChart.binned([1, 3], into: 5, combine: LineChart.mean, steps: true) == [
                1, 1, 1, 1, 3,
            ])
    }

    /// `series` of 20 values from 0 to 1 on a chart 12 cells by 3 without labels: a plot of 10
    /// by 2 cells (20 by 8 dots) from x 2, y 0, the x axis on row 2.
    func plotOfTenByTwoCells(_ series: LineChart.Series) -> CellGrid {
        let chart = LineChart(low: 0, high: 1, format: { _ in "" }, labelWidth: 1)
        return panel(width: 12, height: 3) {
            chart.draw(into: &$0, area: $1, series: [series], references: [], iterations: 20)
        }
    }

    /// A dotted series that is not joined draws every value it has, at odd dot columns too: a
    /// joined one keeps every other column of its line. A plot ten cells wide (twenty dot
    /// columns, as many values), values at the top of dot columns 1 and 3: the right-hand top
    /// dot of the first two cells, or for the joined line the left-hand one of the second.
    @Test func anUnjoinedDottedSeriesDrawsEveryValue() {
        func cells(joined: Bool) -> [Unicode.Scalar] {
            var values = [Double?](repeating: nil, count: 20)
            values[1] = 1
            values[3] = 1
            let grid = plotOfTenByTwoCells(
                LineChart.Series(
                    values: values, role: .meanCurve, combine: LineChart.mean, dotted: true,
                    joined: joined))
            return [grid[2, 0].character, grid[3, 0].character]
        }
        #expect(cells(joined: false) == ["\u{2808}", "\u{2808}"])
        #expect(cells(joined: true) == [" ", "\u{2801}"])
    }

    /// A step series' step into a value with a role of its own is drawn in it, the cells it
    /// shares with the line before and after included; the rest keeps the series' role. Values
    /// 0 then 1 from dot column 10: the line runs along the bottom dot row to column 10, up to
    /// the top and on along it.
    @Test func aStepWithARoleOfItsOwnIsDrawnInIt() {
        let values: [Double?] = (0..<20).map { $0 < 10 ? 0 : 1 }
        func grid(stepRoles: [Role?]?) -> CellGrid {
            plotOfTenByTwoCells(
                LineChart.Series(
                    values: values, role: .bestCurve, combine: LineChart.maximum, steps: true,
                    stepRoles: stepRoles))
        }
        var roles = [Role?](repeating: nil, count: 20)
        roles[10] = .meanCurve
        let coloured = grid(stepRoles: roles)
        // Dot column 10 is the left half of plot cell 5, at x 2 + 5.
        #expect(coloured[7, 0].style.foreground == .meanCurve)
        #expect(coloured[7, 1].style.foreground == .meanCurve)
        #expect(coloured[8, 0].style.foreground == .bestCurve)
        #expect(coloured[6, 1].style.foreground == .bestCurve)
        #expect(coloured[6, 0].character == " ")
        let plain = grid(stepRoles: nil)
        #expect(plain.text == coloured.text)
        #expect(plain[7, 0].style.foreground == .bestCurve)
        #expect(
            LineChart.binnedRoles([.meanCurve, nil, nil, .axis], into: 2) == [.meanCurve, .axis])
        // Roles that do not match the values are drawn where they fall, never past the plot.
        #expect(grid(stepRoles: []).text == plain.text)
        #expect(grid(stepRoles: [.meanCurve, .meanCurve]).text == plain.text)
        #expect(LineChart.binnedRoles([.meanCurve, nil], into: 4) == [.meanCurve, nil, nil, nil])
    }

    @Test func rewardCurvesWithBaselines() {
        let state = Fixture.state()
        let grid = panel(width: 60, height: 18) {
            CurvesPanel.drawReward(into: &$0, rect: $1, state: state)
        }
        expectSnapshot(grid.text, named: "reward-60x18")
        // The nearest references frame the curves: expert at the best so far (1.07 ms), single_gpu
        // below the means' 5% quantile; metis and the bound, farther above, are left out.
        #expect(grid.rowText(1).contains("expert") && grid.rowText(1).contains("1.07 ms"))
        #expect(grid.text.contains("single_gpu"))
        #expect(!grid.text.contains("bound") && !grid.text.contains("metis"))
        #expect(grid.text.unicodeScalars.contains(where: BrailleCanvas.holdsDots))
    }

    /// By hand: budget 100 on 10 columns of 10 placements each. A column's best is the best after
    /// the last round ending in it or held from before; its mean only where a batch ended; none
    /// past the 55 placements measured so far.
    @Test func placementColumnsHoldTheBestAndPlaceEachBatch() {
        let trace = BudgetTrace(points: [
            .init(measured: 0, best: 200),
            .init(
                measured: 16, best: 180, iteration: 1, meanStepTime: 250,
                foundBy: .learned(iteration: 1)),
            .init(measured: 32, best: 170, foundBy: .climb(move: 1)),
            .init(measured: 48, best: 170, iteration: 2, meanStepTime: 230),
            .init(measured: 55, best: 150, foundBy: .climb(move: 2)),
        ])
        let columns = CurvesPanel.placementColumns(trace, budget: 100, width: 10)
        #expect(columns.bests == [200, 180, 180, 170, 170, 150, nil, nil, nil, nil])
        #expect(columns.means == [nil, 250, nil, nil, 230, nil, nil, nil, nil, nil])
        #expect(
            columns.finders == [
                nil, .learned(iteration: 1), nil, .climb(move: 1), nil, .climb(move: 2), nil, nil,
                nil, nil,
            ])
        #expect(
            [0, 16, 48, 55, 100, 500].map {
                CurvesPanel.column(ofMeasured: $0, budget: 100, width: 10)
            } == [0, 1, 4, 5, 9, 9])
    }

    /// Under a budget the reward chart runs along placements measured, to the budget: 30
    /// rounds of 16 learned samples and 8 climb moves, then the climb alone, which finds 1,020 us
    /// at 760 placements. The chart's best ends there, where the iterations' history, whose last
    /// best is above 1,070 us, would not; the cursor stands where iteration 30 ended.
    @Test func underABudgetTheRewardChartRunsAlongPlacementsMeasured() throws {
        var snapshot = Fixture.snapshot(iterations: 30)
        var trace = BudgetTrace(points: [.init(measured: 0, best: 2000)])
        for stats in snapshot.history {
            let learnedEnd = 24 * stats.iteration - 8
            let faster = stats.bestSoFar.map { $0 < trace.points.last?.best ?? .infinity }
            trace.append(
                .init(
                    measured: learnedEnd, best: stats.bestSoFar, iteration: stats.iteration,
                    meanStepTime: stats.meanStepTime,
                    foundBy: faster == true ? .learned(iteration: stats.iteration) : nil))
            trace.append(.init(measured: learnedEnd + 8, best: stats.bestSoFar))
        }
        let lastLearnedBest = try #require(snapshot.history.last?.bestSoFar)
        for measured in stride(from: 736, through: 960, by: 16) {
            trace.append(
                .init(
                    measured: measured, best: measured < 760 ? lastLearnedBest : 1020,
                    foundBy: measured == 768 ? .climb(move: 12) : nil))
        }
        var ledger = BudgetedSearch.Ledger()
        ledger.add(.learned, measured: 480, before: 2000, after: lastLearnedBest)
        ledger.add(.climb, measured: 480, before: lastLearnedBest, after: 1020)
        snapshot.budget = BudgetProgress(
            budget: 960, measured: 960, climbMeasured: 480, bestFoundBy: .climb(move: 12),
            ledger: ledger, trace: trace)
        var state = Fixture.state(snapshot: snapshot)
        state.focus = .chart
        state.chartCursor = 29
        let grid = panel(width: 60, height: 18) {
            CurvesPanel.drawReward(into: &$0, rect: $1, state: state)
        }
        expectSnapshot(grid.text, named: "reward-budget-60x18")
        let axis = grid.rowText(16)
        #expect(axis.contains(" 0 ") && axis.contains("placements measured"))
        #expect(axis.contains(" 960 "))
        let chart = try #require(CurvesPanel.rewardAxis(state, dotWidth: 96))
        #expect(chart.bests.last == 1020 && lastLearnedBest > 1070)
        #expect(chart.cursor == CurvesPanel.column(ofMeasured: 712, budget: 960, width: 96))
        #expect(CurvesPanel.readout(state)?.contains("712 measured") == true)
        // The learned search's finds in its colour, the climb's in the curve's; the title says
        // where the placements went, the legend names the colour.
        #expect(chart.stepRoles?.contains(.meanCurve) == true)
        let climbFind = CurvesPanel.column(ofMeasured: 768, budget: 960, width: 96)
        #expect(try #require(chart.stepRoles?.lastIndex { $0 != nil }) < climbFind)
        #expect(grid.rowText(0).contains("learned 480 −"))
        #expect(grid.rowText(0).contains("climb 480 −"))
        #expect(grid.rowText(17).contains("learned find"))
        snapshot.budget?.trace = BudgetTrace(
            points: trace.points.map {
                var point = $0
                point.foundBy = nil
                return point
            })
        let unattributed = Fixture.state(snapshot: snapshot)
        let plain = panel(width: 60, height: 18) {
            CurvesPanel.drawReward(into: &$0, rect: $1, state: unattributed)
        }
        func learnedColouredDots(_ grid: CellGrid) -> Int {
            (0..<60).flatMap { x in (1..<16).map { y in grid[x, y] } }
                .filter { BrailleCanvas.holdsDots($0.character) }
                .count { $0.style.foreground == .meanCurve }
        }
        #expect(learnedColouredDots(grid) > learnedColouredDots(plain))
        #expect(!plain.rowText(17).contains("learned find"))
    }

    @Test func measuredTimesAreNotComparedWithTheSimulatorsBound() {
        var snapshot = Fixture.snapshot()
        // Sixteen placements measured in 64 s an iteration: a quarter a second, the pace shown.
        for index in snapshot.history.indices {
            snapshot.history[index].samplesPerSecond = 0.24
            snapshot.history[index].placementsMeasured = 16
            snapshot.history[index].evaluationSeconds = 63
            snapshot.history[index].policySeconds = 1
        }
        let state = Fixture.state(snapshot: snapshot, model: Fixture.measuredModel)
        let curves = panel(width: 60, height: 18) {
            CurvesPanel.drawReward(into: &$0, rect: $1, state: state)
        }
        expectSnapshot(curves.text, named: "reward-measured-60x18")
        #expect(!curves.text.contains("bound"))
        // The top is the nearest reference above the curves (expert's 1.07 ms), not the bound.
        #expect(curves.rowText(1).contains("1.07 ms") && curves.rowText(1).contains("expert"))
        let screen = ExplorerView.render(state)
        #expect(screen.text.contains("devices · best, simulated 1.07 ms"))
        let status = screen.rowText(0)
        #expect(status.contains("0.25 measured/s"), "\(status)")
        #expect(status.contains("× metis"))
        #expect(!status.contains("bound"))
        var help = state
        help.overlay = .help
        #expect(
            ExplorerView.render(help).text.contains(
                "dotted lines are the baselines, as measured before the search."))
    }

    @Test func klCurvesWithTarget() {
        let state = Fixture.state()
        let grid = panel(width: 44, height: 18) {
            CurvesPanel.drawKL(into: &$0, rect: $1, state: state)
        }
        expectSnapshot(grid.text, named: "kl-44x18")
        #expect(grid.text.contains("target"))
    }

    @Test func klTitleShowsBetaOnlyForSpotlightAndShortensToFit() {
        let pg = Optimizer(
            problem: Fixture.problem,
            configuration: OptimizerConfiguration(method: .policyGradient, samples: 4, seed: 1))
        let model = ExplorerModel(
            optimizer: pg, graphLabel: "tiny.graph.json", clusterLabel: "tiny.cluster.json")
        let pgTitle = panel(width: 44, height: 18) {
            CurvesPanel.drawKL(into: &$0, rect: $1, state: Fixture.state(model: model))
        }.rowText(0)
        #expect(pgTitle.contains("KL(old‖new) H 0.22") && !pgTitle.contains("β"))
        let narrow = panel(width: 18, height: 10) {
            CurvesPanel.drawKL(into: &$0, rect: $1, state: Fixture.state())
        }.rowText(0)
        #expect(narrow.contains(" KL β 1.5 ") && !narrow.contains("…"))
    }

    @Test func curvesBeforeTheFirstIteration() {
        let state = Fixture.state(snapshot: Fixture.snapshot(iterations: 0, best: false))
        let grid = panel(width: 60, height: 10) {
            CurvesPanel.drawReward(into: &$0, rect: $1, state: state)
        }
        #expect(grid.rowText(1).contains("waiting for the first iteration"))
    }

    @Test func inspectorForAStage() {
        var state = Fixture.state(
            snapshot: Fixture.snapshot(stagePins: [-1, -1, 2, -1, -1, -1, -1, -1]))
        state.selectedStage = 2
        let grid = panel(width: 66, height: 20) {
            InspectorPanel.draw(into: &$0, rect: $1, state: state)
        }
        expectSnapshot(grid.text, named: "inspector-stage-66x20")
        #expect(grid.text.contains("pinned to gpu:1"))
    }

    @Test func inspectorWithTheOpListFocused() {
        var opPins = [Int](repeating: -1, count: Fixture.problem.graph.count)
        var state = Fixture.state()
        state.selectedStage = 1
        state.focus = .ops
        state.selectedOpRow = 1
        let op = state.selectedOp!
        opPins[op] = 1
        state.apply(Fixture.snapshot(opPins: opPins))
        let grid = panel(width: 66, height: 20) {
            InspectorPanel.draw(into: &$0, rect: $1, state: state)
        }
        expectSnapshot(grid.text, named: "inspector-ops-66x20")
        #expect(grid.text.contains("pin gpu:0"))
        #expect(grid.rowText(0).contains("op 2 of"))
    }

    @Test func statusLineAndFooter() {
        var state = Fixture.state(snapshot: Fixture.snapshot(status: .paused))
        state.message = StatusMessage("saved the best placement to x.json")
        let grid = ExplorerView.render(state)
        expectSnapshot(grid.rowText(0) + "\n" + grid.rowText(47), named: "status-and-footer-160")
        #expect(grid.rowText(0).contains("‖ paused"))
        #expect(grid.rowText(0).contains("iteration 40"))
        #expect(grid.rowText(47).contains("saved the best placement"))
    }

    @Test func aNarrowStatusLineKeepsTheStateIterationAndBestTime() {
        let state = Fixture.state(
            width: 80, height: 24, snapshot: Fixture.snapshot(status: .paused))
        let line = ExplorerView.render(state).rowText(0)
        #expect(line.contains("‖ paused"))
        #expect(line.contains("iteration 40"))
        #expect(line.contains("best 1.07 ms"))
        #expect(line.hasSuffix("? help"))
        #expect(!line.contains("samples") && !line.contains("/s"))
        #expect(!line.contains("…"))
    }

    /// Repeats show only when the last batch had some, and give way early on a narrow terminal.
    @Test func theLastBatchsRepeatsShowInTheStatusLine() {
        #expect(!ExplorerView.render(Fixture.state()).rowText(0).contains("repeated"))
        let line = ExplorerView.render(
            Fixture.state(width: 200, snapshot: Fixture.snapshot(lastRepeats: 5))
        ).rowText(0)
        #expect(line.contains("640 samples · 5 repeated · 1,234/s"))
        let narrow = ExplorerView.render(
            Fixture.state(width: 80, height: 24, snapshot: Fixture.snapshot(lastRepeats: 5))
        ).rowText(0)
        #expect(!narrow.contains("repeated") && narrow.contains("iteration 40"))
    }

    /// Placements measured, the budget a user on hardware pays, show once the search reports them.
    @Test func placementsMeasuredShowInTheStatusLine() {
        let snapshot = Fixture.snapshot(lastRepeats: 5, measuredPerIteration: 15)
        let line = ExplorerView.render(Fixture.state(width: 200, snapshot: snapshot)).rowText(0)
        #expect(line.contains("640 samples · 600 measured · 5 repeated"), "\(line)")
        let narrow = ExplorerView.render(Fixture.state(width: 80, height: 24, snapshot: snapshot))
            .rowText(0)
        #expect(!narrow.contains("measured") && narrow.contains("iteration 40"))
    }

    /// With pins, the best shown is the one that obeys them, and the overall best stands beside it.
    @Test func withPinsTheStatusLineShowsBothBests() {
        var snapshot = Fixture.snapshot()
        snapshot.unpinnedBestStepTime = 993.75
        let line = ExplorerView.render(Fixture.state(width: 200, snapshot: snapshot)).rowText(0)
        #expect(line.contains("with pins · without 993.75 us"), "\(line)")
        snapshot.bestStepTime = nil
        snapshot.bestAssignment = nil
        snapshot.bestResult = nil
        let none = ExplorerView.render(Fixture.state(width: 200, snapshot: snapshot)).rowText(0)
        #expect(none.contains("with pins: none measured yet · without 993.75 us"), "\(none)")
    }

    /// Under a budget with pins, what found the best is named beside the best it found, the one
    /// without pins, not beside the best that obeys them.
    @Test func withPinsTheFinderFollowsTheBestItFound() {
        var snapshot = Fixture.snapshot()
        snapshot.unpinnedBestStepTime = 993.75
        snapshot.budget = BudgetProgress(
            budget: 960, measured: 412, climbMeasured: 300, bestFoundBy: .climb(move: 3))
        let line = ExplorerView.render(Fixture.state(width: 240, snapshot: snapshot)).rowText(0)
        #expect(line.contains("with pins · without 993.75 us by the climb, move 3"), "\(line)")
        #expect(line.components(separatedBy: " by ").count == 2, "\(line)")
        snapshot.unpinnedBestStepTime = nil
        let unpinned = ExplorerView.render(Fixture.state(width: 240, snapshot: snapshot)).rowText(0)
        #expect(unpinned.contains("bound, 1.07× metis) by the climb, move 3"), "\(unpinned)")
    }

    @Test func statusLinePartsGiveWayInOrder() {
        // Under a budget, so that what found the best placement is among the parts.
        var snapshot = Fixture.snapshot(status: .running, lastRepeats: 3, measuredPerIteration: 15)
        snapshot.budget = BudgetProgress(
            budget: 960, measured: 600, climbMeasured: 0, bestFoundBy: .learned(iteration: 40))
        var state = Fixture.state(snapshot: snapshot)
        state.workers = [
            WorkerStatus(measured: 310, failed: 1, busy: true), WorkerStatus(measured: 309),
        ]
        #expect(
            StatusLine.pieces(state, omitting: []).map(\.0).joined().contains(
                " · workers 1/2 busy, 1 failed (310 309)"))
        let full = StatusLine.pieces(state, omitting: [])
        var omitted: Set<StatusLine.Part> = []
        var previous = StatusLine.width(full)
        // The settled advice shows only on a settled search (PinManagementTests).
        for part in StatusLine.Part.allCases where part != .settledAdvice {
            omitted.insert(part)
            let width = StatusLine.width(StatusLine.pieces(state, omitting: omitted))
            #expect(width < previous, "leaving out \(part) shortens the line")
            previous = width
        }
        let text = StatusLine.pieces(state, omitting: Set(StatusLine.Part.allCases)).map(\.0)
            .joined()
        #expect(text == " Spotlight ● running · best 1.07 ms")
    }

    @Test func statusWordsForEveryState() {
        var snapshot = Fixture.snapshot(status: .paused)
        snapshot.iterationInFlight = true
        #expect(Fixture.state(snapshot: snapshot).statusWord == "pausing")
        #expect(Fixture.state(snapshot: Fixture.snapshot(status: .running)).statusWord == "running")
        #expect(
            Fixture.state(snapshot: Fixture.snapshot(status: .finished)).statusWord == "finished")
        #expect(Fixture.state(snapshot: nil).statusWord == "starting")
    }

    @Test func findPromptInTheFooter() {
        var state = Fixture.state()
        _ = state.handle(.character("/"))
        for character in "relu" { _ = state.handle(.character(character)) }
        let footer = ExplorerView.render(state).rowText(47)
        #expect(footer.contains("find op: relu"))
        #expect(footer.contains("match"))
    }

    @Test func helpOverlay() {
        var state = Fixture.state(width: 120, height: 40)
        _ = state.handle(.character("?"))
        let text = ExplorerView.render(state).text
        expectSnapshot(text, named: "help-120x40")
        for binding in KeyBinding.all { #expect(text.contains(binding.action)) }
    }

    @Test func helpOverlayFitsWhollyAtTheMinimumSize() {
        var state = Fixture.state(width: 80, height: 24)
        _ = state.handle(.character("?"))
        let text = ExplorerView.render(state).text
        for binding in KeyBinding.all { #expect(text.contains(binding.action)) }
        #expect(text.contains("coloured by device"))
        #expect(text.contains("dotted lines are the baselines and the lower bound."))
        #expect(text.contains("The reward axis is labelled in step time"))
    }

    /// Under a budget the legend says the reward chart runs along placements measured.
    @Test func helpUnderABudgetNamesThePlacementAxis() {
        var snapshot = Fixture.snapshot()
        snapshot.budget = BudgetProgress(
            budget: 960, measured: 412, climbMeasured: 300, bestFoundBy: .climb(move: 3))
        var state = Fixture.state(width: 80, height: 24, snapshot: snapshot)
        _ = state.handle(.character("?"))
        let text = ExplorerView.render(state).text
        #expect(text.contains("along placements measured;"))
        #expect(!text.contains("The reward axis is labelled in step time"))
    }

    @Test func placementBeforeTheFirstBestIsThePolicysMostLikely() {
        let state = Fixture.state(snapshot: Fixture.snapshot(iterations: 0, best: false))
        #expect(!state.showsBestPlacement)
        #expect(state.opDevice.allSatisfy { $0 >= 0 })
        for op in 0..<Fixture.problem.graph.count {
            #expect(Fixture.problem.constraints.allows(op: op, device: state.opDevice[op]))
        }
    }
}
