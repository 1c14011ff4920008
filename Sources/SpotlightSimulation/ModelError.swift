import Foundation
import SpotlightModel

/// A machine that its model gets wrong: every op's time on each device type and every link's
/// rate scaled by its own log-normal factor (log-deviation `spread`, median 1). It stands in for
/// hardware in benchmarks of searches that consult the model, which would otherwise be judged
/// against the model itself (BENCHMARKS.md, "Moves screened by the model").
///
/// The same factor applies to an op on every device of one type, and to both directions of a
/// link. Deterministic for a seed.
public struct ModelError: Sendable {
    public var spread: Double
    public var seed: UInt64

    public init(spread: Double, seed: UInt64) {
        self.spread = spread
        self.seed = seed
    }

    /// `cost` with each op's time on each device type scaled. O(ops x devices).
    public func cost(_ cost: CostModel, cluster: Cluster) -> CostModel {
        let types = cluster.devices.map(\.type)
        let typeIndex = types.map { types.firstIndex(of: $0)! }
        let devices = cost.deviceCount
        var random = SplitMix64(seed: seed &+ 0x7e57_0b5e)
        var times = cost.computeTime
        var factors = [Double](repeating: 1, count: devices)
        for op in 0..<(devices == 0 ? 0 : times.count / devices) {
            for device in 0..<devices where typeIndex[device] == device {
                factors[device] = exp(spread * random.nextGaussian())
            }
            for device in 0..<devices {
                times[op * devices + device] *= factors[typeIndex[device]]
            }
        }
        return CostModel(deviceCount: devices, computeTime: times)
    }

    /// `cluster` with each link between two devices declared at its rate scaled. O(devices²).
    public func cluster(_ cluster: Cluster) throws(InputError) -> Cluster {
        var random = SplitMix64(seed: seed &+ 0x11_4c5)
        return try cluster.scalingLinkRates { _, _ in exp(spread * random.nextGaussian()) }
    }
}

extension Cluster {
    /// This cluster with the link between each pair of devices `from < to` declared at its rate
    /// times `factor(from, to)`, latency kept; `factor` is called in order of `from`, then `to`.
    /// O(devices²).
    public func scalingLinkRates(_ factor: (Int, Int) -> Double) throws(InputError) -> Cluster {
        let count = deviceCount
        var links: [Cluster.Link] = []
        for from in 0..<count {
            for to in (from + 1)..<count {
                let channel = from * count + to
                let rate = channelBytesPerMicrosecond[channel] / 1e3
                links.append(
                    Cluster.Link(
                        between: (from, to),
                        speed: Cluster.LinkSpeed(
                            gbytesPerSecond: rate * factor(from, to),
                            latencyMicroseconds: channelLatencyMicroseconds[channel])))
            }
        }
        return try Cluster(name: name, devices: devices, links: links, defaultLink: nil)
    }
}
