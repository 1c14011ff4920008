import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

/// A simulation result as a table for people and as JSON for scripts.
struct SimulationReport {
    let problem: PlacementProblem
    let result: SimulationResult
    let lowerBound: Double

    private var cluster: Cluster { problem.cluster }
    private var graph: OperationGraph { problem.graph }

    /// Channels that carried anything, as (from, to, channel index).
    private var usedChannels: [(from: Int, to: Int, channel: Int)] {
        let devices = cluster.deviceCount
        return (0..<devices * devices).filter {
            result.channelBytes[$0] > 0 || result.channelBusy[$0] > 0
        }
        .map { ($0 / devices, $0 % devices, $0) }
    }

    private func describe(_ step: CriticalPathStep) -> String {
        switch step {
        case .op(let op): return graph.opNames[op]
        case .transfer(_, let producer, let from, let to):
            return
                "[\(graph.opNames[producer]) \(cluster.devices[from].name)->\(cluster.devices[to].name)]"
        }
    }

    func json() -> JSONValue {
        .object([
            ("graph", .string(graph.name)),
            ("cluster", .string(cluster.name)),
            ("step_time_us", .number(result.stepTime)),
            ("lower_bound_us", .number(lowerBound)),
            ("ratio_to_lower_bound", .number(lowerBound > 0 ? result.stepTime / lowerBound : 1)),
            ("oom", .bool(result.outOfMemory)),
            (
                "devices",
                .array(
                    (0..<cluster.deviceCount).map { device in
                        .object([
                            ("name", .string(cluster.devices[device].name)),
                            ("busy_us", .number(result.deviceBusy[device])),
                            (
                                "utilization",
                                .number(
                                    result.stepTime > 0
                                        ? result.deviceBusy[device] / result.stepTime : 0)
                            ),
                            ("peak_bytes", .number(result.devicePeakMemory[device])),
                            ("capacity_bytes", .number(cluster.memoryCapacityBytes[device])),
                        ])
                    })
            ),
            (
                "links",
                .array(
                    usedChannels.map { link in
                        .object([
                            ("from", .string(cluster.devices[link.from].name)),
                            ("to", .string(cluster.devices[link.to].name)),
                            ("bytes", .number(result.channelBytes[link.channel])),
                            ("busy_us", .number(result.channelBusy[link.channel])),
                        ])
                    })
            ),
            ("transfers", .number(Double(result.transferCount))),
            (
                "critical_path",
                .array(
                    result.criticalPath.map { step in
                        switch step {
                        case .op(let op): return .object([("op", .string(graph.opNames[op]))])
                        case .transfer(_, let producer, let from, let to):
                            return .object([
                                ("transfer", .string(graph.opNames[producer])),
                                ("from", .string(cluster.devices[from].name)),
                                ("to", .string(cluster.devices[to].name)),
                            ])
                        }
                    })
            ),
        ])
    }

    func text() -> String {
        var lines: [String] = []
        let ratio = lowerBound > 0 ? result.stepTime / lowerBound : 1
        lines.append(
            "step time    \(Units.microseconds(result.stepTime))  (\(Units.format2(ratio))x the lower bound of \(Units.microseconds(lowerBound)))"
        )
        if result.outOfMemory {
            lines.append(
                "OUT OF MEMORY: a device's peak exceeds its capacity; this placement cannot run")
        }
        lines.append("")
        var table = TextTable(["device", "busy", "util", "peak memory", "capacity"])
        for device in 0..<cluster.deviceCount {
            let peak = result.devicePeakMemory[device]
            let capacity = cluster.memoryCapacityBytes[device]
            table.add([
                cluster.devices[device].name, Units.microseconds(result.deviceBusy[device]),
                Units.percent(
                    result.stepTime > 0 ? result.deviceBusy[device] / result.stepTime : 0),
                Units.bytes(peak) + (peak > capacity ? " OOM" : ""), Units.bytes(capacity),
            ])
        }
        lines.append(table.render())
        let links = usedChannels
        if !links.isEmpty {
            var linkTable = TextTable(["link", "bytes", "busy"])
            for link in links {
                linkTable.add([
                    "\(cluster.devices[link.from].name) -> \(cluster.devices[link.to].name)",
                    Units.bytes(result.channelBytes[link.channel]),
                    Units.microseconds(result.channelBusy[link.channel]),
                ])
            }
            lines.append(linkTable.render())
        }
        let path = result.criticalPath
        let shown =
            path.count <= 12
            ? path.map(describe)
            : path.prefix(5).map(describe) + ["... \(path.count - 10) more ..."]
                + path.suffix(5).map(describe)
        lines.append("critical path (\(path.count) steps): " + shown.joined(separator: " > "))
        return lines.joined(separator: "\n") + "\n"
    }
}
