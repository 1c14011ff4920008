/// What a simulated training step measured.
public struct SimulationResult: Sendable, Equatable {
    /// When the last op finished, in microseconds.
    public var stepTime: Double
    /// True when some device's peak memory exceeds its capacity: the placement is invalid.
    public var outOfMemory: Bool
    /// Microseconds each device spent computing.
    public var deviceBusy: [Double]
    /// Highest bytes resident on each device at any instant.
    public var devicePeakMemory: [Double]
    /// Per directed channel `from * deviceCount + to`: bytes carried and microseconds busy.
    public var channelBytes: [Double]
    public var channelBusy: [Double]
    public var transferCount: Int
    /// The chain of ops and transfers that determined the step time, first to last.
    public var criticalPath: [CriticalPathStep]
    /// Every op's and transfer's times and the memory curve, when requested.
    public var timeline: Timeline?

    public var deviceCount: Int { deviceBusy.count }
}

/// One link of the critical path: an op on its device, or a producer's tensor crossing a link.
public enum CriticalPathStep: Sendable, Equatable {
    case op(Int)
    case transfer(Int, producer: Int, from: Int, to: Int)
}

/// The full schedule of a simulated step, for traces and the explorer.
public struct Timeline: Sendable, Equatable {
    public struct Transfer: Sendable, Equatable {
        public var producer: Int
        public var from: Int
        public var to: Int
        public var bytes: Double
        public var start: Double
        public var end: Double
    }

    public struct MemorySample: Sendable, Equatable {
        public var time: Double
        public var device: Int
        public var bytes: Double
    }

    public var assignment: [Int]
    public var opStart: [Double]
    public var opFinish: [Double]
    public var transfers: [Transfer]
    /// Resident bytes on a device after each change, in time order.
    public var memory: [MemorySample]
}
