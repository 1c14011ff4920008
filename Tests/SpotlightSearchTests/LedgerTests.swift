import Foundation
import SpotlightModel
import SpotlightSimulation
import Testing

@testable import SpotlightSearch

@Suite struct LedgerTests {
    /// By hand: each part keeps its own placements and change to the best step time, a change
    /// by the best measured again included, and the summary lists them in the parts' order.
    @Test func eachPartKeepsItsPlacementsAndItsChange() {
        var ledger = BudgetedSearch.Ledger()
        ledger.add(.remeasure, measured: 3, before: 90, after: 99)
        ledger.add(.climb, measured: 10, before: 100, after: 90)
        ledger.add(.learned, measured: 16, before: nil, after: 90)
        #expect(ledger.measured == 29)
        #expect(abs(ledger[.climb].change - -0.1) < 1e-12)
        #expect(abs(ledger[.remeasure].change - 0.1) < 1e-12)
        #expect(ledger[.learned].logGain == 0 && ledger[.rehearsal].measured == 0)
        #expect(
            ledger.summary
                == "learned search 16, 0.0%; climb 10, -10.0%; best measured again 3, +10.0%")
        #expect(BudgetedSearch.Ledger().summary == "nothing measured")
    }
}

@Suite(.tags(.slow), .skippedInQuickLoop) struct LedgerRunTests {
    /// Over a whole run, noisy, fitted and rehearsed or not: the ledger holds every placement the
    /// run measured, and its parts' changes compose to the start's time over the final best's.
    @Test(arguments: [0.0, 0.3], BudgetedSearch.Schedule.allCases)
    func theLedgerAccountsForEveryPlacementAndTheWholeGain(
        share: Double, schedule: BudgetedSearch.Schedule
    ) throws {
        var (optimizer, start) = try BudgetTests.warmStarted(seed: 4) { $0.confirmations = 2 }
        var plan = BudgetedSearch(budget: 150, searchShare: share, schedule: schedule)
        if schedule == .interleaved {
            plan.calibration = .init(
                every: 40, moves: 200, rehearsal: 64,
                known: [MeasuredPlacement(start.assignment, stepTime: start.stepTime)])
        }
        let truth = SimulatorEvaluator(problem: optimizer.problem, workers: 2)
        let outcome = plan.run(&optimizer, evaluator: NoisyEvaluator(truth, spread: 0.05, seed: 3))
        let ledger = outcome.ledger
        #expect(ledger.measured == outcome.measured)
        let total = BudgetedSearch.Ledger.Part.allCases.reduce(0) { $0 + ledger[$1].logGain }
        let final = try #require(outcome.stepTime)
        #expect(abs(total - log(start.stepTime / final)) < 1e-9)
        #expect((ledger[.learned].measured > 0) == (share > 0))
        if schedule == .interleaved {
            #expect(ledger[.remeasure].measured > 0)
        }
    }
}
