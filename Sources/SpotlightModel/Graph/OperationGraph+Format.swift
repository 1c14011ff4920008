extension OperationGraph {
    /// The `format` value of graph files this version reads and writes.
    public static let formatIdentifier = "spotlight.graph/1"

    /// Loads and validates a graph file.
    public static func load(_ path: String) throws(InputError) -> OperationGraph {
        try decode(FileIO.readJSON(path), file: path)
    }

    /// Validates and resolves a parsed graph document; `file` names it in errors.
    public static func decode(_ document: JSONValue, file: String) throws(InputError)
        -> OperationGraph
    {
        var log = DiagnosticLog(file: file)
        guard let root = FieldReader(document, path: JSONPath.root, log: &log) else {
            throw log.failure()
        }
        guard root.checkFormat(formatIdentifier, log: &log) else { throw log.failure() }
        let name = root.string("name", required: true, log: &log) ?? ""
        let source = root.string("source", required: false, log: &log) ?? ""
        let listed = root.array("ops", required: true, log: &log)
        if listed?.isEmpty == true { log.add(root.memberPath("ops"), "the graph has no ops") }
        let opValues = listed ?? []
        var specs: [OperationSpec] = []
        specs.reserveCapacity(opValues.count)
        for (index, value) in opValues.enumerated() {
            if let spec = decodeOp(value, path: opPath(index), log: &log) { specs.append(spec) }
        }
        try log.throwIfAny()
        guard let graph = build(name: name, source: source, ops: specs, log: &log) else {
            throw log.failure()
        }
        return graph
    }

    private static func decodeOp(_ value: JSONValue, path: String, log: inout DiagnosticLog)
        -> OperationSpec?
    {
        guard let op = FieldReader(value, path: path, log: &log) else { return nil }
        let name = op.string("name", required: true, log: &log)
        let type = op.string("type", required: true, log: &log)
        var spec = OperationSpec(name: name ?? "", type: type ?? "")
        if let inputs = op.array("inputs", required: false, log: &log) {
            for (position, input) in inputs.enumerated() {
                let inputPath = JSONPath.element(op.memberPath("inputs"), position)
                switch input {
                case .string(let from):
                    spec.inputs.append(.init(from))
                case .object:
                    guard let edge = FieldReader(input, path: inputPath, log: &log),
                        let from = edge.string("from", required: true, log: &log)
                    else { continue }
                    spec.inputs.append(
                        .init(
                            from,
                            bytes: edge.nonNegativeNumber(
                                "bytes", maximum: NumberRange.bytes, log: &log)))
                default:
                    log.add(
                        inputPath,
                        "expected an op name or {\"from\": name, \"bytes\": n}, found \(input.kindDescription)"
                    )
                }
            }
        }
        spec.outputBytes =
            op.nonNegativeNumber("output_bytes", maximum: NumberRange.bytes, log: &log) ?? 0
        spec.flops = op.nonNegativeNumber("flops", maximum: NumberRange.flops, log: &log) ?? 0
        spec.bytesAccessed =
            op.nonNegativeNumber("bytes_accessed", maximum: NumberRange.bytes, log: &log) ?? 0
        spec.persistentBytes =
            op.nonNegativeNumber("persistent_bytes", maximum: NumberRange.bytes, log: &log) ?? 0
        if let times = op["time_us"], times != .null {
            if let table = FieldReader(times, path: op.memberPath("time_us"), log: &log) {
                for (deviceType, time) in table.members {
                    if let microseconds = FieldReader.nonNegative(
                        time, path: table.memberPath(deviceType),
                        maximum: NumberRange.microseconds, log: &log)
                    {
                        spec.measuredTimes.append(
                            .init(deviceType: deviceType, microseconds: microseconds))
                    }
                }
            }
        }
        spec.deviceKinds = op.stringArray("devices", log: &log)
        spec.colocateWith = op.string("colocate_with", required: false, log: &log)
        spec.group = op.string("group", required: false, log: &log)
        spec.expert = op.string("expert", required: false, log: &log)
        return name == nil || type == nil ? nil : spec
    }

    /// The op as a graph file describes it.
    public func spec(of op: Int) -> OperationSpec {
        var spec = OperationSpec(name: opNames[op], type: opTypes[op])
        spec.inputs = (inputStart[op]..<inputStart[op + 1]).map { edge in
            let producer = inputOp[edge]
            let bytes = inputBytes[edge]
            return .init(opNames[producer], bytes: bytes == outputBytes[producer] ? nil : bytes)
        }
        spec.outputBytes = outputBytes[op]
        spec.flops = flops[op]
        spec.bytesAccessed = bytesAccessed[op]
        spec.persistentBytes = persistentBytes[op]
        spec.measuredTimes = (measuredStart[op]..<measuredStart[op + 1]).map {
            .init(
                deviceType: measuredTypeNames[measuredType[$0]],
                microseconds: measuredMicroseconds[$0])
        }
        if allowedKinds[op] != 0 {
            spec.deviceKinds = kindNames.indices.filter {
                allowedKinds[op] & (1 << UInt64($0)) != 0
            }.map { kindNames[$0] }
        }
        spec.colocateWith = colocateWith[op] >= 0 ? opNames[colocateWith[op]] : nil
        spec.group = groupOf[op] >= 0 ? groupNames[groupOf[op]] : nil
        spec.expert = expert[op]
        return spec
    }

    /// The graph as a `spotlight.graph/1` document; keys at their defaults are left out.
    public func jsonValue() -> JSONValue {
        var ops: [JSONValue] = []
        ops.reserveCapacity(count)
        for op in 0..<count {
            let spec = spec(of: op)
            var members: [(key: String, value: JSONValue)] = [
                ("name", .string(spec.name)), ("type", .string(spec.type)),
            ]
            if !spec.inputs.isEmpty {
                members.append(
                    (
                        "inputs",
                        .array(
                            spec.inputs.map { input in
                                guard let bytes = input.bytes else { return .string(input.from) }
                                return .object([
                                    ("from", .string(input.from)), ("bytes", .number(bytes)),
                                ])
                            })
                    ))
            }
            let numbers: [(String, Double)] = [
                ("output_bytes", spec.outputBytes), ("flops", spec.flops),
                ("bytes_accessed", spec.bytesAccessed), ("persistent_bytes", spec.persistentBytes),
            ]
            for (key, number) in numbers where number != 0 {
                members.append((key, .number(number)))
            }
            if !spec.measuredTimes.isEmpty {
                members.append(
                    (
                        "time_us",
                        .object(
                            spec.measuredTimes.map { ($0.deviceType, .number($0.microseconds)) })
                    ))
            }
            if let kinds = spec.deviceKinds {
                members.append(("devices", .array(kinds.map(JSONValue.string))))
            }
            if let target = spec.colocateWith { members.append(("colocate_with", .string(target))) }
            if let group = spec.group { members.append(("group", .string(group))) }
            if let expert = spec.expert { members.append(("expert", .string(expert))) }
            ops.append(.object(members))
        }
        return .object([
            ("format", .string(Self.formatIdentifier)),
            ("name", .string(name)),
            ("source", .string(source)),
            ("ops", .array(ops)),
        ])
    }

    /// Writes the graph file atomically; one op per line.
    public func save(to path: String) throws(InputError) {
        try FileIO.writeAtomically(JSONWriter.string(jsonValue(), inlineDepth: 2), to: path)
    }
}
