extension Cluster {
    /// Builds a cluster from devices and links, checking it as a cluster file would be checked.
    public init(
        name: String, devices: [Device], links: [Link], defaultLink: LinkSpeed?,
        file: String = "<cluster>"
    ) throws(InputError) {
        var log = DiagnosticLog(file: file)
        guard
            let cluster = Self.build(
                name: name, devices: devices, links: links, linkPaths: nil,
                defaultLink: defaultLink, log: &log)
        else { throw log.failure() }
        self = cluster
    }

    static func devicePath(_ index: Int) -> String {
        JSONPath.element(JSONPath.member(JSONPath.root, "devices"), index)
    }
    static func linkPath(_ index: Int) -> String {
        JSONPath.element(JSONPath.member(JSONPath.root, "links"), index)
    }

    static func build(
        name: String, devices: [Device], links: [Link], linkPaths: [String]?,
        defaultLink: LinkSpeed?, log: inout DiagnosticLog
    ) -> Cluster? {
        if devices.isEmpty {
            log.add(JSONPath.member(JSONPath.root, "devices"), "the cluster has no devices")
        }
        if devices.count > maximumDevices {
            log.add(
                JSONPath.member(JSONPath.root, "devices"),
                "\(devices.count) devices; at most \(maximumDevices) are supported")
        }
        var idByName: [String: Int] = [:]
        for (index, device) in devices.enumerated() {
            let path = devicePath(index)
            if device.name.isEmpty {
                log.add(JSONPath.member(path, "name"), "device name must not be empty")
            }
            if let first = idByName[device.name] {
                log.add(
                    JSONPath.member(path, "name"),
                    "duplicate device name \"\(device.name)\" (first defined at \(devicePath(first)))"
                )
            } else {
                idByName[device.name] = index
            }
            for (key, value) in [
                ("gflops", device.gflops), ("mem_gbytes_per_s", device.memoryGBytesPerSecond),
                ("memory_gbytes", device.memoryGBytes),
            ] where !(value > 0 && value.isFinite) {
                log.add(JSONPath.member(path, key), "must be a number greater than zero")
            }
            if !(device.launchMicroseconds >= 0) {
                log.add(JSONPath.member(path, "launch_us"), "must not be negative")
            }
        }
        let count = devices.count
        var rate = [Double](repeating: 0, count: count * count)
        var latency = [Double](repeating: 0, count: count * count)
        var declared = [Int](repeating: -1, count: count * count)
        for (index, link) in links.enumerated() {
            let path = linkPaths?[index] ?? linkPath(index)
            let (a, b) = link.between
            guard a >= 0, a < count, b >= 0, b < count else {
                log.add(
                    JSONPath.member(path, "between"),
                    "link names a device that is not in the cluster")
                continue
            }
            if a == b {
                log.add(
                    JSONPath.member(path, "between"),
                    "link joins device \"\(devices[a].name)\" to itself")
                continue
            }
            if !(link.speed.gbytesPerSecond > 0) {
                log.add(JSONPath.member(path, "gbytes_per_s"), "must be greater than zero")
            }
            if !(link.speed.latencyMicroseconds >= 0) {
                log.add(JSONPath.member(path, "latency_us"), "must not be negative")
            }
            if declared[a * count + b] >= 0 {
                log.add(
                    JSONPath.member(path, "between"),
                    "duplicate link between \"\(devices[a].name)\" and \"\(devices[b].name)\" (first at \(linkPath(declared[a * count + b])))"
                )
                continue
            }
            for channel in [a * count + b, b * count + a] {
                declared[channel] = index
                rate[channel] = link.speed.gbytesPerSecond * 1e3
                latency[channel] = link.speed.latencyMicroseconds
            }
        }
        if let defaultLink {
            if !(defaultLink.gbytesPerSecond > 0) {
                log.add(
                    JSONPath.member(JSONPath.member(JSONPath.root, "default_link"), "gbytes_per_s"),
                    "must be greater than zero")
            }
            if !(defaultLink.latencyMicroseconds >= 0) {
                log.add(
                    JSONPath.member(JSONPath.member(JSONPath.root, "default_link"), "latency_us"),
                    "must not be negative")
            }
        }
        var missing: [String] = []
        for a in 0..<count {
            for b in (a + 1)..<max(a + 1, count) where declared[a * count + b] < 0 {
                if let defaultLink {
                    for channel in [a * count + b, b * count + a] {
                        rate[channel] = defaultLink.gbytesPerSecond * 1e3
                        latency[channel] = defaultLink.latencyMicroseconds
                    }
                } else {
                    missing.append("\"\(devices[a].name)\" and \"\(devices[b].name)\"")
                }
            }
        }
        if !missing.isEmpty {
            let shown = missing.prefix(5).joined(separator: "; ")
            let more = missing.count > 5 ? " and \(missing.count - 5) more pairs" : ""
            log.add(
                JSONPath.member(JSONPath.root, "links"),
                "no link and no default_link between \(shown)\(more)")
        }
        guard log.isEmpty else { return nil }

        var kindNames: [String] = []
        var kindOf: [Int] = []
        for device in devices {
            if let known = kindNames.firstIndex(of: device.kind) {
                kindOf.append(known)
            } else {
                kindOf.append(kindNames.count)
                kindNames.append(device.kind)
            }
        }
        return Cluster(
            name: name, devices: devices, links: links, defaultLink: defaultLink,
            flopsPerMicrosecond: devices.map { $0.gflops * 1e3 },
            memoryBytesPerMicrosecond: devices.map { $0.memoryGBytesPerSecond * 1e3 },
            memoryCapacityBytes: devices.map { $0.memoryGBytes * 1e9 },
            launchMicroseconds: devices.map(\.launchMicroseconds),
            channelBytesPerMicrosecond: rate, channelLatencyMicroseconds: latency,
            kindNames: kindNames, kindOf: kindOf, idByName: idByName)
    }
}
