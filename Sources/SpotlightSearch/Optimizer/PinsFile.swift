import SpotlightModel

/// Pins kept in a file (`"format": "spotlight.pins/1"`), to load at the start of a search and
/// save from the explorer: stages by index (of the search's own stages, which the same graph,
/// cluster and settings give again) and ops by name, each with a device name.
///
/// ```json
/// {"format": "spotlight.pins/1", "graph": "nmt", "cluster": "gcloud-cpu-k80x4",
///  "stages": [{"stage": 4, "device": "cpu:0"}], "ops": {"nmt/loss/Softmax": "gpu:1"}}
/// ```
public struct PinsFile: Sendable, Equatable {
    public static let formatIdentifier = "spotlight.pins/1"

    /// Pinned stages and ops, each with its device id.
    public var stages: [(stage: Int, device: Int)]
    public var ops: [(op: Int, device: Int)]

    public init(stages: [(stage: Int, device: Int)], ops: [(op: Int, device: Int)]) {
        self.stages = stages
        self.ops = ops
    }

    public static func == (lhs: PinsFile, rhs: PinsFile) -> Bool {
        lhs.stages.map { [$0.stage, $0.device] } == rhs.stages.map { [$0.stage, $0.device] }
            && lhs.ops.map { [$0.op, $0.device] } == rhs.ops.map { [$0.op, $0.device] }
    }

    /// Pins from per-stage and per-op device ids (-1: not pinned), as a search keeps them.
    public init(stagePins: [Int], opPins: [Int]) {
        stages = stagePins.enumerated().filter { $0.element >= 0 }.map { ($0.offset, $0.element) }
        ops = opPins.enumerated().filter { $0.element >= 0 }.map { ($0.offset, $0.element) }
    }

    /// Reads and checks a pins file against `problem`: its graph and cluster, stages in range,
    /// ops and devices that exist, and devices the pinned stage or op may use.
    public static func load(_ path: String, problem: PlacementProblem) throws(InputError)
        -> PinsFile
    {
        try decode(FileIO.readJSON(path), file: path, problem: problem)
    }

    public static func decode(_ document: JSONValue, file: String, problem: PlacementProblem)
        throws(InputError) -> PinsFile
    {
        var log = DiagnosticLog(file: file)
        guard let root = FieldReader(document, path: JSONPath.root, log: &log),
            root.checkFormat(formatIdentifier, log: &log)
        else { throw log.failure() }
        for (key, expected) in [("graph", problem.graph.name), ("cluster", problem.cluster.name)] {
            if let name = root.string(key, required: true, log: &log), name != expected {
                log.add(root.memberPath(key), "pins for \"\(name)\", not \"\(expected)\"")
            }
        }
        var pins = PinsFile(stages: [], ops: [])
        for (index, value) in (root.array("stages", required: false, log: &log) ?? []).enumerated()
        {
            let path = JSONPath.element(root.memberPath("stages"), index)
            if let pin = stagePin(value, path: path, problem: problem, log: &log) {
                pins.stages.append(pin)
            }
        }
        if let value = root["ops"], value != .null,
            let ops = FieldReader(value, path: root.memberPath("ops"), log: &log)
        {
            for (name, deviceValue) in ops.members {
                if let pin = opPin(
                    name, deviceValue, path: ops.memberPath(name), problem: problem, log: &log)
                {
                    pins.ops.append(pin)
                }
            }
        }
        try log.throwIfAny()
        return pins
    }

    /// A stage pin, `{"stage": N, "device": NAME}`, to a device every op of the stage may use.
    private static func stagePin(
        _ value: JSONValue, path: String, problem: PlacementProblem, log: inout DiagnosticLog
    ) -> (stage: Int, device: Int)? {
        guard let entry = FieldReader(value, path: path, log: &log),
            let stage = entry.nonNegativeNumber("stage", required: true, maximum: 1e9, log: &log),
            let device = device(
                entry.string("device", required: true, log: &log),
                at: entry.memberPath("device"), problem: problem, log: &log)
        else { return nil }
        guard stage == stage.rounded(), Int(stage) < problem.stages.count else {
            log.add(
                entry.memberPath("stage"),
                "no stage \(Units.grouped(Int(min(stage, 1e9)))): "
                    + "the search has \(problem.stages.count)")
            return nil
        }
        let ops = problem.stages.ops(of: Int(stage))
        guard ops.allSatisfy({ problem.constraints.allows(op: $0, device: device) }) else {
            log.add(
                entry.memberPath("device"),
                "stage \(Int(stage)) cannot run on \(problem.cluster.devices[device].name)")
            return nil
        }
        return (Int(stage), device)
    }

    /// An op pin, `"OP": NAME`, to a device the op may use.
    private static func opPin(
        _ name: String, _ value: JSONValue, path: String, problem: PlacementProblem,
        log: inout DiagnosticLog
    ) -> (op: Int, device: Int)? {
        guard let op = problem.graph.opID(named: name) else {
            log.add(path, "no op \"\(name)\" in graph \"\(problem.graph.name)\"")
            return nil
        }
        guard case .string(let deviceName) = value else {
            log.add(path, "expected a device name")
            return nil
        }
        guard let device = device(deviceName, at: path, problem: problem, log: &log) else {
            return nil
        }
        guard problem.constraints.allows(op: op, device: device) else {
            log.add(path, "\(name) cannot run on \(deviceName)")
            return nil
        }
        return (op, device)
    }

    private static func device(
        _ name: String?, at path: String, problem: PlacementProblem,
        log: inout DiagnosticLog
    ) -> Int? {
        guard let name else { return nil }
        guard let device = problem.cluster.deviceID(named: name) else {
            log.add(path, "no device \"\(name)\" in cluster \"\(problem.cluster.name)\"")
            return nil
        }
        return device
    }

    /// The file's document for `problem`.
    public func jsonValue(problem: PlacementProblem) -> JSONValue {
        .object([
            ("format", .string(Self.formatIdentifier)),
            ("graph", .string(problem.graph.name)),
            ("cluster", .string(problem.cluster.name)),
            (
                "stages",
                .array(
                    stages.map { pin in
                        .object([
                            ("stage", .number(Double(pin.stage))),
                            ("device", .string(problem.cluster.devices[pin.device].name)),
                        ])
                    })
            ),
            (
                "ops",
                .object(
                    ops.map { pin in
                        (
                            problem.graph.opNames[pin.op],
                            .string(problem.cluster.devices[pin.device].name)
                        )
                    })
            ),
        ])
    }

    /// Writes the file atomically.
    public func save(to path: String, problem: PlacementProblem) throws(InputError) {
        try FileIO.writeAtomically(
            JSONWriter.string(jsonValue(problem: problem), inlineDepth: 2), to: path)
    }

    /// Pins `optimizer` as the file says.
    public func apply(to optimizer: inout Optimizer) {
        for pin in stages { _ = optimizer.pin(stage: pin.stage, to: pin.device) }
        for pin in ops { _ = optimizer.pin(op: pin.op, to: pin.device) }
    }
}
