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
        let decoded = decodeDevices(root.array("devices", required: true, log: &log) ?? [], &log)
        var links: [Link] = []
        var linkPaths: [String] = []
        for (index, value) in (root.array("links", required: false, log: &log) ?? []).enumerated() {
            guard let link = decodeLink(value, path: linkPath(index), devices: decoded, log: &log)
            else { continue }
            links.append(link)
            linkPaths.append(linkPath(index))
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
                name: name, devices: decoded.devices, links: links, linkPaths: linkPaths,
                defaultLink: defaultLink, log: &log)
        else { throw log.failure() }
        return cluster
    }

    /// The devices read, each one's index by name, and the names of devices with a bad field:
    /// links to those report nothing more (the device's own error is the cause), so that every
    /// error reported is true.
    private struct DecodedDevices {
        var devices: [Device] = []
        var names: [String: Int] = [:]
        var brokenNames: Set<String> = []
    }

    private static func decodeDevices(_ values: [JSONValue], _ log: inout DiagnosticLog)
        -> DecodedDevices
    {
        var decoded = DecodedDevices()
        for (index, value) in values.enumerated() {
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
                if let deviceName { decoded.brokenNames.insert(deviceName) }
                continue
            }
            if decoded.names[deviceName] == nil {
                decoded.names[deviceName] = decoded.devices.count
            }
            decoded.devices.append(
                Device(
                    name: deviceName, kind: kind, type: type, gflops: gflops,
                    memoryGBytesPerSecond: bandwidth,
                    memoryGBytes: memory, launchMicroseconds: launch))
        }
        return decoded
    }

    /// A link between two devices read before it; nil, with the reason logged, when it is not.
    private static func decodeLink(
        _ value: JSONValue, path: String, devices: DecodedDevices, log: inout DiagnosticLog
    ) -> Link? {
        guard let link = FieldReader(value, path: path, log: &log),
            let speed = decodeSpeed(link, log: &log)
        else { return nil }
        guard let between = link.stringArray("between", log: &log) else {
            log.add(link.memberPath("between"), "missing required key \"between\"")
            return nil
        }
        guard between.count == 2 else {
            log.add(link.memberPath("between"), "expected two device names, found \(between.count)")
            return nil
        }
        var ends: [Int] = []
        for (position, deviceName) in between.enumerated() {
            if let id = devices.names[deviceName] {
                ends.append(id)
            } else if !devices.brokenNames.contains(deviceName) {
                log.add(
                    JSONPath.element(link.memberPath("between"), position),
                    "link names device \"\(deviceName)\", which is not in the cluster")
            }
        }
        guard ends.count == 2 else { return nil }
        return Link(between: (ends[0], ends[1]), speed: speed)
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
