/// The best step time against placements measured, round by round, under a budget: what a
/// chart of the run draws along an axis of placements, the budget's currency. The learned
/// iterations' history holds only the learned rounds, so a climb's or a fit's gain shows there
/// at the next learned iteration, and after the last one not at all; here every round adds a
/// point. Kept within `limit` points by merging neighbours, as `IterationHistory` does.
public struct BudgetTrace: Sendable, Equatable {
    /// Where a run stood after one or more consecutive rounds.
    public struct Point: Sendable, Equatable {
        /// Placements measured in the whole run by the end of the rounds.
        public var measured: Int
        /// The best step time then; nil until a valid placement is known.
        public var best: Double?
        /// The last learned iteration among the rounds, if any was one.
        public var iteration: Int?
        /// The mean step time of those learned iterations' batches (each batch weighted alike).
        public var meanStepTime: Double?
        /// How many learned iterations `meanStepTime` averages.
        public private(set) var batches: Int
        /// What found the last new best among the rounds; nil when none found one (a best that
        /// measured faster again, at a fit, is not a find).
        public var foundBy: BestSource?

        public init(
            measured: Int, best: Double?, iteration: Int? = nil, meanStepTime: Double? = nil,
            foundBy: BestSource? = nil
        ) {
            self.measured = measured
            self.best = best
            self.iteration = iteration
            self.meanStepTime = meanStepTime
            self.foundBy = foundBy
            batches = meanStepTime == nil ? 0 : 1
        }

        /// This point followed by `later`: `later`'s position and best, the means of both, the
        /// later finder when both rounds found one.
        func merged(with later: Point) -> Point {
            var point = later
            point.iteration = later.iteration ?? iteration
            point.foundBy = later.foundBy ?? foundBy
            point.batches = batches + later.batches
            if let mean = meanStepTime, let laterMean = later.meanStepTime {
                point.meanStepTime =
                    (mean * Double(batches) + laterMean * Double(later.batches))
                    / Double(point.batches)
            } else {
                point.meanStepTime = later.meanStepTime ?? meanStepTime
            }
            return point
        }
    }

    /// The most points kept: far more than a chart has columns.
    public static let limit = 1024

    /// In order of `measured`, the first the run's start (the best before any round).
    public private(set) var points: [Point] = []

    public init(points: [Point] = []) {
        self.points = points
    }

    /// Adds the point after a round; past `limit` points, each pair of neighbours but the first
    /// point becomes one. Amortised O(1).
    public mutating func append(_ point: Point) {
        points.append(point)
        guard points.count > Self.limit else { return }
        points = points.mergingPairs(from: 1) { points[$0].merged(with: points[$0 + 1]) }
    }

    /// Placements measured when learned iteration `iteration` ended: the first point that
    /// includes it. Nil when no point does.
    public func measured(atIteration iteration: Int) -> Int? {
        points.first { ($0.iteration ?? .min) >= iteration }?.measured
    }
}
