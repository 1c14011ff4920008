import Foundation
import SpotlightModel
import Testing

@testable import SpotlightExplorer
@testable import SpotlightSearch

/// What the explorer makes of the snapshots the search publishes, apart from keys.
@Suite struct StateTests {
    @Test func aCheckpointFailureIsReportedOnceWhenItBegins() {
        var state = Fixture.state(snapshot: nil)
        var failing = Fixture.snapshot(status: .running)
        failing.checkpointFailure = InputError(
            file: "/full/run.checkpoint.json", message: "cannot write: No space left on device")
        state.apply(failing)
        #expect(
            state.message
                == StatusMessage(
                    "checkpoint not saved: /full/run.checkpoint.json: cannot write: No space left on device",
                    isError: true))

        state.message = nil
        state.apply(failing)
        #expect(
            state.message == nil, "a failure already reported is not reported at every snapshot")

        state.apply(Fixture.snapshot(status: .running))
        state.apply(failing)
        #expect(
            state.message?.text.hasPrefix("checkpoint not saved") == true,
            "failing again after a write that worked")
    }
}

/// The `p` key and what the explorer says of a polish.
@Suite struct PolishKeyTests {
    @Test func pAsksForAPolishOfTheBestPlacement() {
        var state = Fixture.state()
        #expect(state.handle(.character("p")) == [.polish])
        #expect(state.message?.isError == false)
    }

    @Test func pIsRefusedWithoutABestPlacementWhilePolishingOnHardwareOrAfterAStop() {
        var noBest = Fixture.state(snapshot: Fixture.snapshot(best: false))
        #expect(noBest.handle(.character("p")) == [])
        #expect(noBest.message?.text == "no valid placement found yet: nothing to polish")

        var busy = Fixture.snapshot()
        busy.polishing = true
        var polishing = Fixture.state(snapshot: busy)
        #expect(polishing.handle(.character("p")) == [])
        #expect(polishing.message?.text == "already polishing the best placement")

        var hardware = Fixture.state(model: Fixture.measuredModel)
        #expect(hardware.handle(.character("p")) == [])
        #expect(
            hardware.message?.text.hasPrefix("polishing measures thousands of placements") == true)

        var stopped = Fixture.state(snapshot: Fixture.snapshot(status: .stopped))
        #expect(stopped.handle(.character("p")) == [])
        #expect(stopped.message?.isError == true)
    }

    @Test func aFinishedPolishIsReportedOnce() {
        var state = Fixture.state()
        var done = Fixture.snapshot()
        done.lastPolish = PolishSummary(
            from: 1_000, to: 970, improvements: 3, evaluated: 12_345, isLocalOptimum: true)
        state.apply(done)
        #expect(
            state.message?.text
                == "polished: 1.00 ms → 970.00 us, 3 moves kept of 12,345 placements measured (no single move is faster)"
        )
        state.message = nil
        state.apply(done)
        #expect(state.message == nil)

        done.lastPolish = PolishSummary(
            from: 970, to: 970, improvements: 0, evaluated: 40, isLocalOptimum: true)
        state.apply(done)
        #expect(
            state.message?.text
                == "polished: no move made 970.00 us faster (40 placements measured)")
    }

    /// Each fit of the model to the measurements is reported once: how far the model was off
    /// before and after, the best measured again, and what its polish measured.
    @Test func aFitOfTheModelIsReportedOnce() {
        var state = Fixture.state()
        var fitted = Fixture.snapshot()
        fitted.budget = BudgetProgress(
            budget: 960, measured: 243, climbMeasured: 200, bestFoundBy: .start,
            lastFit: BudgetedSearch.Recalibration(
                fitted: 240, error: .init(before: log(1.14), after: log(1.03)),
                bestRemeasured: 598_210, measured: 612_400))
        state.apply(fitted)
        #expect(
            state.message?.text
                == "model fitted to 240 placements: off by 14%, then 3%; best measured again: "
                + "598.21 ms; its polish measured 612.40 ms")
        state.message = nil
        state.apply(fitted)
        #expect(state.message == nil)
        fitted.budget?.lastFit = BudgetedSearch.Recalibration(
            fitted: 360, error: .init(before: log(1.05), after: log(1.02)), measured: 590_000,
            improved: true)
        fitted.budget?.lastFit?.rehearsed = true
        state.apply(fitted)
        #expect(
            state.message?.text
                == "model fitted to 360 placements: off by 5%, then 2%; the policy's find in it "
                + "measured 590.00 ms, the new best")
    }

    /// When a budgeted run finishes, the message line says once where its placements went.
    @Test func aFinishedBudgetSaysWhereThePlacementsWent() {
        var state = Fixture.state()
        var running = Fixture.snapshot(status: .running)
        var ledger = BudgetedSearch.Ledger()
        ledger.add(.learned, measured: 96, before: 1_000, after: 990)
        ledger.add(.climb, measured: 864, before: 990, after: 960)
        running.budget = BudgetProgress(
            budget: 960, measured: 960, climbMeasured: 864, bestFoundBy: .climb(move: 4),
            ledger: ledger)
        state.apply(running)
        #expect(state.message == nil)
        var finished = running
        finished.status = .finished
        state.apply(finished)
        #expect(
            state.message?.text
                == "where the placements went: learned search 96, -1.0%; climb 864, -3.0%")
        state.message = nil
        state.apply(finished)
        #expect(state.message == nil)
    }

    @Test func theStatusLineSaysWhileAPolishRuns() {
        var busy = Fixture.snapshot()
        busy.polishing = true
        let state = Fixture.state(snapshot: busy)
        let line = StatusLine.pieces(state, omitting: []).map(\.0).joined()
        #expect(line.contains("● running + polishing"), "\(line)")
    }
}

/// A message stays for its duration from when it is first drawn, whatever set it.
@Suite struct MessageTimerTests {
    @Test func aMessageCountsFromItsFirstFrame() {
        var timer = MessageTimer(duration: 8)
        let polished = StatusMessage("polished: 1.2 ms → 1.1 ms")
        let expired1 = timer.hasExpired(nil, at: 0)
        #expect(!expired1)
        // Set 18 s after the key that started the polish: its time starts now.
        let expired2 = timer.hasExpired(polished, at: 18)
        #expect(!expired2)
        let expired3 = timer.hasExpired(polished, at: 25.9)
        #expect(!expired3)
        let expired4 = timer.hasExpired(polished, at: 26.1)
        #expect(expired4)
        // Another message starts again; a renewed one too.
        let next = StatusMessage("saved", isError: false)
        let expired5 = timer.hasExpired(next, at: 27)
        #expect(!expired5)
        timer.renew(at: 34)
        let expired6 = timer.hasExpired(next, at: 41)
        #expect(!expired6)
        let expired7 = timer.hasExpired(next, at: 42.5)
        #expect(expired7)
    }
}
