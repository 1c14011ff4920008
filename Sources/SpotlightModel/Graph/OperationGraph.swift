/// A training-step operation graph in flat arrays indexed by op id (0..<count, the order of the
/// graph file). Names appear only at the edges: loading, saving and messages.
///
/// Edges are stored twice in compressed sparse row form: `inputStart`/`inputOp` for each op's
/// producers and `outputStart`/`outputOp` for its consumers, so that the simulator and the stage
/// grouping walk them without allocation.
public struct OperationGraph: Sendable {
    public let name: String
    /// Free text: framework, model, batch size, how the graph was exported.
    public let source: String

    public let opNames: [String]
    public let opTypes: [String]
    /// Distinct op types in order of first appearance, and each op's index into them, so that
    /// per-type work (classification, statistics) runs once per type rather than once per op.
    public let typeNames: [String]
    public let typeID: [Int]
    public let outputBytes: [Double]
    public let flops: [Double]
    public let bytesAccessed: [Double]
    public let persistentBytes: [Double]

    /// Producers of op `i` are `inputOp[inputStart[i]..<inputStart[i + 1]]`; `inputBytes` is the
    /// size each edge carries.
    public let inputStart: [Int]
    public let inputOp: [Int]
    public let inputBytes: [Double]

    /// Consumers of op `i` are `outputOp[outputStart[i]..<outputStart[i + 1]]`, with the size each
    /// edge carries in `outputEdgeBytes`.
    public let outputStart: [Int]
    public let outputOp: [Int]
    public let outputEdgeBytes: [Double]

    /// Measured times of op `i`: entries `measuredStart[i]..<measuredStart[i + 1]` of
    /// `measuredType` (an index into `measuredTypeNames`) and `measuredMicroseconds`.
    public let measuredStart: [Int]
    public let measuredType: [Int]
    public let measuredMicroseconds: [Double]
    public let measuredTypeNames: [String]

    /// Device kinds named by any op's `devices`; bit `k` of `allowedKinds[i]` allows
    /// `kindNames[k]`. A mask of 0 means the op may run on any kind.
    public let kindNames: [String]
    public let allowedKinds: [UInt64]

    /// The op that op `i` must share a device with, or -1.
    public let colocateWith: [Int]
    /// The representative of op `i`'s colocation set (ops joined by `colocate_with`, transitively):
    /// ops with equal roots must share a device.
    public let colocationRoot: [Int]
    public let groupNames: [String]
    /// Index into `groupNames`, or -1 when the op has no group hint.
    public let groupOf: [Int]
    /// The device name a human expert would choose, if the file gives one.
    public let expert: [String?]

    /// Ops in dependency order; among ready ops, the one earlier in the file comes first.
    public let topologicalOrder: [Int]
    /// Longest path, in edges, from any source op to op `i`.
    public let depth: [Int]
    /// The number of ops on the longest dependency chain.
    public let criticalPathLength: Int

    let idByName: [String: Int]

    init(
        name: String, source: String, opNames: [String], opTypes: [String], outputBytes: [Double],
        flops: [Double], bytesAccessed: [Double], persistentBytes: [Double],
        inputStart: [Int], inputOp: [Int], inputBytes: [Double],
        measuredStart: [Int], measuredType: [Int], measuredMicroseconds: [Double],
        measuredTypeNames: [String],
        kindNames: [String], allowedKinds: [UInt64], colocateWith: [Int], colocationRoot: [Int],
        groupNames: [String], groupOf: [Int],
        expert: [String?], topologicalOrder: [Int], depth: [Int], idByName: [String: Int]
    ) {
        self.name = name
        self.source = source
        self.opNames = opNames
        self.opTypes = opTypes
        var typeIndex: [String: Int] = [:]
        var typeNames: [String] = []
        self.typeID = opTypes.map { type in
            if let known = typeIndex[type] { return known }
            typeIndex[type] = typeNames.count
            typeNames.append(type)
            return typeNames.count - 1
        }
        self.typeNames = typeNames
        self.outputBytes = outputBytes
        self.flops = flops
        self.bytesAccessed = bytesAccessed
        self.persistentBytes = persistentBytes
        self.inputStart = inputStart
        self.inputOp = inputOp
        self.inputBytes = inputBytes
        self.measuredStart = measuredStart
        self.measuredType = measuredType
        self.measuredMicroseconds = measuredMicroseconds
        self.measuredTypeNames = measuredTypeNames
        self.kindNames = kindNames
        self.allowedKinds = allowedKinds
        self.colocateWith = colocateWith
        self.colocationRoot = colocationRoot
        self.groupNames = groupNames
        self.groupOf = groupOf
        self.expert = expert
        self.topologicalOrder = topologicalOrder
        self.depth = depth
        self.criticalPathLength = (depth.max() ?? -1) + 1
        self.idByName = idByName
        (self.outputStart, self.outputOp, self.outputEdgeBytes) = Self.reverseEdges(
            count: opNames.count, inputStart: inputStart, inputOp: inputOp, inputBytes: inputBytes)
    }

    public var count: Int { opNames.count }
    public var edgeCount: Int { inputOp.count }

    /// The id of the op called `name`, if there is one.
    public func opID(named name: String) -> Int? { idByName[name] }

    public func inputs(of op: Int) -> ArraySlice<Int> {
        inputOp[inputStart[op]..<inputStart[op + 1]]
    }
    public func consumers(of op: Int) -> ArraySlice<Int> {
        outputOp[outputStart[op]..<outputStart[op + 1]]
    }

    public var totalFlops: Double { flops.reduce(0, +) }
    public var totalPersistentBytes: Double { persistentBytes.reduce(0, +) }

    /// The measured time of `op` on device type index `typeIndex` of `measuredTypeNames`, if given.
    public func measuredTime(of op: Int, deviceType: String) -> Double? {
        for entry in measuredStart[op]..<measuredStart[op + 1]
        where measuredTypeNames[measuredType[entry]] == deviceType {
            return measuredMicroseconds[entry]
        }
        return nil
    }

    private static func reverseEdges(
        count: Int, inputStart: [Int], inputOp: [Int], inputBytes: [Double]
    ) -> ([Int], [Int], [Double]) {
        var start = [Int](repeating: 0, count: count + 1)
        for producer in inputOp { start[producer + 1] += 1 }
        for op in 0..<count { start[op + 1] += start[op] }
        var fill = start
        var consumers = [Int](repeating: 0, count: inputOp.count)
        var bytes = [Double](repeating: 0, count: inputOp.count)
        for consumer in 0..<count {
            for edge in inputStart[consumer]..<inputStart[consumer + 1] {
                let producer = inputOp[edge]
                consumers[fill[producer]] = consumer
                bytes[fill[producer]] = inputBytes[edge]
                fill[producer] += 1
            }
        }
        return (start, consumers, bytes)
    }
}
