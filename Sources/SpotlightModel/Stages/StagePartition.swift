import HeapModule

/// The ops of a graph grouped into at most G stages: the decision units of the placement MDP,
/// one policy step per stage (Gao, Chen, Li, "Spotlight: Optimizing Device Placement for
/// Training Deep Neural Networks", ICML 2018, section 3).
///
/// Grouping, deterministically:
/// 1. ops joined by `colocate_with` form an atom that is never split;
/// 2. atoms whose earliest op carries the same `group` hint form one unit; units are laid out in
///    topological order, with each source op (a variable) moved to just before its first consumer;
/// 3. with a refinement (a label per op, such as the device a heuristic chose), a unit holds
///    atoms of one label only, so that a placement which gives each label one device is
///    expressible stage by stage;
/// 4. while there are more than G units, the adjacent pair (in topological order) with the smallest
///    combined weight is merged, where weight mixes op count and flops, and a pair that shares no
///    edge, whose device kinds conflict or whose labels differ counts as heavier, so stages stay
///    connected, placeable and true to the refinement as long as the budget allows.
public struct StagePartition: Sendable {
    public static let defaultMaximumStages = 256

    /// The stage of each op.
    public let stageOf: [Int]
    /// Stage `s` holds `stageOps[stageStart[s]..<stageStart[s + 1]]`, in topological order.
    public let stageStart: [Int]
    public let stageOps: [Int]
    public let features: [StageFeatures]

    public var count: Int { stageStart.count - 1 }

    public func ops(of stage: Int) -> ArraySlice<Int> {
        stageOps[stageStart[stage]..<stageStart[stage + 1]]
    }

    /// `groupHints: false` ignores the graph's `group` keys: every colocation set starts as its own
    /// unit, which gives finer stages when the hints are coarser than the search needs.
    /// `refinement`, one non-negative label per op, splits units so that each holds one label
    /// (the label of a colocation set is that of its earliest op).
    public init(
        graph: OperationGraph, maximumStages: Int = defaultMaximumStages, groupHints: Bool = true,
        refinement: [Int]? = nil
    ) {
        precondition(maximumStages >= 1, "a partition needs at least one stage")
        precondition(
            refinement == nil
                || (refinement!.count == graph.count && refinement!.allSatisfy { $0 >= 0 }),
            "a refinement has one non-negative label per op")
        let opCount = graph.count
        var units = UnitBuilder(graph: graph, groupHints: groupHints, refinement: refinement)
        units.mergeDown(to: maximumStages)

        // Number stages in list order.
        var stageOfUnit = [Int](repeating: -1, count: units.unitCount)
        var stageCount = 0
        var unit = units.head
        while unit >= 0 {
            stageOfUnit[unit] = stageCount
            stageCount += 1
            unit = units.next[unit]
        }
        self.init(
            graph: graph, stageOf: (0..<opCount).map { stageOfUnit[units.unitOfOp[$0]] },
            stageCount: stageCount)
    }

    /// A partition given as the stage of every op (as a checkpoint saves it), or `nil` when that is
    /// not a partition of this graph: a stage number out of range, an empty stage, or a colocation
    /// set split across stages.
    public init?(graph: OperationGraph, stageOf: [Int]) {
        guard stageOf.count == graph.count, let largest = stageOf.max(), stageOf.min()! >= 0 else {
            return nil
        }
        var used = [Bool](repeating: false, count: largest + 1)
        for op in 0..<graph.count {
            used[stageOf[op]] = true
            if stageOf[op] != stageOf[graph.colocationRoot[op]] { return nil }
        }
        guard used.allSatisfy({ $0 }) else { return nil }
        self.init(graph: graph, stageOf: stageOf, stageCount: largest + 1)
    }

    /// Buckets ops (visited in topological order) by stage and measures each stage.
    private init(graph: OperationGraph, stageOf: [Int], stageCount: Int) {
        var start = [Int](repeating: 0, count: stageCount + 1)
        for op in 0..<graph.count { start[stageOf[op] + 1] += 1 }
        for stage in 0..<stageCount { start[stage + 1] += start[stage] }
        var fill = start
        var stageOps = [Int](repeating: 0, count: graph.count)
        for op in graph.topologicalOrder {
            stageOps[fill[stageOf[op]]] = op
            fill[stageOf[op]] += 1
        }
        self.stageOf = stageOf
        self.stageStart = start
        self.stageOps = stageOps
        let categoryOfType = graph.typeNames.map { OpCategory(type: $0).rawValue }
        self.features = (0..<stageCount).map { stage in
            Self.features(
                of: stageOps[start[stage]..<start[stage + 1]], graph: graph,
                categoryOfType: categoryOfType)
        }
    }

    private static func features(
        of ops: ArraySlice<Int>, graph: OperationGraph, categoryOfType: [Int]
    ) -> StageFeatures {
        var categories = [Int](repeating: 0, count: OpCategory.allCases.count)
        var flops = 0.0
        var output = 0.0
        var persistent = 0.0
        var depthSum = 0.0
        var kinds: UInt64 = .max
        var restricted = false
        for op in ops {
            flops += graph.flops[op]
            output += graph.outputBytes[op]
            persistent += graph.persistentBytes[op]
            depthSum += Double(graph.depth[op])
            categories[categoryOfType[graph.typeID[op]]] += 1
            if graph.allowedKinds[op] != 0 {
                kinds &= graph.allowedKinds[op]
                restricted = true
            }
        }
        let maximumDepth = Double(max(graph.criticalPathLength - 1, 1))
        return StageFeatures(
            opCount: ops.count, flops: flops, outputBytes: output, persistentBytes: persistent,
            relativeDepth: ops.isEmpty ? 0 : depthSum / Double(ops.count) / maximumDepth,
            categoryCounts: categories, allowedKinds: restricted ? kinds : 0,
            hasConflictingKinds: restricted && kinds == 0)
    }
}

/// The merging state behind `StagePartition`: units in a doubly linked list in topological order,
/// each with its ops in a singly linked list so that merging is O(1) plus relabelling the smaller
/// side.
private struct UnitBuilder {
    let graph: OperationGraph
    var unitCount = 0
    var unitOfOp: [Int]
    var weight: [Double] = []
    var size: [Int] = []
    /// Kinds allowed by every restricted op of the unit (`UInt64.max` when none is restricted).
    var kinds: [UInt64] = []
    /// The refinement label shared by the unit's ops, or -1 once units of different labels merged.
    var label: [Int] = []
    var firstOp: [Int] = []
    var lastOp: [Int] = []
    var nextOp: [Int]
    var previous: [Int] = []
    var next: [Int] = []
    var version: [Int] = []
    var alive: [Bool] = []
    var head = -1
    var liveCount = 0
    /// Whether a refinement labelled the units.
    let refined: Bool

    init(graph: OperationGraph, groupHints: Bool, refinement: [Int]?) {
        self.graph = graph
        self.refined = refinement != nil
        let opCount = graph.count
        unitOfOp = [Int](repeating: -1, count: opCount)
        nextOp = [Int](repeating: -1, count: opCount)

        let labelCount = (refinement?.max() ?? 0) + 1
        var unitOfAtom = [Int](repeating: -1, count: opCount)
        // The unit of each (group, label) pair.
        var unitOfGroup = [Int](repeating: -1, count: graph.groupNames.count * labelCount)
        let totalFlops = graph.totalFlops
        for op in Self.sequence(graph) {
            let atom = graph.colocationRoot[op]
            if unitOfAtom[atom] < 0 {
                let group = groupHints ? graph.groupOf[op] : -1
                let atomLabel = refinement?[op] ?? 0
                let key = group * labelCount + atomLabel
                if group >= 0, unitOfGroup[key] >= 0 {
                    unitOfAtom[atom] = unitOfGroup[key]
                } else {
                    unitOfAtom[atom] = makeUnit(label: atomLabel)
                    if group >= 0 { unitOfGroup[key] = unitOfAtom[atom] }
                }
            }
            let unit = unitOfAtom[atom]
            unitOfOp[op] = unit
            if firstOp[unit] < 0 { firstOp[unit] = op } else { nextOp[lastOp[unit]] = op }
            lastOp[unit] = op
            size[unit] += 1
            weight[unit] +=
                1 / Double(opCount) + (totalFlops > 0 ? graph.flops[op] / totalFlops : 0)
            if graph.allowedKinds[op] != 0 { kinds[unit] &= graph.allowedKinds[op] }
        }
        for unit in 0..<unitCount {
            previous.append(unit - 1)
            next.append(unit + 1 < unitCount ? unit + 1 : -1)
        }
        head = unitCount > 0 ? 0 : -1
        liveCount = unitCount
    }

    /// The order in which ops are laid out into units: topological, except that a source op
    /// (a variable, a constant) goes just before its first consumer rather than at the very
    /// start, so that weights end up beside the layer that reads them.
    static func sequence(_ graph: OperationGraph) -> [Int] {
        var position = [Int](repeating: 0, count: graph.count)
        for (index, op) in graph.topologicalOrder.enumerated() { position[op] = index }
        var key = [Int](repeating: 0, count: graph.count)
        for op in 0..<graph.count {
            key[op] = 2 * position[op] + 1
            if graph.inputStart[op] == graph.inputStart[op + 1],
                let first = graph.consumers(of: op).map({ position[$0] }).min()
            {
                key[op] = 2 * first
            }
        }
        return graph.topologicalOrder.sorted { (key[$0], position[$0]) < (key[$1], position[$1]) }
    }

    private mutating func makeUnit(label unitLabel: Int) -> Int {
        label.append(unitLabel)
        weight.append(0)
        size.append(0)
        kinds.append(.max)
        firstOp.append(-1)
        lastOp.append(-1)
        version.append(0)
        alive.append(true)
        unitCount += 1
        return unitCount - 1
    }

    private struct Candidate: Comparable {
        var score: Double
        var left: Int
        var leftVersion: Int
        var right: Int
        var rightVersion: Int

        static func < (a: Candidate, b: Candidate) -> Bool {
            (a.score, a.left) < (b.score, b.left)
        }
    }

    private func candidate(_ left: Int, _ right: Int) -> Candidate {
        var score = weight[left] + weight[right]
        if !connected(left, right) { score *= 4 }
        if kinds[left] & kinds[right] == 0 { score *= 8 }
        if label[left] != label[right] || label[left] < 0 { score *= 16 }
        return Candidate(
            score: score, left: left, leftVersion: version[left], right: right,
            rightVersion: version[right])
    }

    /// Whether any edge joins the two units, scanning the edges of the smaller one.
    private func connected(_ a: Int, _ b: Int) -> Bool {
        let (small, other) = size[a] <= size[b] ? (a, b) : (b, a)
        var op = firstOp[small]
        while op >= 0 {
            for producer in graph.inputs(of: op) where unitOfOp[producer] == other { return true }
            for consumer in graph.consumers(of: op) where unitOfOp[consumer] == other {
                return true
            }
            op = nextOp[op]
        }
        return false
    }

    mutating func mergeDown(to maximum: Int) {
        guard liveCount > maximum else { return }
        var heap = Heap<Candidate>()
        var unit = head
        while unit >= 0 {
            if next[unit] >= 0 { heap.insert(candidate(unit, next[unit])) }
            for partner in sameLabelPartners(after: unit) { heap.insert(candidate(unit, partner)) }
            unit = next[unit]
        }
        while liveCount > maximum, let best = heap.popMin() {
            guard alive[best.left], alive[best.right], version[best.left] == best.leftVersion,
                version[best.right] == best.rightVersion,
                next[best.left] == best.right
                    || (refined && label[best.left] == label[best.right] && label[best.left] >= 0)
            else { continue }
            let (merged, closedGap) = merge(best.left, best.right)
            if previous[merged] >= 0 { heap.insert(candidate(previous[merged], merged)) }
            if next[merged] >= 0 { heap.insert(candidate(merged, next[merged])) }
            if let (before, after) = closedGap { heap.insert(candidate(before, after)) }
            for partner in sameLabelPartners(after: merged) {
                heap.insert(candidate(merged, partner))
            }
            for partner in sameLabelPartners(before: merged) {
                heap.insert(candidate(partner, merged))
            }
        }
    }

    /// With a refinement, units of one label may merge across a few units of other labels when an
    /// edge joins them: an op-level placement alternates devices between neighbouring units, and
    /// this keeps it expressible in fewer stages than merging neighbours only would.
    private static let sameLabelReach = 48

    private func sameLabelPartners(after unit: Int) -> [Int] {
        sameLabelPartners(of: unit, step: next)
    }

    private func sameLabelPartners(before unit: Int) -> [Int] {
        sameLabelPartners(of: unit, step: previous)
    }

    private func sameLabelPartners(of unit: Int, step: [Int]) -> [Int] {
        guard refined, label[unit] >= 0 else { return [] }
        var partners: [Int] = []
        var other = step[unit]
        var distance = 0
        while other >= 0, distance < Self.sameLabelReach {
            // The neighbour itself is an ordinary candidate already.
            if distance > 0, label[other] == label[unit], connected(unit, other) {
                partners.append(other)
            }
            other = step[other]
            distance += 1
        }
        return partners
    }

    /// Merges `right` (which comes after `left` in the list) into `left`'s place; the unit with
    /// more ops survives so that relabelling touches the smaller side only. Returns the merged unit
    /// and, when `right` was not `left`'s neighbour, the two units its removal made neighbours.
    private mutating func merge(_ left: Int, _ right: Int) -> (Int, closedGap: (Int, Int)?) {
        let (survivor, absorbed) = size[left] >= size[right] ? (left, right) : (right, left)
        var op = firstOp[absorbed]
        while op >= 0 {
            unitOfOp[op] = survivor
            op = nextOp[op]
        }
        // The merged list holds left's ops, then right's.
        nextOp[lastOp[left]] = firstOp[right]
        let first = firstOp[left]
        let last = lastOp[right]
        firstOp[survivor] = first
        lastOp[survivor] = last
        size[survivor] = size[left] + size[right]
        weight[survivor] = weight[left] + weight[right]
        kinds[survivor] = kinds[left] & kinds[right]
        label[survivor] = label[left] == label[right] ? label[left] : -1
        // Unlink `right`, then put the survivor where `left` was.
        let gapBefore = previous[right]
        let gapAfter = next[right]
        next[gapBefore] = gapAfter
        if gapAfter >= 0 { previous[gapAfter] = gapBefore }
        let before = previous[left]
        let after = next[left]
        previous[survivor] = before
        next[survivor] = after
        if before >= 0 { next[before] = survivor } else { head = survivor }
        if after >= 0 { previous[after] = survivor }
        alive[absorbed] = false
        version[survivor] += 1
        liveCount -= 1
        let closedGap = gapBefore != left && gapAfter >= 0 ? (gapBefore, gapAfter) : nil
        return (survivor, closedGap)
    }
}
