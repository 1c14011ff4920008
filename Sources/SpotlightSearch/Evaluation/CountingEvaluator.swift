import SpotlightModel
import SpotlightSimulation
import Synchronization

/// Passes placements to another evaluator and counts them: every placement measured, samples,
/// confirmations and the polish's moves alike, which is the budget a user on hardware pays.
public final class CountingEvaluator: Evaluator, Sendable {
    public let base: any Evaluator
    private let measured = Mutex(0)

    public init(_ base: any Evaluator) { self.base = base }

    /// Placements measured through this evaluator so far.
    public var count: Int { measured.withLock { $0 } }

    public func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        measured.withLock { $0 += assignments.count }
        return base.evaluate(assignments, method: method)
    }

    public func evaluate(labelled placements: [(assignment: [Int], method: String)])
        -> [Evaluation]
    {
        measured.withLock { $0 += placements.count }
        return base.evaluate(labelled: placements)
    }
}

/// Measurement noise for benchmarks: each step time of `base` multiplied by a log-normal factor
/// of median 1 and log-deviation `spread`, so that a search meets what hardware gives it (the
/// same placement measured twice differs) and `--confirm` is exercised. Deterministic for a seed
/// and an order of calls.
public final class NoisyEvaluator: Evaluator, Sendable {
    public let base: any Evaluator
    public let spread: Double
    private let random: Mutex<SplitMix64>

    public init(_ base: any Evaluator, spread: Double, seed: UInt64) {
        precondition(spread >= 0 && spread.isFinite, "a finite, non-negative spread")
        self.base = base
        self.spread = spread
        random = Mutex(SplitMix64(seed: seed &+ 0x0015_E5EE_D000))
    }

    public func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        let exact = base.evaluate(assignments, method: method)
        return random.withLock { random in
            exact.map { evaluation in
                var noisy = evaluation
                noisy.stepTime = evaluation.stepTime.map {
                    $0 * exp(spread * random.nextGaussian())
                }
                return noisy
            }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Passes placements to another evaluator and keeps each valid measurement, so that a model can
/// be fitted to them (`ModelCalibration`). Memory: one assignment per measurement.
public final class MeasurementRecorder: Evaluator, Sendable {
    public let base: any Evaluator
    private let log = Mutex<[MeasuredPlacement]>([])

    public init(_ base: any Evaluator) { self.base = base }

    /// Every valid measurement so far, in order.
    public var measurements: [MeasuredPlacement] { log.withLock { $0 } }

    public func evaluate(_ assignments: [[Int]], method: String) -> [Evaluation] {
        keep(assignments, base.evaluate(assignments, method: method))
    }

    public func evaluate(labelled placements: [(assignment: [Int], method: String)])
        -> [Evaluation]
    {
        keep(placements.map(\.assignment), base.evaluate(labelled: placements))
    }

    private func keep(_ assignments: [[Int]], _ evaluations: [Evaluation]) -> [Evaluation] {
        log.withLock { log in
            for (assignment, evaluation) in zip(assignments, evaluations) where evaluation.isValid {
                log.append(MeasuredPlacement(assignment, stepTime: evaluation.stepTime!))
            }
        }
        return evaluations
    }
}
