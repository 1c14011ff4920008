extension Placement {
    /// The `format` value of placement files this version reads and writes.
    public static let formatIdentifier = "spotlight.placement/1"

    /// A placement file read on its own, before it is resolved against a graph and a cluster.
    public struct Document: Sendable {
        public var file: String
        public var graphName: String
        public var clusterName: String
        public var method: String
        public var stepTimeMicroseconds: Double?
        /// (op name, device name) in file order.
        public var assignment: [(op: String, device: String)]
    }

    /// Loads a placement file and checks it against `graph` and `cluster`.
    public static func load(_ path: String, graph: OperationGraph, cluster: Cluster)
        throws(InputError) -> Placement
    {
        try readDocument(path).resolve(graph: graph, cluster: cluster)
    }

    public static func readDocument(_ path: String) throws(InputError) -> Document {
        try decodeDocument(FileIO.readJSON(path), file: path)
    }

    /// Checks the document's own structure: format, names, an object of op name to device name.
    public static func decodeDocument(_ document: JSONValue, file: String) throws(InputError)
        -> Document
    {
        var log = DiagnosticLog(file: file)
        guard let root = FieldReader(document, path: JSONPath.root, log: &log),
            root.checkFormat(formatIdentifier, log: &log)
        else { throw log.failure() }
        let graphName = root.string("graph", required: true, log: &log) ?? ""
        let clusterName = root.string("cluster", required: true, log: &log) ?? ""
        let method = root.string("method", required: false, log: &log) ?? ""
        let stepTime = root.nonNegativeNumber(
            "step_time_us", maximum: NumberRange.microseconds, log: &log)
        var assignment: [(op: String, device: String)] = []
        if let value = root["assignment"],
            let table = FieldReader(value, path: root.memberPath("assignment"), log: &log)
        {
            for (op, device) in table.members {
                guard case .string(let deviceName) = device else {
                    log.add(
                        table.memberPath(op),
                        "expected a device name, found \(device.kindDescription)")
                    continue
                }
                assignment.append((op, deviceName))
            }
        } else if root["assignment"] == nil {
            log.add(root.memberPath("assignment"), "missing required key \"assignment\"")
        }
        try log.throwIfAny()
        return Document(
            file: file, graphName: graphName, clusterName: clusterName, method: method,
            stepTimeMicroseconds: stepTime, assignment: assignment)
    }

    public func jsonValue(graph: OperationGraph, cluster: Cluster) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("format", .string(Self.formatIdentifier)),
            ("graph", .string(graphName)),
            ("cluster", .string(clusterName)),
            ("method", .string(method)),
        ]
        if let stepTimeMicroseconds {
            members.append(("step_time_us", .number(stepTimeMicroseconds)))
        }
        members.append(
            (
                "assignment",
                .object(
                    (0..<graph.count).map { op in
                        (graph.opNames[op], .string(cluster.devices[assignment[op]].name))
                    })
            ))
        return .object(members)
    }

    /// Writes the placement file atomically.
    public func save(to path: String, graph: OperationGraph, cluster: Cluster) throws(InputError) {
        try FileIO.writeAtomically(
            JSONWriter.string(jsonValue(graph: graph, cluster: cluster), inlineDepth: 1), to: path)
    }
}

extension Placement.Document {
    /// Resolves names to ids and checks every op is assigned once to an existing, allowed device.
    public func resolve(graph: OperationGraph, cluster: Cluster) throws(InputError) -> Placement {
        var log = DiagnosticLog(file: file)
        let assignmentPath = JSONPath.member(JSONPath.root, "assignment")
        var devices = [Int](repeating: -1, count: graph.count)
        for (op, device) in assignment {
            let path = JSONPath.member(assignmentPath, op)
            guard let opID = graph.opID(named: op) else {
                log.add(path, "op \"\(op)\" is not in graph \"\(graph.name)\"")
                continue
            }
            if devices[opID] >= 0 {
                log.add(path, "op \"\(op)\" is assigned more than once")
                continue
            }
            guard let deviceID = cluster.deviceID(named: device) else {
                log.add(path, "device \"\(device)\" is not in cluster \"\(cluster.name)\"")
                devices[opID] = Int.max
                continue
            }
            devices[opID] = deviceID
        }
        let missing = (0..<graph.count).filter { devices[$0] < 0 }
        if !missing.isEmpty {
            let shown = missing.prefix(5).map { "\"\(graph.opNames[$0])\"" }.joined(separator: ", ")
            let more = missing.count > 5 ? " and \(missing.count - 5) more" : ""
            log.add(
                assignmentPath,
                "\(missing.count) ops of graph \"\(graph.name)\" have no device: \(shown)\(more)")
        }
        try log.throwIfAny()
        let placement = Placement(
            graphName: graphName, clusterName: clusterName, method: method,
            stepTimeMicroseconds: stepTimeMicroseconds, assignment: devices)
        let constraints = try PlacementConstraints(graph: graph, cluster: cluster)
        let violations = placement.violations(
            graph: graph, cluster: cluster, constraints: constraints, file: file)
        if !violations.isEmpty { throw InputError(violations) }
        return placement
    }
}
