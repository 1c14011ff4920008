import SpotlightModel

/// Chrome's Trace Event Format, which Perfetto and chrome://tracing open: one track per device
/// (ops as complete events, with their names and types), one track per link direction
/// (transfers), and a memory counter per device.
///
/// See "Trace Event Format",
/// https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
public enum ChromeTrace {
    private static let devicesProcess = 1
    private static let linksProcess = 2

    /// The trace document of a simulation run with `recordTimeline: true`.
    public static func document(graph: OperationGraph, cluster: Cluster, result: SimulationResult)
        -> JSONValue
    {
        guard let timeline = result.timeline else {
            preconditionFailure("a trace needs a simulation run with recordTimeline: true")
        }
        let devices = cluster.deviceCount
        var events: [JSONValue] = []
        events.reserveCapacity(
            graph.count + timeline.transfers.count + timeline.memory.count + devices * devices + 4)
        events += trackNames(cluster: cluster, timeline: timeline)
        events += (0..<graph.count).map { opEvent($0, graph: graph, timeline: timeline) }
        events += timeline.transfers.map { transfer in
            .object([
                ("name", .string(graph.opNames[transfer.producer])),
                ("cat", .string("transfer")), ("ph", .string("X")),
                ("ts", .number(transfer.start)),
                ("dur", .number(transfer.end - transfer.start)),
                ("pid", .number(Double(linksProcess))),
                ("tid", .number(Double(transfer.from * devices + transfer.to))),
                ("args", .object([("bytes", .number(transfer.bytes))])),
            ])
        }
        events += timeline.memory.map { sample in
            .object([
                ("name", .string("memory \(cluster.devices[sample.device].name)")),
                ("ph", .string("C")),
                ("ts", .number(sample.time)), ("pid", .number(Double(devicesProcess))),
                ("tid", .number(Double(sample.device))),
                ("args", .object([("bytes", .number(sample.bytes))])),
            ])
        }
        return .object([
            ("traceEvents", .array(events)),
            ("displayTimeUnit", .string("ms")),
            (
                "otherData",
                .object([
                    ("graph", .string(graph.name)), ("cluster", .string(cluster.name)),
                    ("step_time_us", .number(result.stepTime)),
                ])
            ),
        ])
    }

    /// The names and order of the tracks: the two processes, a thread per device, and one per
    /// link direction that carried a transfer.
    private static func trackNames(cluster: Cluster, timeline: Timeline) -> [JSONValue] {
        func metadata(_ name: String, process: Int, thread: Int, value: String) -> JSONValue {
            .object([
                ("name", .string(name)), ("ph", .string("M")), ("pid", .number(Double(process))),
                ("tid", .number(Double(thread))), ("args", .object([("name", .string(value))])),
            ])
        }
        let devices = cluster.deviceCount
        var events = [
            metadata("process_name", process: devicesProcess, thread: 0, value: "devices"),
            metadata("process_name", process: linksProcess, thread: 0, value: "links"),
        ]
        for device in 0..<devices {
            events.append(
                metadata(
                    "thread_name", process: devicesProcess, thread: device,
                    value: cluster.devices[device].name))
            events.append(
                .object([
                    ("name", .string("thread_sort_index")), ("ph", .string("M")),
                    ("pid", .number(Double(devicesProcess))), ("tid", .number(Double(device))),
                    ("args", .object([("sort_index", .number(Double(device)))])),
                ]))
        }
        var channelUsed = [Bool](repeating: false, count: devices * devices)
        for transfer in timeline.transfers {
            channelUsed[transfer.from * devices + transfer.to] = true
        }
        for channel in 0..<channelUsed.count where channelUsed[channel] {
            let from = cluster.devices[channel / devices].name
            let to = cluster.devices[channel % devices].name
            events.append(
                metadata(
                    "thread_name", process: linksProcess, thread: channel, value: "\(from) -> \(to)"
                ))
        }
        return events
    }

    /// An op as a complete event on its device's track.
    private static func opEvent(_ op: Int, graph: OperationGraph, timeline: Timeline) -> JSONValue {
        .object([
            ("name", .string(graph.opNames[op])), ("cat", .string(graph.opTypes[op])),
            ("ph", .string("X")),
            ("ts", .number(timeline.opStart[op])),
            ("dur", .number(timeline.opFinish[op] - timeline.opStart[op])),
            ("pid", .number(Double(devicesProcess))),
            ("tid", .number(Double(timeline.assignment[op]))),
            (
                "args",
                .object([
                    ("type", .string(graph.opTypes[op])),
                    ("output_bytes", .number(graph.outputBytes[op])),
                ])
            ),
        ])
    }

    /// Writes the trace atomically, one event per line.
    public static func write(
        graph: OperationGraph, cluster: Cluster, result: SimulationResult, to path: String
    ) throws(InputError) {
        try FileIO.writeAtomically(
            JSONWriter.string(
                document(graph: graph, cluster: cluster, result: result), inlineDepth: 2), to: path)
    }
}
