import SpotlightModel
import SpotlightSimulation
import Testing

@testable import SpotlightSearch

@Suite struct BudgetTraceTests {
    /// By hand: a merged pair takes the later point's place, best and iteration, and the mean of
    /// both batches' means weighted by how many batches each stands for.
    @Test func aMergedPairKeepsTheLaterBestAndBothMeans() {
        let learned = BudgetTrace.Point(measured: 16, best: 90, iteration: 1, meanStepTime: 120)
        let climbed = BudgetTrace.Point(measured: 32, best: 85)
        let merged = learned.merged(with: climbed)
        #expect(merged.measured == 32 && merged.best == 85 && merged.iteration == 1)
        #expect(merged.meanStepTime == 120 && merged.batches == 1)
        let next = BudgetTrace.Point(measured: 48, best: 80, iteration: 2, meanStepTime: 100)
        let three = merged.merged(with: next)
        #expect(three.batches == 2 && three.meanStepTime == 110 && three.iteration == 2)
    }

    /// However many rounds, the trace keeps at most `limit` points, in order of placements
    /// measured, with the run's start first and its latest round last.
    @Test func theTraceStaysWithinItsLimitAndKeepsItsEnds() {
        var trace = BudgetTrace()
        trace.append(.init(measured: 0, best: 1000))
        for round in 1...5_000 {
            let learned = round % 3 == 0
            trace.append(
                .init(
                    measured: round * 16, best: 1000 - Double(round) / 10,
                    iteration: learned ? round / 3 : nil, meanStepTime: learned ? 1100 : nil))
            #expect(trace.points.count <= BudgetTrace.limit)
        }
        let points = trace.points
        #expect(points.first == BudgetTrace.Point(measured: 0, best: 1000))
        #expect(points.last?.measured == 80_000 && points.last?.best == 500)
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.measured < $1.measured })
        #expect(points.allSatisfy { ($0.meanStepTime ?? 1100) == 1100 })
        #expect(points.allSatisfy { ($0.meanStepTime == nil) == ($0.batches == 0) })
        // Iteration 1,666 ended with round 4,998, at 79,968 placements: its point, or the one
        // it was merged into, is at or after it.
        #expect(trace.measured(atIteration: 1_666).map { $0 >= 79_968 } == true)
        #expect(trace.measured(atIteration: 1_667) == nil)
    }

    /// Every round of an interleaved run adds a point, so the trace ends where the run does:
    /// at every placement measured and the final best, even when the climb found that best
    /// after the last learned iteration, which the iterations' history never shows.
    @Test func theTraceEndsAtTheRunsBestAndEveryPlacement() throws {
        var (optimizer, start, counter, rounds) = try BudgetTests.interleaved(seed: 6)
        var count = 0
        var lastLearnedAt = 0
        while let round = rounds.round(&optimizer, evaluator: counter) {
            count += 1
            if case .learned = round { lastLearnedAt = counter.count }
        }
        let points = rounds.trace.points
        #expect(points.count == count + 1)
        #expect(points.first == BudgetTrace.Point(measured: 0, best: start.stepTime))
        #expect(points.last?.measured == counter.count)
        #expect(points.last?.best == optimizer.state.bestStepTime)
        #expect(
            rounds.trace.measured(atIteration: optimizer.state.iteration) == lastLearnedAt)
        let climbedAfterwards = points.filter { $0.measured > lastLearnedAt }
        #expect(climbedAfterwards.allSatisfy { $0.iteration == nil })
        // On this seed the climb's last rounds came after the last learned iteration and found
        // faster placements: the history's last best is not the run's.
        #expect(!climbedAfterwards.isEmpty)
        let historyBest = try #require(optimizer.state.history.last?.bestSoFar)
        #expect(historyBest > optimizer.state.bestStepTime!)
        #expect(climbedAfterwards.allSatisfy { $0.meanStepTime == nil })
    }

    /// A point names a finder exactly where its round made the best faster: the learned search
    /// for its iterations, the climb for the others; the last finder is the run's. Over four
    /// seeds both searches find some.
    @Test func eachPointNamesWhatFoundAFasterBest() throws {
        var kinds = Set<String>()
        for seed: UInt64 in 1...4 {
            var (optimizer, _, counter, rounds) = try BudgetTests.interleaved(seed: seed)
            while rounds.round(&optimizer, evaluator: counter) != nil {}
            let points = rounds.trace.points
            for (before, point) in zip(points, points.dropFirst()) {
                #expect((point.foundBy != nil) == (point.best! < before.best!))
                switch point.foundBy {
                case .learned(let iteration):
                    #expect(point.iteration == iteration)
                    kinds.insert("learned")
                case .climb:
                    #expect(point.iteration == nil)
                    kinds.insert("climb")
                default: break
                }
            }
            let lastFinder: BestSource = points.compactMap(\.foundBy).last ?? .start
            #expect(lastFinder == rounds.bestFoundBy)
        }
        #expect(kinds == ["learned", "climb"])
    }

    /// Merged, a pair keeps the later finder, or the earlier where the later round found none.
    @Test func aMergedPairKeepsTheLaterFinder() {
        let learned = BudgetTrace.Point(measured: 16, best: 90, foundBy: .learned(iteration: 1))
        let idle = BudgetTrace.Point(measured: 32, best: 90)
        let climbed = BudgetTrace.Point(measured: 48, best: 85, foundBy: .climb(move: 3))
        #expect(learned.merged(with: idle).foundBy == .learned(iteration: 1))
        #expect(learned.merged(with: climbed).foundBy == .climb(move: 3))
        #expect(idle.merged(with: idle).foundBy == nil)
    }
}
