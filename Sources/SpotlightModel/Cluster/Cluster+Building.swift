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
        let idByName = checkDevices(devices, log: &log)
        var channels = Channels(count: devices.count)
        channels.add(links, paths: linkPaths, devices: devices, log: &log)
        if let defaultLink { checkDefaultLink(defaultLink, log: &log) }
        channels.fillUndeclared(with: defaultLink, devices: devices, log: &log)
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
            channelBytesPerMicrosecond: channels.rate, channelLatencyMicroseconds: channels.latency,
            kindNames: kindNames, kindOf: kindOf, idByName: idByName)
    }

    /// Each device's index by name; reports an empty or too large cluster, empty and repeated
    /// names, and rates, sizes and launch times out of range.
    private static func checkDevices(_ devices: [Device], log: inout DiagnosticLog)
        -> [String: Int]
    {
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
                    "duplicate device name \"\(device.name)\" "
                        + "(first defined at \(devicePath(first)))")
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
        return idByName
    }

    private static func checkDefaultLink(_ link: LinkSpeed, log: inout DiagnosticLog) {
        let path = JSONPath.member(JSONPath.root, "default_link")
        if !(link.gbytesPerSecond > 0) {
            log.add(JSONPath.member(path, "gbytes_per_s"), "must be greater than zero")
        }
        if !(link.latencyMicroseconds >= 0) {
            log.add(JSONPath.member(path, "latency_us"), "must not be negative")
        }
    }

    /// The rate and latency of every channel `from * count + to`, and the link that declared it.
    private struct Channels {
        let count: Int
        var rate: [Double]
        var latency: [Double]
        var declared: [Int]

        init(count: Int) {
            self.count = count
            rate = [Double](repeating: 0, count: count * count)
            latency = [Double](repeating: 0, count: count * count)
            declared = [Int](repeating: -1, count: count * count)
        }

        /// Both channels of each link; reports links to unknown devices or to themselves, rates
        /// out of range, and a second link between the same pair.
        mutating func add(
            _ links: [Link], paths: [String]?, devices: [Device], log: inout DiagnosticLog
        ) {
            for (index, link) in links.enumerated() {
                let path = paths?[index] ?? linkPath(index)
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
                        "duplicate link between \"\(devices[a].name)\" and "
                            + "\"\(devices[b].name)\" "
                            + "(first at \(linkPath(declared[a * count + b])))"
                    )
                    continue
                }
                set(a, b, link.speed, declaredBy: index)
            }
        }

        mutating func set(_ a: Int, _ b: Int, _ speed: LinkSpeed, declaredBy index: Int) {
            for channel in [a * count + b, b * count + a] {
                declared[channel] = index
                rate[channel] = speed.gbytesPerSecond * 1e3
                latency[channel] = speed.latencyMicroseconds
            }
        }

        /// Every pair without a link gets `defaultLink`; without one, they are reported.
        mutating func fillUndeclared(
            with defaultLink: LinkSpeed?, devices: [Device], log: inout DiagnosticLog
        ) {
            var missing: [String] = []
            for a in 0..<count {
                for b in (a + 1)..<max(a + 1, count) where declared[a * count + b] < 0 {
                    if let defaultLink {
                        set(a, b, defaultLink, declaredBy: -1)
                    } else {
                        missing.append("\"\(devices[a].name)\" and \"\(devices[b].name)\"")
                    }
                }
            }
            guard !missing.isEmpty else { return }
            let shown = missing.prefix(5).joined(separator: "; ")
            let more = missing.count > 5 ? " and \(missing.count - 5) more pairs" : ""
            log.add(
                JSONPath.member(JSONPath.root, "links"),
                "no link and no default_link between \(shown)\(more)")
        }
    }
}
