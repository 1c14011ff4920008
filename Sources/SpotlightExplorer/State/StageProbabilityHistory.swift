/// The policy's q(device | stage) for every stage at the iterations the explorer has seen, for
/// the policy view's chart of the selected stage. Bounded however long the search runs: it keeps
/// an iteration only when `stride` iterations have passed since the last one kept, and once
/// `limit` entries are held it drops every other one and doubles the stride, so the entries stay
/// evenly spaced over the whole run. Each q is kept in steps of 1/255, one byte, so a full history
/// of 256 stages on 8 devices holds about half a megabyte. Recording is O(stages × devices).
public struct StageProbabilityHistory: Sendable, Equatable {
    /// Entries kept at most: more than the widest chart has dot columns.
    public static let limit = 256

    public let stageCount: Int
    public let deviceCount: Int
    /// The iteration of each entry, oldest first.
    public private(set) var iterations: [Int] = []
    /// Iterations between kept entries.
    public private(set) var stride = 1
    /// Entry-major: `entry * stageCount * deviceCount + stage * deviceCount + device`.
    private var quantized: [UInt8] = []

    public init(stageCount: Int, deviceCount: Int) {
        self.stageCount = max(stageCount, 0)
        self.deviceCount = max(deviceCount, 0)
    }

    /// Adds the policy of `iteration`, unless it is not newer than the last entry by `stride`
    /// or its shape is not this history's (a policy of another problem).
    public mutating func record(iteration: Int, probabilities: [[Float]]) {
        guard probabilities.count == stageCount,
            probabilities.allSatisfy({ $0.count == deviceCount }),
            iteration >= (iterations.last ?? Int.min / 2) + stride
        else { return }
        iterations.append(iteration)
        for row in probabilities {
            // NaN (a broken policy) as 0, so that no value traps the conversion.
            for q in row {
                quantized.append(q.isNaN ? 0 : UInt8((min(max(q, 0), 1) * 255).rounded()))
            }
        }
        if iterations.count > Self.limit { halve() }
    }

    /// q(device | stage) at each entry, oldest first.
    public func series(stage: Int, device: Int) -> [Double] {
        guard (0..<stageCount).contains(stage), (0..<deviceCount).contains(device) else {
            return []
        }
        let entrySize = stageCount * deviceCount
        return iterations.indices.map { entry in
            Double(quantized[entry * entrySize + stage * deviceCount + device]) / 255
        }
    }

    /// Keeps the even-numbered entries and doubles the stride.
    private mutating func halve() {
        let entrySize = stageCount * deviceCount
        var keptIterations: [Int] = []
        var kept: [UInt8] = []
        kept.reserveCapacity(quantized.count / 2 + entrySize)
        for entry in Swift.stride(from: 0, to: iterations.count, by: 2) {
            keptIterations.append(iterations[entry])
            kept.append(contentsOf: quantized[(entry * entrySize)..<((entry + 1) * entrySize)])
        }
        iterations = keptIterations
        quantized = kept
        stride *= 2
    }
}
