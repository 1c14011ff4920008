/// The history of a search's iterations, kept within `limit` entries however long the search
/// runs: each entry stands for `stride` consecutive iterations (the last one for those of its
/// group so far), and once `limit` is passed, neighbouring entries merge and the stride doubles.
/// Curves drawn from it stay evenly spaced; counts (placements measured, repeats) stay exact;
/// a run of a day holds a few thousand entries, not millions. Deterministic, so a checkpoint's
/// history resumes as it would have gone on.
public enum IterationHistory {
    /// Entries kept at most (about a megabyte).
    public static let limit = 8192

    /// The iterations entry `index` stands for.
    static func span(_ history: [IterationStats], _ index: Int) -> Int {
        max(history[index].iteration - (index > 0 ? history[index - 1].iteration : 0), 1)
    }

    /// The iterations each entry of `history` stands for: the first entry's group ends at it.
    public static func stride(of history: [IterationStats]) -> Int {
        max(history.first?.iteration ?? 1, 1)
    }

    /// `history` with `stats`, the next iteration's, added: into the last entry while its group
    /// is not full, else as a new one; then halved by merging pairs while over `limit`.
    public static func appending(
        _ stats: IterationStats, to history: inout [IterationStats], limit: Int = limit
    ) {
        let stride = stride(of: history)
        if let last = history.last, last.iteration % stride != 0 {
            history[history.count - 1] = last.merged(
                with: stats, spans: (span(history, history.count - 1), 1))
        } else {
            history.append(stats)
        }
        while history.count > limit {
            history = history.mergingPairs { [history] index in
                history[index].merged(
                    with: history[index + 1],
                    spans: (span(history, index), span(history, index + 1)))
            }
        }
    }
}

extension IterationStats {
    /// The iterations from this entry's through `later`'s as one: later's iteration, best so far,
    /// beta and entropy; the lower best and higher worst; counts and seconds summed; means and
    /// rates weighted by `spans`, the iterations each stands for.
    public func merged(with later: IterationStats, spans: (Int, Int)) -> IterationStats {
        let span = Double(spans.0)
        let laterSpan = Double(spans.1)
        func weighted(_ a: Double, _ b: Double) -> Double {
            (a * span + b * laterSpan) / (span + laterSpan)
        }
        func weighted(_ a: Double?, _ b: Double?) -> Double? {
            guard let a else { return b }
            guard let b else { return a }
            return weighted(a, b)
        }
        func lower(_ a: Double?, _ b: Double?) -> Double? { [a, b].compactMap { $0 }.min() }
        func higher(_ a: Double?, _ b: Double?) -> Double? { [a, b].compactMap { $0 }.max() }
        return IterationStats(
            iteration: later.iteration, meanStepTime: weighted(meanStepTime, later.meanStepTime),
            bestStepTime: lower(bestStepTime, later.bestStepTime),
            worstStepTime: higher(worstStepTime, later.worstStepTime),
            bestSoFar: later.bestSoFar ?? bestSoFar,
            meanReward: weighted(meanReward, later.meanReward),
            meanKL: weighted(meanKL, later.meanKL), maxKL: Swift.max(maxKL, later.maxKL),
            beta: later.beta,
            entropy: later.entropy, invalidSamples: invalidSamples + later.invalidSamples,
            outOfMemorySamples: outOfMemorySamples + later.outOfMemorySamples,
            repeatedSamples: repeatedSamples + later.repeatedSamples,
            placementsMeasured: placementsMeasured + later.placementsMeasured,
            samplesPerSecond: weighted(samplesPerSecond, later.samplesPerSecond),
            evaluationSeconds: evaluationSeconds + later.evaluationSeconds,
            policySeconds: policySeconds + later.policySeconds)
    }
}
