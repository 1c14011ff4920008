import Testing

@testable import SpotlightSearch

/// A long search keeps bounded records: the history merges old iterations evenly, and the
/// record of measured placements forgets the slower half when full.
@Suite struct BoundedRecordTests {
    static func stats(_ iteration: Int) -> IterationStats {
        IterationStats(
            iteration: iteration, meanStepTime: Double(100 + iteration),
            bestStepTime: Double(50 + iteration),
            worstStepTime: Double(200 + iteration), bestSoFar: Double(1000 - iteration),
            meanReward: -Double(iteration), meanKL: 0.01, maxKL: Double(iteration), beta: 1,
            entropy: 0.5,
            invalidSamples: 1, outOfMemorySamples: 0, repeatedSamples: 2, placementsMeasured: 3,
            samplesPerSecond: 10, evaluationSeconds: 0.5, policySeconds: 0.25)
    }

    @Test func theHistoryStaysWithinItsLimitAndEvenlySpaced() {
        var history: [IterationStats] = []
        for iteration in 1...100 {
            IterationHistory.appending(Self.stats(iteration), to: &history, limit: 8)
        }
        #expect(history.count <= 8)
        let stride = IterationHistory.stride(of: history)
        #expect(stride == 16)
        // Every entry but the last stands for `stride` iterations; the last for the rest.
        #expect(
            history.dropLast().enumerated().allSatisfy {
                $0.element.iteration == ($0.offset + 1) * stride
            })
        #expect(history.last?.iteration == 100)
        // Counts stay exact; the best so far is the latest; maxima and minima over the group.
        #expect(history.reduce(0) { $0 + $1.placementsMeasured } == 300)
        #expect(history.reduce(0.0) { $0 + $1.evaluationSeconds } == 50)
        #expect(history.last?.bestSoFar == 900)
        #expect(history.first?.maxKL == 16 && history.first?.bestStepTime == 51)
        #expect(history.first?.meanStepTime == (101.0 + 116.0) / 2)
    }

    @Test func aShortHistoryIsKeptWhole() {
        var history: [IterationStats] = []
        for iteration in 1...5 { IterationHistory.appending(Self.stats(iteration), to: &history) }
        #expect(history == (1...5).map(Self.stats))
    }

    /// Pairs from the start index merge in order; what comes before stays, an odd last stays.
    @Test func mergingPairsJoinsNeighboursAfterTheStart() {
        let values = [1, 2, 3, 4, 5, 6]
        #expect(values.mergingPairs { values[$0] + values[$0 + 1] } == [3, 7, 11])
        let joined = values.mergingPairs(from: 1) { values[$0] * 10 + values[$0 + 1] }
        #expect(joined == [1, 23, 45, 6])
        #expect(values.mergingPairs(from: 6) { _ in 0 } == values)
        #expect([Int]().mergingPairs(from: 1) { _ in 0 } == [])
    }

    @Test func theRecordForgetsItsSlowerHalfWhenFull() {
        var measured = MeasuredPlacements(capacity: 4)
        for (fingerprint, time) in [(1, 50.0), (2, 10.0), (3, 40.0), (4, 20.0)] {
            measured.record(UInt64(fingerprint), Evaluation(stepTime: time))
        }
        #expect(measured.count == 4)
        measured.record(5, Evaluation(stepTime: 30, outOfMemory: true))
        #expect(measured.count == 2 && measured.contains(2) && measured.contains(4))
    }
}
