import SpotlightModel

/// Hill climbing from a placement by moving one unit at a time to another device: first whole
/// stages (the search's own decisions), then single colocation sets (the finest moves a valid
/// placement allows), and back to stages while either kind still helps.
///
/// A sampling search ends near good placements but rarely on a local optimum, so polishing its
/// best placement pays (BENCHMARKS.md, "Polishing the best placement"). Moves are tried in a shuffled order, `batchSize` at a time (measured together, so
/// the simulator uses every core), and the best improving move of a batch is kept:
/// first-improvement search, which climbs in far fewer measurements than trying every move
/// before each step.
public struct LocalSearch: Sendable {
    /// What a polish did.
    public struct Outcome: Sendable, Equatable {
        /// The placement it ended at: `start` itself when no move helped.
        public var assignment: [Int]
        public var stepTime: Double
        /// Placements measured.
        public var evaluated: Int
        /// Moves kept.
        public var improvements: Int
        /// No single move of a stage or a colocation set is faster: it stopped at a local optimum,
        /// not at its budget or on request.
        public var isLocalOptimum: Bool
    }

    /// How many placements a polish measures at most when the simulator measures them: enough for
    /// a local optimum on Inception-V3, ResNet-50 and the Transformer, not always on the RNNLM, NMT
    /// or the synthetic graphs, at 1-13 s on the real workloads and up to a minute on the 10k-op
    /// graph (BENCHMARKS.md, "Polishing the best placement").
    public static let simulatorBudget = 50_000

    public let problem: PlacementProblem
    /// A device per op, or -1: pinned ops never move, and colocation sets follow their pins.
    public let opPins: [Int]
    public var batchSize = 16
    /// The kinds of move, in the order they are tried: the ops of each unit (each stage; each
    /// colocation set without a pinned op), and every (unit, device) move of that kind.
    private let kinds: [(units: [[Int]], moves: [(unit: Int, device: Int)])]

    public init(problem: PlacementProblem, opPins: [Int] = []) {
        self.problem = problem
        let pins = opPins.count == problem.graph.count ? opPins : [Int](repeating: -1, count: problem.graph.count)
        self.opPins = pins
        let stages = (0..<problem.stages.count).map { Array(problem.stages.ops(of: $0)) }
        var sets = [[Int]](repeating: [], count: problem.graph.count)
        for op in 0..<problem.graph.count { sets[problem.constraints.colocationRoot[op]].append(op) }
        let pinnedRoots = Set(pins.indices.filter { pins[$0] >= 0 }.map { problem.constraints.colocationRoot[$0] })
        kinds = [stages.filter { !$0.isEmpty },
                 sets.enumerated().filter { !$0.element.isEmpty && !pinnedRoots.contains($0.offset) }.map(\.element)]
            .map { units in (units, Self.moves(of: units, in: problem)) }
    }

    /// Climbs from `start` (measured at `stepTime`) until no move helps, `budget` placements have
    /// been measured, or `shouldStop` says so (asked before each batch); `progress` hears where it
    /// stands after each batch. Deterministic for a seed and an exact evaluator. Placements that
    /// fail or run out of memory are never kept. With `confirmations` (for noisy hardware), a move
    /// is kept only if the median of its first measurement and that many more still beats the
    /// current placement; that median becomes its time, and the extra runs count in the budget.
    ///
    /// `measured` holds placements known to be no faster than `start`: those a search measured
    /// before it found `start` as its best (`OptimizerState.measured`). They are never measured
    /// again, nor is any placement the polish has measured itself: the current placement is always
    /// the fastest of all of them, so none could be an improvement.
    public func polish(_ start: [Int], stepTime: Double, evaluator: some Evaluator, budget: Int, seed: UInt64 = 1,
                       confirmations: Int = 0, method: String = "polish", measured known: MeasuredPlacements = MeasuredPlacements(),
                       shouldStop: () -> Bool = { false }, progress: (Outcome) -> Void = { _ in }) -> Outcome {
        var current = start, time = stepTime
        var evaluated = 0, improvements = 0
        var measured = known
        measured.record(MeasuredPlacements.fingerprint(start), Evaluation(stepTime: stepTime))
        var random = SplitMix64(seed: seed &+ 0x9011_54)
        // A kind of move is tried pass after pass while a pass improves, then the next kind; the
        // climb is at a local optimum once every kind has had a pass without an improvement since
        // the last one.
        var quietKinds = 0, kind = 0
        climbing: while quietKinds < kinds.count {
            var moves = kinds[kind].moves
            for index in stride(from: moves.count - 1, to: 0, by: -1) { moves.swapAt(index, random.nextInt(in: 0...index)) }
            var improved = false
            var next = 0
            while next < moves.count {
                if evaluated >= budget || shouldStop() { break climbing }
                var candidates: [[Int]] = [], fingerprints: [UInt64] = [], slots = 0
                while next < moves.count && slots < min(batchSize, budget - evaluated) {
                    let move = moves[next]
                    next += 1
                    let candidate = moved(current, unit: kinds[kind].units[move.unit], to: move.device)
                    guard candidate != current else { continue }
                    // A placement measured before keeps its slot in the batch, unmeasured, so the
                    // climb takes the path it would take measuring it. Filling the slot with another
                    // move instead makes each step the best of more moves: that greedier climb
                    // ended at slower optima on Inception-V3 (three seeds of four, 0.7% on average).
                    slots += 1
                    let fingerprint = MeasuredPlacements.fingerprint(candidate)
                    if !measured.contains(fingerprint) && !fingerprints.contains(fingerprint) {
                        candidates.append(candidate)
                        fingerprints.append(fingerprint)
                    }
                }
                guard !candidates.isEmpty else { continue }
                let results = evaluator.evaluate(candidates, method: method)
                evaluated += candidates.count
                for (fingerprint, result) in zip(fingerprints, results) { measured.record(fingerprint, result) }
                var chosen: Int?
                for (index, result) in results.enumerated() where result.isValid {
                    if result.stepTime! < (chosen.map { results[$0].stepTime! } ?? time) { chosen = index }
                }
                if let chosen {
                    let confirmedTime = Remeasurement.confirmed(results[chosen].stepTime!, of: candidates[chosen], times: confirmations,
                                                                evaluator: evaluator, method: method)
                    evaluated += confirmations
                    measured.record(fingerprints[chosen], Evaluation(stepTime: confirmedTime))
                    if confirmedTime < time {
                        current = candidates[chosen]
                        time = confirmedTime
                        improvements += 1
                        improved = true
                    }
                }
                progress(Outcome(assignment: current, stepTime: time, evaluated: evaluated, improvements: improvements, isLocalOptimum: false))
            }
            if improved {
                quietKinds = 0
            } else {
                quietKinds += 1
                kind = (kind + 1) % kinds.count
            }
        }
        return Outcome(assignment: current, stepTime: time, evaluated: evaluated, improvements: improvements,
                       isLocalOptimum: quietKinds >= kinds.count)
    }

    /// `assignment` with every op of `unit` that may run on `device` moved there, then made valid
    /// again (colocation sets whole, pins kept).
    private func moved(_ assignment: [Int], unit: [Int], to device: Int) -> [Int] {
        var wishes = assignment
        for op in unit where problem.constraints.allows(op: op, device: device) { wishes[op] = device }
        return problem.repaired(wishes, pins: opPins)
    }

    /// Every (unit, device) pair where some op of the unit may run on the device.
    private static func moves(of units: [[Int]], in problem: PlacementProblem) -> [(unit: Int, device: Int)] {
        var moves: [(unit: Int, device: Int)] = []
        for (index, unit) in units.enumerated() {
            let allowed = unit.reduce(UInt64(0)) { $0 | problem.constraints.allowedDevices[$1] }
            for device in 0..<problem.cluster.deviceCount where allowed & (1 << UInt64(device)) != 0 {
                moves.append((index, device))
            }
        }
        return moves
    }
}
