import Testing

@testable import SpotlightExplorer

/// The bounded history of every stage's q behind the policy view's chart.
@Suite struct StageProbabilityHistoryTests {
    /// Stage 0 leans to device `iteration % 2`; stage 1 is uniform.
    func policy(_ iteration: Int) -> [[Float]] {
        [iteration % 2 == 0 ? [0.75, 0.25] : [0.25, 0.75], [0.5, 0.5]]
    }

    @Test func keepsEachStagesQInByteSteps() {
        var history = StageProbabilityHistory(stageCount: 2, deviceCount: 2)
        for iteration in 1...3 {
            history.record(iteration: iteration, probabilities: policy(iteration))
        }
        #expect(history.iterations == [1, 2, 3])
        #expect(history.series(stage: 0, device: 0).map { ($0 * 255).rounded() } == [64, 191, 64])
        #expect(history.series(stage: 1, device: 1).allSatisfy { abs($0 - 0.5) < 1.0 / 255 })
        #expect(
            history.series(stage: 2, device: 0).isEmpty
                && history.series(stage: 0, device: 2).isEmpty)
    }

    @Test func anIterationSeenBeforeOrAnotherShapeIsNotKept() {
        var history = StageProbabilityHistory(stageCount: 2, deviceCount: 2)
        history.record(iteration: 5, probabilities: policy(5))
        history.record(iteration: 5, probabilities: policy(5))
        history.record(iteration: 4, probabilities: policy(4))
        history.record(iteration: 6, probabilities: [[1, 0]])
        history.record(iteration: 7, probabilities: [[1, 0, 0], [1, 0, 0]])
        #expect(history.iterations == [5])
    }

    /// A broken policy's NaN or out-of-range q is kept as 0 or clamped, never trapping.
    @Test func nanAndOutOfRangeQAreKeptSafely() {
        var history = StageProbabilityHistory(stageCount: 1, deviceCount: 3)
        history.record(iteration: 1, probabilities: [[.nan, -2, 7]])
        #expect((0..<3).map { history.series(stage: 0, device: $0) } == [[0], [0], [1]])
    }

    /// However long the run, at most `limit` entries, evenly spaced from its start to its end.
    @Test func aLongRunStaysBoundedAndEvenlySpaced() {
        var history = StageProbabilityHistory(stageCount: 2, deviceCount: 2)
        for iteration in 1...100_000 {
            history.record(iteration: iteration, probabilities: policy(iteration))
        }
        let iterations = history.iterations
        #expect(iterations.count <= StageProbabilityHistory.limit)
        #expect(iterations.count > StageProbabilityHistory.limit / 2)
        #expect(iterations.first == 1)
        #expect(iterations.last! > 100_000 - history.stride)
        let gaps = Set(zip(iterations, iterations.dropFirst()).map { $1 - $0 })
        #expect(gaps == [history.stride])
        // Every kept entry still holds its own iteration's policy.
        let kept = history.series(stage: 0, device: 0)
        #expect(zip(iterations, kept).allSatisfy { ($1 > 0.5) == ($0 % 2 == 0) })
    }
}
