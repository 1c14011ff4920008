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
        let idByName = indexNames(ops, log: &log)
        let inputs = resolveInputs(ops, idByName: idByName, log: &log)
        let colocateWith = resolveColocation(ops, idByName: idByName, log: &log)
        let kinds = resolveDeviceKinds(ops, log: &log)
        let measured = measuredTimes(ops)
        let groups = groups(ops)
        var sets = UnionFind(count: count)
        for (op, target) in colocateWith.enumerated() where target >= 0 { sets.union(op, target) }
        let colocationRoot = (0..<count).map { sets.find($0) }
        checkColocationKinds(
            ops: ops, colocateWith: colocateWith, colocationRoot: colocationRoot,
            allowedKinds: kinds.allowed, kindNames: kinds.names, log: &log)
        guard log.isEmpty else { return nil }

        let topology = Topology(count: count, inputStart: inputs.start, inputOp: inputs.op)
        if let cycle = topology.cycle {
            log.add(
                JSONPath.member(JSONPath.root, "ops"),
                "the graph has a cycle: \(describe(cycle: cycle, of: ops))")
            return nil
        }
        return OperationGraph(
            name: name, source: source,
            opNames: ops.map(\.name), opTypes: ops.map(\.type), outputBytes: ops.map(\.outputBytes),
            flops: ops.map(\.flops), bytesAccessed: ops.map(\.bytesAccessed),
            persistentBytes: ops.map(\.persistentBytes),
            inputStart: inputs.start, inputOp: inputs.op, inputBytes: inputs.bytes,
            measuredStart: measured.start, measuredType: measured.type,
            measuredMicroseconds: measured.microseconds,
            measuredTypeNames: measured.typeNames, kindNames: kinds.names,
            allowedKinds: kinds.allowed,
            colocateWith: colocateWith, colocationRoot: colocationRoot, groupNames: groups.names,
            groupOf: groups.of, expert: ops.map(\.expert),
            topologicalOrder: topology.order, depth: topology.depth, idByName: idByName)
    }

    /// Each op's index by name; empty and repeated names are reported (a repeat keeps the first).
    private static func indexNames(_ ops: [OperationSpec], log: inout DiagnosticLog)
        -> [String: Int]
    {
        var idByName: [String: Int] = [:]
        idByName.reserveCapacity(ops.count)
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
        return idByName
    }

    /// The input edges in compressed rows: op i reads `op[start[i]..<start[i + 1]]`, with the
    /// bytes each edge carries (the producer's output unless the edge says otherwise).
    private static func resolveInputs(
        _ ops: [OperationSpec], idByName: [String: Int], log: inout DiagnosticLog
    ) -> (start: [Int], op: [Int], bytes: [Double]) {
        var inputStart = [Int](repeating: 0, count: ops.count + 1)
        var inputOp: [Int] = []
        var inputBytes: [Double] = []
        inputOp.reserveCapacity(ops.count * 2)
        inputBytes.reserveCapacity(ops.count * 2)
        for (index, op) in ops.enumerated() {
            for (position, input) in op.inputs.enumerated() {
                guard let producer = idByName[input.from] else {
                    log.add(
                        JSONPath.element(JSONPath.member(opPath(index), "inputs"), position),
                        "op \"\(op.name)\" has input \"\(input.from)\", "
                            + "which is not an op of the graph")
                    continue
                }
                inputOp.append(producer)
                inputBytes.append(input.bytes ?? ops[producer].outputBytes)
            }
            inputStart[index + 1] = inputOp.count
        }
        return (inputStart, inputOp, inputBytes)
    }

    /// The op each op is colocated with, or -1.
    private static func resolveColocation(
        _ ops: [OperationSpec], idByName: [String: Int], log: inout DiagnosticLog
    ) -> [Int] {
        var colocateWith = [Int](repeating: -1, count: ops.count)
        for (index, op) in ops.enumerated() {
            guard let target = op.colocateWith else { continue }
            guard let targetID = idByName[target] else {
                log.add(
                    JSONPath.member(opPath(index), "colocate_with"),
                    "op \"\(op.name)\" is colocated with \"\(target)\", "
                        + "which is not an op of the graph")
                continue
            }
            if targetID != index { colocateWith[index] = targetID }
        }
        return colocateWith
    }

    /// The device kinds the ops name, in order of first use, and each op's allowed kinds as a
    /// bit mask over them (0: any kind).
    private static func resolveDeviceKinds(_ ops: [OperationSpec], log: inout DiagnosticLog)
        -> (names: [String], allowed: [UInt64])
    {
        var kindNames: [String] = []
        var kindIndex: [String: Int] = [:]
        var allowedKinds = [UInt64](repeating: 0, count: ops.count)
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
        return (kindNames, allowedKinds)
    }

    /// The ops' measured times in compressed rows, with the device types they name.
    private static func measuredTimes(_ ops: [OperationSpec]) -> (
        start: [Int], type: [Int], microseconds: [Double], typeNames: [String]
    ) {
        var start = [Int](repeating: 0, count: ops.count + 1)
        var type: [Int] = []
        var microseconds: [Double] = []
        var typeNames: [String] = []
        var typeIndex: [String: Int] = [:]
        for (index, op) in ops.enumerated() {
            for time in op.measuredTimes {
                let typeID: Int
                if let known = typeIndex[time.deviceType] {
                    typeID = known
                } else {
                    typeID = typeNames.count
                    typeIndex[time.deviceType] = typeID
                    typeNames.append(time.deviceType)
                }
                type.append(typeID)
                microseconds.append(time.microseconds)
            }
            start[index + 1] = type.count
        }
        return (start, type, microseconds, typeNames)
    }

    /// The group names in order of first use, and each op's group (-1: none).
    private static func groups(_ ops: [OperationSpec]) -> (names: [String], of: [Int]) {
        var names: [String] = []
        var index: [String: Int] = [:]
        var groupOf = [Int](repeating: -1, count: ops.count)
        for (op, spec) in ops.enumerated() {
            guard let group = spec.group else { continue }
            if let known = index[group] {
                groupOf[op] = known
            } else {
                groupOf[op] = names.count
                index[group] = names.count
                names.append(group)
            }
        }
        return (names, groupOf)
    }

    /// A cycle as its ops' names: a long one shows its first few ops and its closing one, not
    /// megabytes of names.
    private static func describe(cycle: [Int], of ops: [OperationSpec]) -> String {
        let shown = cycle.count <= 8 ? cycle : Array(cycle.prefix(4))
        var names = shown.map { "\"\(ops[$0].name)\"" }
        if cycle.count > shown.count {
            names.append("… (\(Units.grouped(cycle.count - shown.count)) more)")
        }
        names.append("\"\(ops[cycle[0]].name)\"")
        return names.joined(separator: " -> ")
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
