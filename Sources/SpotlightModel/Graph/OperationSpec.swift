/// One operation as a graph file describes it, with names rather than ids.
///
/// This is the form that users' exporters and the synthetic generator produce; `OperationGraph`
/// resolves a list of them into flat arrays indexed by op id.
public struct OperationSpec: Sendable, Equatable {
    /// An incoming edge: the producer's name and, if it differs from the producer's
    /// `outputBytes`, the bytes this edge carries.
    public struct Input: Sendable, Equatable {
        public var from: String
        public var bytes: Double?

        public init(_ from: String, bytes: Double? = nil) {
            self.from = from
            self.bytes = bytes
        }
    }

    /// A measured compute time on one device type (the cluster's device `type`).
    public struct MeasuredTime: Sendable, Equatable {
        public var deviceType: String
        public var microseconds: Double

        public init(deviceType: String, microseconds: Double) {
            self.deviceType = deviceType
            self.microseconds = microseconds
        }
    }

    public var name: String
    public var type: String
    public var inputs: [Input] = []
    public var outputBytes: Double = 0
    public var flops: Double = 0
    public var bytesAccessed: Double = 0
    public var measuredTimes: [MeasuredTime] = []
    public var persistentBytes: Double = 0
    /// Device kinds the op may run on; `nil` means any.
    public var deviceKinds: [String]? = nil
    public var colocateWith: String? = nil
    public var group: String? = nil
    public var expert: String? = nil

    public init(name: String, type: String) {
        self.name = name
        self.type = type
    }
}
