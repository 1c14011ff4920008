extension OperationGraph {
    /// Resolves named ops into a graph, checking names, inputs, colocation, allowed kinds and
    /// acyclicity. Throws every problem found, each with the JSON path of the op it concerns.
    public init(name: String, source: String = "", ops: [OperationSpec], file: String = "<graph>")
        throws(InputError)
    {
        var log = DiagnosticLog(file: file)
        guard let graph = Self.build(name: name, source: source, ops: ops, log: &log) else {
            throw log.failure()
        }
        self = graph
    }

    static func opPath(_ index: Int) -> String {
        JSONPath.element(JSONPath.member(JSONPath.root, "ops"), index)
    }

    /// Builds the graph, or records why it cannot be built and returns `nil`.
    static func build(name: String, source: String, ops: [OperationSpec], log: inout DiagnosticLog)
        -> OperationGraph?
    {
        let count = ops.count
        var idByName: [String: Int] = [:]
        idByName.reserveCapacity(count)
        for (index, op) in ops.enumerated() {
            if op.name.isEmpty {
                log.add(JSONPath.member(opPath(index), "name"), "op name must not be empty")
            }
            if let first = idByName[op.name] {
                log.add(
                    JSONPath.member(opPath(index), "name"),
                    "duplicate op name \"\(op.name)\" (first defined at \(opPath(first)))")
            } else {
                idByName[op.name] = index
            }
        }

        var inputStart = [Int](repeating: 0, count: count + 1)
        var inputOp: [Int] = []
        var inputBytes: [Double] = []
        inputOp.reserveCapacity(count * 2)
        inputBytes.reserveCapacity(count * 2)
        for (index, op) in ops.enumerated() {
            for (position, input) in op.inputs.enumerated() {
                guard let producer = idByName[input.from] else {
                    log.add(
                        JSONPath.element(JSONPath.member(opPath(index), "inputs"), position),
                        "op \"\(op.name)\" has input \"\(input.from)\", which is not an op of the graph"
                    )
                    continue
                }
                inputOp.append(producer)
                inputBytes.append(input.bytes ?? ops[producer].outputBytes)
            }
            inputStart[index + 1] = inputOp.count
        }

        var colocateWith = [Int](repeating: -1, count: count)
        for (index, op) in ops.enumerated() {
            guard let target = op.colocateWith else { continue }
            guard let targetID = idByName[target] else {
                log.add(
                    JSONPath.member(opPath(index), "colocate_with"),
                    "op \"\(op.name)\" is colocated with \"\(target)\", which is not an op of the graph"
                )
                continue
            }
            if targetID != index { colocateWith[index] = targetID }
        }

        var kindNames: [String] = []
        var kindIndex: [String: Int] = [:]
        var allowedKinds = [UInt64](repeating: 0, count: count)
        for (index, op) in ops.enumerated() {
            guard let kinds = op.deviceKinds else { continue }
            if kinds.isEmpty {
                log.add(
                    JSONPath.member(opPath(index), "devices"),
                    "op \"\(op.name)\" allows no device kind (empty list)")
                continue
            }
            var mask: UInt64 = 0
            for kind in kinds {
                let bit: Int
                if let known = kindIndex[kind] {
                    bit = known
                } else {
                    guard kindNames.count < 64 else {
                        log.add(
                            JSONPath.member(opPath(index), "devices"),
                            "more than 64 distinct device kinds")
                        break
                    }
                    bit = kindNames.count
                    kindIndex[kind] = bit
                    kindNames.append(kind)
                }
                mask |= 1 << UInt64(bit)
            }
            allowedKinds[index] = mask
        }

        var measuredStart = [Int](repeating: 0, count: count + 1)
        var measuredType: [Int] = []
        var measuredMicroseconds: [Double] = []
        var measuredTypeNames: [String] = []
        var measuredTypeIndex: [String: Int] = [:]
        var groupNames: [String] = []
        var groupIndex: [String: Int] = [:]
        var groupOf = [Int](repeating: -1, count: count)
        for (index, op) in ops.enumerated() {
            for time in op.measuredTimes {
                let typeID: Int
                if let known = measuredTypeIndex[time.deviceType] {
                    typeID = known
                } else {
                    typeID = measuredTypeNames.count
                    measuredTypeIndex[time.deviceType] = typeID
                    measuredTypeNames.append(time.deviceType)
                }
                measuredType.append(typeID)
                measuredMicroseconds.append(time.microseconds)
            }
            measuredStart[index + 1] = measuredType.count
            if let group = op.group {
                if let known = groupIndex[group] {
                    groupOf[index] = known
                } else {
                    groupOf[index] = groupNames.count
                    groupIndex[group] = groupNames.count
                    groupNames.append(group)
                }
            }
        }

        var sets = UnionFind(count: count)
        for (op, target) in colocateWith.enumerated() where target >= 0 { sets.union(op, target) }
        let colocationRoot = (0..<count).map { sets.find($0) }
        checkColocationKinds(
            ops: ops, colocateWith: colocateWith, colocationRoot: colocationRoot,
            allowedKinds: allowedKinds,
            kindNames: kindNames, log: &log)
        guard log.isEmpty else { return nil }

        let topology = Topology(count: count, inputStart: inputStart, inputOp: inputOp)
        if let cycle = topology.cycle {
            // A long cycle shows its first few ops and its closing one, not megabytes of names.
            let shown = cycle.count <= 8 ? cycle : Array(cycle.prefix(4))
            var names = shown.map { "\"\(ops[$0].name)\"" }
            if cycle.count > shown.count {
                names.append("… (\(Units.grouped(cycle.count - shown.count)) more)")
            }
            names.append("\"\(ops[cycle[0]].name)\"")
            let text = names.joined(separator: " -> ")
            log.add(JSONPath.member(JSONPath.root, "ops"), "the graph has a cycle: \(text)")
            return nil
        }

        return OperationGraph(
            name: name, source: source,
            opNames: ops.map(\.name), opTypes: ops.map(\.type), outputBytes: ops.map(\.outputBytes),
            flops: ops.map(\.flops), bytesAccessed: ops.map(\.bytesAccessed),
            persistentBytes: ops.map(\.persistentBytes),
            inputStart: inputStart, inputOp: inputOp, inputBytes: inputBytes,
            measuredStart: measuredStart, measuredType: measuredType,
            measuredMicroseconds: measuredMicroseconds,
            measuredTypeNames: measuredTypeNames, kindNames: kindNames, allowedKinds: allowedKinds,
            colocateWith: colocateWith, colocationRoot: colocationRoot, groupNames: groupNames,
            groupOf: groupOf, expert: ops.map(\.expert),
            topologicalOrder: topology.order, depth: topology.depth, idByName: idByName)
    }

    /// Every colocation set (ops joined through `colocate_with`, transitively) must allow at least
    /// one common device kind.
    private static func checkColocationKinds(
        ops: [OperationSpec], colocateWith: [Int], colocationRoot: [Int], allowedKinds: [UInt64],
        kindNames: [String],
        log: inout DiagnosticLog
    ) {
        var common = [UInt64](repeating: UInt64.max, count: ops.count)
        var reported = [Bool](repeating: false, count: ops.count)
        for op in ops.indices where allowedKinds[op] != 0 {
            common[colocationRoot[op]] &= allowedKinds[op]
        }
        for op in ops.indices where colocateWith[op] >= 0 {
            let root = colocationRoot[op]
            guard common[root] == 0, !reported[root] else { continue }
            reported[root] = true
            let members = ops.indices.filter { colocationRoot[$0] == root && allowedKinds[$0] != 0 }
            let described = members.prefix(6).map { member -> String in
                let kinds = kindNames.indices.filter {
                    allowedKinds[member] & (1 << UInt64($0)) != 0
                }.map { kindNames[$0] }
                return "\"\(ops[member].name)\" (\(kinds.joined(separator: ", ")))"
            }
            log.add(
                JSONPath.member(opPath(op), "colocate_with"),
                "colocated ops allow no common device kind: \(described.joined(separator: ", "))")
        }
    }
}
