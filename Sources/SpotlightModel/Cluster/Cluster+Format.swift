extension Cluster {
    /// The `format` value of cluster files this version reads and writes.
    public static let formatIdentifier = "spotlight.cluster/1"

    /// Loads and validates a cluster file.
    public static func load(_ path: String) throws(InputError) -> Cluster {
        try decode(FileIO.readJSON(path), file: path)
    }

    /// Validates and resolves a parsed cluster document; `file` names it in errors.
    public static func decode(_ document: JSONValue, file: String) throws(InputError) -> Cluster {
        var log = DiagnosticLog(file: file)
        guard let root = FieldReader(document, path: JSONPath.root, log: &log),
            root.checkFormat(formatIdentifier, log: &log)
        else { throw log.failure() }
        let name = root.string("name", required: true, log: &log) ?? ""
        var devices: [Device] = []
        var names: [String: Int] = [:]
        // Devices with a name but a bad field: links to them report nothing more (the device's
        // own error is the cause), so that every error reported is true.
        var brokenNames: Set<String> = []
        for (index, value) in (root.array("devices", required: true, log: &log) ?? []).enumerated()
        {
            guard let device = FieldReader(value, path: devicePath(index), log: &log) else {
                continue
            }
            let deviceName = device.string("name", required: true, log: &log)
            let kind = device.string("kind", required: true, log: &log)
            let type = device.string("type", required: false, log: &log)
            let gflops = device.positiveNumber(
                "gflops", required: true, minimum: NumberRange.smallestRate,
                maximum: NumberRange.gflops, log: &log)
            let bandwidth = device.positiveNumber(
                "mem_gbytes_per_s", required: true, minimum: NumberRange.smallestRate,
                maximum: NumberRange.gbytesPerSecond, log: &log)
            let memory = device.positiveNumber(
                "memory_gbytes", required: true, minimum: 1e-9,
                maximum: NumberRange.memoryGBytes, log: &log)
            let launch =
                device.nonNegativeNumber("launch_us", maximum: NumberRange.microseconds, log: &log)
                ?? 0
            guard let deviceName, let kind, let gflops, let bandwidth, let memory else {
                if let deviceName { brokenNames.insert(deviceName) }
                continue
            }
            if names[deviceName] == nil { names[deviceName] = devices.count }
            devices.append(
                Device(
                    name: deviceName, kind: kind, type: type, gflops: gflops,
                    memoryGBytesPerSecond: bandwidth,
                    memoryGBytes: memory, launchMicroseconds: launch))
        }
        var links: [Link] = []
        var linkPaths: [String] = []
        for (index, value) in (root.array("links", required: false, log: &log) ?? []).enumerated() {
            let path = linkPath(index)
            guard let link = FieldReader(value, path: path, log: &log),
                let speed = decodeSpeed(link, log: &log)
            else { continue }
            guard let between = link.stringArray("between", log: &log) else {
                log.add(link.memberPath("between"), "missing required key \"between\"")
                continue
            }
            guard between.count == 2 else {
                log.add(
                    link.memberPath("between"), "expected two device names, found \(between.count)")
                continue
            }
            var ends: [Int] = []
            for (position, deviceName) in between.enumerated() {
                if let id = names[deviceName] {
                    ends.append(id)
                } else if !brokenNames.contains(deviceName) {
                    log.add(
                        JSONPath.element(link.memberPath("between"), position),
                        "link names device \"\(deviceName)\", which is not in the cluster")
                }
            }
            guard ends.count == 2 else { continue }
            links.append(Link(between: (ends[0], ends[1]), speed: speed))
            linkPaths.append(path)
        }
        var defaultLink: LinkSpeed?
        if let value = root["default_link"], value != .null,
            let reader = FieldReader(value, path: root.memberPath("default_link"), log: &log)
        {
            defaultLink = decodeSpeed(reader, log: &log)
        }
        try log.throwIfAny()
        guard
            let cluster = build(
                name: name, devices: devices, links: links, linkPaths: linkPaths,
                defaultLink: defaultLink, log: &log)
        else { throw log.failure() }
        return cluster
    }

    private static func decodeSpeed(_ reader: FieldReader, log: inout DiagnosticLog) -> LinkSpeed? {
        let rate = reader.positiveNumber(
            "gbytes_per_s", required: true, minimum: NumberRange.smallestRate,
            maximum: NumberRange.gbytesPerSecond, log: &log)
        let latency =
            reader.nonNegativeNumber("latency_us", maximum: NumberRange.microseconds, log: &log)
            ?? 0
        guard let rate else { return nil }
        return LinkSpeed(gbytesPerSecond: rate, latencyMicroseconds: latency)
    }

    /// The cluster as a `spotlight.cluster/1` document.
    public func jsonValue() -> JSONValue {
        func speed(_ speed: LinkSpeed) -> [(key: String, value: JSONValue)] {
            [
                ("gbytes_per_s", .number(speed.gbytesPerSecond)),
                ("latency_us", .number(speed.latencyMicroseconds)),
            ]
        }
        var members: [(key: String, value: JSONValue)] = [
            ("format", .string(Self.formatIdentifier)),
            ("name", .string(name)),
            (
                "devices",
                .array(
                    devices.map { device in
                        .object([
                            ("name", .string(device.name)), ("kind", .string(device.kind)),
                            ("type", .string(device.type)),
                            ("gflops", .number(device.gflops)),
                            ("mem_gbytes_per_s", .number(device.memoryGBytesPerSecond)),
                            ("memory_gbytes", .number(device.memoryGBytes)),
                            ("launch_us", .number(device.launchMicroseconds)),
                        ])
                    })
            ),
            (
                "links",
                .array(
                    links.map { link in
                        .object(
                            [
                                (
                                    "between",
                                    .array([
                                        .string(devices[link.between.0].name),
                                        .string(devices[link.between.1].name),
                                    ])
                                )
                            ]
                                + speed(link.speed))
                    })
            ),
        ]
        if let defaultLink { members.append(("default_link", .object(speed(defaultLink)))) }
        return .object(members)
    }

    public func save(to path: String) throws(InputError) {
        try FileIO.writeAtomically(JSONWriter.string(jsonValue(), inlineDepth: 2), to: path)
    }
}
