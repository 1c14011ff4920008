import SpotlightModel

/// Hill climbing from a placement by moving one unit at a time to another device: first whole
/// stages (the search's own decisions), then single colocation sets (the finest moves a valid
/// placement allows), and back to stages while either kind still helps.
///
/// A sampling search ends near good placements but rarely on a local optimum, so polishing its
/// best placement pays (BENCHMARKS.md, "Polishing the best placement"). Moves are tried in a
/// shuffled order, `batchSize` at a time (measured together, so the simulator uses every core),
/// and the best improving move of a batch is kept: first-improvement search, which climbs in far
/// fewer measurements than trying every move before each step.
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
        /// Moves the model simulated to screen them (`screen`): free, not measured.
        public var screened = 0
    }

    /// How many placements a polish measures at most when the simulator measures them: enough
    /// for a local optimum on most sample workloads in seconds (BENCHMARKS.md, "Polishing the
    /// best placement").
    public static let simulatorBudget = 50_000

    public let problem: PlacementProblem
    /// A device per op, or -1: pinned ops never move, and colocation sets follow their pins.
    public let opPins: [Int]
    public var batchSize = 16
    /// Whether a batch with several improving moves also measures them made together, and keeps
    /// that placement when it is the fastest (`measureCompound`).
    public var compoundMoves = false
    /// A model that screens moves before they are measured (`nextScreenedBatch`), or nil.
    public var screen: SimulatorEvaluator?
    /// The kinds of move, in the order they are tried: the ops of each unit (each stage; each
    /// colocation set without a pinned op), and every (unit, device) move of that kind.
    private let kinds: [(units: [[Int]], moves: [(unit: Int, device: Int)])]
    /// How many kinds of move a climb passes over (stages, colocation sets).
    var kindCount: Int { kinds.count }

    public init(problem: PlacementProblem, opPins: [Int] = [], compoundMoves: Bool = false) {
        self.problem = problem
        self.compoundMoves = compoundMoves
        let pins =
            opPins.count == problem.graph.count
            ? opPins : [Int](repeating: -1, count: problem.graph.count)
        self.opPins = pins
        let stages = (0..<problem.stages.count).map { Array(problem.stages.ops(of: $0)) }
        var sets = [[Int]](repeating: [], count: problem.graph.count)
        for op in 0..<problem.graph.count {
            sets[problem.constraints.colocationRoot[op]].append(op)
        }
        let pinnedRoots = Set(
            pins.indices.filter { pins[$0] >= 0 }.map { problem.constraints.colocationRoot[$0] })
        kinds = [
            stages.filter { !$0.isEmpty },
            sets.enumerated().filter { !$0.element.isEmpty && !pinnedRoots.contains($0.offset) }
                .map(\.element),
        ]
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
    public func polish(
        _ start: [Int], stepTime: Double, evaluator: some Evaluator, budget: Int, seed: UInt64 = 1,
        confirmations: Int = 0, method: String = "polish",
        measured known: MeasuredPlacements = MeasuredPlacements(),
        shouldStop: () -> Bool = { false }, progress: (Outcome) -> Void = { _ in }
    ) -> Outcome {
        var climb = Climb(from: start, stepTime: stepTime, seed: seed)
        var measured = known
        measured.record(MeasuredPlacements.fingerprint(start), Evaluation(stepTime: stepTime))
        while climb.evaluated < budget && !shouldStop() {
            let step = Step(
                limit: budget - climb.evaluated, confirmations: confirmations, method: method)
            guard self.step(&climb, step, measured: &measured, evaluator: evaluator) else { break }
            progress(climb.outcome(atLocalOptimum: false))
        }
        return climb.outcome(atLocalOptimum: isLocalOptimum(climb))
    }

    /// Measures one batch of moves from `climb`'s placement, at most `step.limit` placements
    /// with the would-be move's confirmations, and keeps the best improving one; passes and
    /// kinds of move advance as in `polish`.
    /// Placements in `measured` are not measured again, and every measurement is recorded there.
    /// Returns false, measuring nothing, at a local optimum or with a limit no larger than the
    /// confirmations.
    public func step(
        _ climb: inout Climb, _ step: Step, measured: inout MeasuredPlacements,
        evaluator: some Evaluator
    ) -> Bool {
        // A would-be move's confirmations fit the limit too.
        var step = step
        step.limit -= step.confirmations
        guard step.limit > 0 else { return false }
        while !isLocalOptimum(climb) {
            if !climb.passStarted {
                climb.startPass(kinds[climb.kind].moves.count, screened: screen != nil)
                if climb.endPassIfDone(kindCount: kinds.count) { continue }
            }
            let batch =
                climb.screening
                ? nextScreenedBatch(&climb, limit: step.limit, measured: measured)
                : nextBatch(&climb, limit: step.limit, measured: measured)
            guard !batch.candidates.isEmpty else {
                _ = climb.endPassIfDone(kindCount: kinds.count)
                continue
            }
            measure(batch, into: &climb, step, measured: &measured, evaluator: evaluator)
            _ = climb.endPassIfDone(kindCount: kinds.count)
            return true
        }
        return false
    }

    /// The next moves of the pass that fit a batch, as placements not measured before.
    /// A placement measured before keeps its slot in the batch, unmeasured, so the climb takes
    /// the path it would take measuring it. Filling the slot with another move instead makes each
    /// step the best of more moves: that greedier climb ended at slower optima
    /// (BENCHMARKS.md, "Polishing the best placement").
    private func nextBatch(_ climb: inout Climb, limit: Int, measured: MeasuredPlacements)
        -> (candidates: [[Int]], fingerprints: [UInt64])
    {
        var candidates: [[Int]] = []
        var fingerprints: [UInt64] = []
        var slots = 0
        while climb.next < climb.order.count && slots < min(batchSize, limit) {
            let move = kinds[climb.kind].moves[climb.order[climb.next]]
            climb.next += 1
            let candidate = moved(
                climb.current, unit: kinds[climb.kind].units[move.unit], to: move.device)
            guard candidate != climb.current else { continue }
            slots += 1
            let fingerprint = MeasuredPlacements.fingerprint(candidate)
            if !measured.contains(fingerprint) && !fingerprints.contains(fingerprint) {
                candidates.append(candidate)
                fingerprints.append(fingerprint)
            }
        }
        return (candidates, fingerprints)
    }

    /// The next moves of the pass that the model predicts to beat the current placement (by its
    /// own time of that placement), as placements not measured before; the others are deferred to
    /// the pass's tail. The model simulates moves a chunk at a time, on every core.
    private func nextScreenedBatch(
        _ climb: inout Climb, limit: Int, measured: MeasuredPlacements
    ) -> (candidates: [[Int]], fingerprints: [UInt64]) {
        guard let screen else { return ([], []) }
        let size = min(batchSize, limit)
        if climb.modelReference == nil {
            climb.modelReference =
                screen.evaluate([climb.current], method: "screen")[0].stepTime ?? .infinity
            climb.screenedMoves += 1
        }
        let reference = climb.modelReference!
        var candidates: [[Int]] = []
        var fingerprints: [UInt64] = []
        while climb.next < climb.order.count && candidates.count < size {
            let chunk = climb.order[climb.next..<min(climb.next + 2 * batchSize, climb.order.count)]
            let placements = chunk.map { index in
                let move = kinds[climb.kind].moves[index]
                return moved(
                    climb.current, unit: kinds[climb.kind].units[move.unit], to: move.device)
            }
            let predicted = screen.evaluate(placements, method: "screen")
            climb.screenedMoves += placements.count
            for (offset, index) in chunk.enumerated() where candidates.count < size {
                climb.next += 1
                let candidate = placements[offset]
                let fingerprint = MeasuredPlacements.fingerprint(candidate)
                guard candidate != climb.current, !measured.contains(fingerprint),
                    !fingerprints.contains(fingerprint)
                else { continue }
                if (predicted[offset].stepTime ?? .infinity) < reference {
                    candidates.append(candidate)
                    fingerprints.append(fingerprint)
                } else {
                    climb.deferred.append(index)
                }
            }
        }
        return (candidates, fingerprints)
    }

    /// Measures a batch, records it, and moves `climb` to its best placement if that beats the
    /// current one (after `step.confirmations` more runs, which count). With `compoundMoves`, a
    /// batch with two or more improving moves also measures them made together, within the limit.
    private func measure(
        _ batch: (candidates: [[Int]], fingerprints: [UInt64]), into climb: inout Climb,
        _ step: Step, measured: inout MeasuredPlacements, evaluator: some Evaluator
    ) {
        let results = evaluator.evaluate(batch.candidates, method: step.method)
        climb.evaluated += batch.candidates.count
        for (fingerprint, result) in zip(batch.fingerprints, results) {
            measured.record(fingerprint, result)
        }
        let improving = batch.candidates.indices.filter {
            results[$0].isValid && results[$0].stepTime! < climb.stepTime
        }.sorted { (results[$0].stepTime!, $0) < (results[$1].stepTime!, $1) }
        guard let first = improving.first else { return }
        var chosen = (
            assignment: batch.candidates[first], fingerprint: batch.fingerprints[first],
            time: results[first].stepTime!
        )
        if compoundMoves && improving.count >= 2 && batch.candidates.count < step.limit,
            let compound = measureCompound(
                improving.map { batch.candidates[$0] }, from: climb.current, step,
                measured: &measured, evaluator: evaluator)
        {
            climb.evaluated += 1
            if compound.time < chosen.time { chosen = compound }
        }
        let confirmedTime = Remeasurement.confirmed(
            chosen.time, of: chosen.assignment, times: step.confirmations, evaluator: evaluator,
            method: step.method)
        climb.evaluated += step.confirmations
        measured.record(chosen.fingerprint, Evaluation(stepTime: confirmedTime))
        if confirmedTime < climb.stepTime {
            climb.move(to: chosen.assignment, stepTime: confirmedTime)
        }
    }

    /// Measures `current` with every op that any of `improved` moved taken to where that
    /// placement has it (the fastest first, so a later one does not undo its ops), made valid
    /// again; nil, measuring nothing, when that placement was measured before.
    /// Improving moves of one batch mostly relieve different parts of the step, so together
    /// they usually beat the best alone (BENCHMARKS.md, "Compound moves").
    private func measureCompound(
        _ improved: [[Int]], from current: [Int], _ step: Step,
        measured: inout MeasuredPlacements, evaluator: some Evaluator
    ) -> (assignment: [Int], fingerprint: UInt64, time: Double)? {
        var wishes = current
        for placement in improved.reversed() {
            for op in placement.indices where placement[op] != current[op] {
                wishes[op] = placement[op]
            }
        }
        let compound = problem.repaired(wishes, pins: opPins)
        let fingerprint = MeasuredPlacements.fingerprint(compound)
        guard !measured.contains(fingerprint) else { return nil }
        let result = evaluator.evaluate([compound], method: step.method)[0]
        measured.record(fingerprint, result)
        return (compound, fingerprint, result.stepTime ?? .infinity)
    }

    /// `assignment` with every op of `unit` that may run on `device` moved there, then made valid
    /// again (colocation sets whole, pins kept).
    private func moved(_ assignment: [Int], unit: [Int], to device: Int) -> [Int] {
        var wishes = assignment
        for op in unit where problem.constraints.allows(op: op, device: device) {
            wishes[op] = device
        }
        return problem.repaired(wishes, pins: opPins)
    }

    /// Every (unit, device) pair where some op of the unit may run on the device.
    private static func moves(of units: [[Int]], in problem: PlacementProblem) -> [(
        unit: Int, device: Int
    )] {
        var moves: [(unit: Int, device: Int)] = []
        for (index, unit) in units.enumerated() {
            let allowed = unit.reduce(UInt64(0)) { $0 | problem.constraints.allowedDevices[$1] }
            for device in 0..<problem.cluster.deviceCount where allowed & (1 << UInt64(device)) != 0
            {
                moves.append((index, device))
            }
        }
        return moves
    }
}
