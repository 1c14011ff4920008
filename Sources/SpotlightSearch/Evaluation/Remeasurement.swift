import Foundation

/// Measures placements again, several times each, for the figure one noisy hardware measurement
/// cannot give. The best of many noisy measurements flatters its placement (it was picked for
/// being low); medians of fresh runs compare the search's best with the heuristics fairly.
public enum Remeasurement {
    /// The median step time of each placement (an assignment and the method that produced it)
    /// over `repeats` further measurements (nil when none was valid). Runs go in rounds, each
    /// placement once per round, so that a slow drift of the machine weighs on all alike; a
    /// round's placements are measured together (by several workers at once, with a pool).
    /// `shouldStop` is asked before each round, and a stop leaves the medians of the rounds made.
    public static func medians(
        of placements: [(method: String, assignment: [Int])], repeats: Int,
        evaluator: any Evaluator,
        shouldStop: () -> Bool = { false }
    ) -> [Double?] {
        runs(of: placements, repeats: repeats, evaluator: evaluator, shouldStop: shouldStop)
            .map(median)
    }

    /// Each placement's valid step times over `repeats` rounds, as `medians` measures them.
    public static func runs(
        of placements: [(method: String, assignment: [Int])], repeats: Int,
        evaluator: any Evaluator,
        shouldStop: () -> Bool = { false }
    ) -> [[Double]] {
        var times = [[Double]](repeating: [], count: placements.count)
        let labelled = placements.map { (assignment: $0.assignment, method: $0.method) }
        for _ in 0..<repeats where !shouldStop() {
            for (index, evaluation) in evaluator.evaluate(labelled: labelled).enumerated()
            where evaluation.isValid {
                times[index].append(evaluation.stepTime!)
            }
        }
        return times
    }

    /// How much one placement's measured step time varies from run to run: the pooled standard
    /// deviation of the log of each placement's `runs` about their own mean, in the units of
    /// `--noise` (a log-deviation). Placements with one run add nothing; nil when none has two.
    /// O(total runs).
    public static func spread(_ runs: [[Double]]) -> Double? {
        var squares = 0.0
        var degrees = 0
        for times in runs where times.count > 1 {
            let logs = times.map { log($0) }
            let mean = logs.reduce(0, +) / Double(logs.count)
            squares += logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            degrees += logs.count - 1
        }
        return degrees > 0 ? (squares / Double(degrees)).squareRoot() : nil
    }

    /// A would-be best's time: its first measurement alone, or with `times` confirmations, the
    /// median of it and that many more (the failed ones left out).
    static func confirmed(
        _ first: Double, of assignment: [Int], times: Int, evaluator: some Evaluator, method: String
    ) -> Double {
        guard times > 0 else { return first }
        let again = evaluator.evaluate([[Int]](repeating: assignment, count: times), method: method)
        return median([first] + again.compactMap { $0.isValid ? $0.stepTime : nil }) ?? first
    }

    /// The middle value, or the mean of the two middle values; nil for none.
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
