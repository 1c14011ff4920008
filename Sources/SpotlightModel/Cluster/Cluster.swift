/// A machine's devices and the links between them, in flat arrays indexed by device id (the
/// order of the cluster file), with rates converted once into per-microsecond units.
///
/// Links are full duplex, so each ordered pair (from, to) is its own channel; the dense
/// `deviceCount x deviceCount` matrices hold the rate and latency of every channel, taken from
/// the declared link or else from the default link.
public struct Cluster: Sendable {
    /// A device as the cluster file describes it.
    public struct Device: Sendable, Equatable {
        public var name: String
        /// What ops' `devices` lists name: "cpu", "gpu", ...
        public var kind: String
        /// The key of ops' `time_us` tables, for example "k80".
        public var type: String
        public var gflops: Double
        public var memoryGBytesPerSecond: Double
        public var memoryGBytes: Double
        public var launchMicroseconds: Double

        public init(
            name: String, kind: String, type: String? = nil, gflops: Double,
            memoryGBytesPerSecond: Double,
            memoryGBytes: Double, launchMicroseconds: Double = 0
        ) {
            self.name = name
            self.kind = kind
            self.type = type ?? kind
            self.gflops = gflops
            self.memoryGBytesPerSecond = memoryGBytesPerSecond
            self.memoryGBytes = memoryGBytes
            self.launchMicroseconds = launchMicroseconds
        }
    }

    /// A link's rate and latency.
    public struct LinkSpeed: Sendable, Equatable {
        public var gbytesPerSecond: Double
        public var latencyMicroseconds: Double

        public init(gbytesPerSecond: Double, latencyMicroseconds: Double = 0) {
            self.gbytesPerSecond = gbytesPerSecond
            self.latencyMicroseconds = latencyMicroseconds
        }
    }

    /// A declared link between two devices (both directions).
    public struct Link: Sendable, Equatable {
        public var between: (Int, Int)
        public var speed: LinkSpeed

        public init(between: (Int, Int), speed: LinkSpeed) {
            self.between = between
            self.speed = speed
        }

        public static func == (lhs: Link, rhs: Link) -> Bool {
            lhs.between == rhs.between && lhs.speed == rhs.speed
        }
    }

    /// Devices beyond this count are rejected: placement masks are 64-bit.
    public static let maximumDevices = 64

    public let name: String
    public let devices: [Device]
    public let links: [Link]
    public let defaultLink: LinkSpeed?

    /// Compute rate in flops per microsecond (1 GFLOP/s = 1e3 flops/us).
    public let flopsPerMicrosecond: [Double]
    /// Memory bandwidth in bytes per microsecond (1 GB/s = 1e3 bytes/us).
    public let memoryBytesPerMicrosecond: [Double]
    /// Memory capacity in bytes (1 GB = 1e9 bytes).
    public let memoryCapacityBytes: [Double]
    public let launchMicroseconds: [Double]
    /// Channel `from * deviceCount + to`: bytes per microsecond; 0 on the diagonal.
    public let channelBytesPerMicrosecond: [Double]
    /// Channel `from * deviceCount + to`: latency in microseconds; 0 on the diagonal.
    public let channelLatencyMicroseconds: [Double]
    /// Distinct device kinds in order of first appearance, and each device's index into it.
    public let kindNames: [String]
    public let kindOf: [Int]

    let idByName: [String: Int]

    public var deviceCount: Int { devices.count }

    public func deviceID(named name: String) -> Int? { idByName[name] }

    /// Microseconds to move `bytes` from device `from` to device `to` (0 when they are the same).
    @inline(__always)
    public func transferTime(bytes: Double, from: Int, to: Int) -> Double {
        if from == to { return 0 }
        let channel = from * devices.count + to
        return channelLatencyMicroseconds[channel] + bytes / channelBytesPerMicrosecond[channel]
    }
}
