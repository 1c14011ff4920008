import SpotlightModel

/// Compute time of every op on every device, resolved once per (graph, cluster) into a flat
/// `opCount x deviceCount` matrix.
///
/// An op's time on a device is its measured `time_us` for the device's `type` when the graph gives
/// one, used as is; otherwise the roofline `max(flops / rate, bytes_accessed / bandwidth)` plus the
/// device's launch overhead.
public struct CostModel: Sendable {
    public let deviceCount: Int
    /// `computeTime[op * deviceCount + device]`, in microseconds.
    public let computeTime: [Double]

    public init(graph: OperationGraph, cluster: Cluster) {
        let devices = cluster.deviceCount
        // Which measured-type column, if any, each device reads.
        let measuredColumn: [Int] = cluster.devices.map { device in
            graph.measuredTypeNames.firstIndex(of: device.type) ?? -1
        }
        var times = [Double](repeating: 0, count: graph.count * devices)
        for op in 0..<graph.count {
            for device in 0..<devices {
                var time = -1.0
                let column = measuredColumn[device]
                if column >= 0 {
                    for entry in graph.measuredStart[op]..<graph.measuredStart[op + 1]
                    where graph.measuredType[entry] == column {
                        time = graph.measuredMicroseconds[entry]
                    }
                }
                if time < 0 {
                    time =
                        max(
                            graph.flops[op] / cluster.flopsPerMicrosecond[device],
                            graph.bytesAccessed[op] / cluster.memoryBytesPerMicrosecond[device])
                        + cluster.launchMicroseconds[device]
                }
                times[op * devices + device] = time
            }
        }
        self.deviceCount = devices
        self.computeTime = times
    }

    /// A model with these times, `computeTime[op * deviceCount + device]`.
    public init(deviceCount: Int, computeTime: [Double]) {
        self.deviceCount = deviceCount
        self.computeTime = computeTime
    }

    @inline(__always)
    public func time(op: Int, device: Int) -> Double { computeTime[op * deviceCount + device] }
}
