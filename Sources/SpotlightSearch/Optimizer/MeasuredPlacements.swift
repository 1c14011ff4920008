/// The placements a search has measured and what each measured, keyed by a 64-bit fingerprint of
/// its device per op: so that each batch can be drawn from placements the search has not seen yet
/// (`OptimizerConfiguration.redraws`), a repeat the redraws could not replace is answered from the
/// record instead of measured again, and a polish of the best placement need not measure any of
/// them (the `measured` argument of `LocalSearch.polish`).
///
/// Two different placements share a fingerprint with a probability of about 2^-64 per pair: in
/// a run of a million samples, about one chance in thirty million that a new placement is
/// wrongly taken for a measured one.
///
/// The record keeps at most `capacity` placements: past it, the slower half is forgotten (ties by
/// fingerprint), since a search returns near its fastest placements, and one forgotten is only
/// measured again. So a run of any length holds a bounded record; the rule depends on the record
/// alone, so a checkpoint's record goes on as the run would have.
public struct MeasuredPlacements: Sendable, Equatable {
    /// What a measurement gave: a step time, and whether the placement ran out of memory.
    /// Failed measurements are not recorded, so those placements may be measured again.
    public private(set) var results: [UInt64: Evaluation] = [:]
    public let capacity: Int

    /// Placements kept at most by default (some tens of megabytes).
    public static let defaultCapacity = 1 << 19

    public init(capacity: Int = defaultCapacity) {
        precondition(capacity >= 2, "room for at least two placements")
        self.capacity = capacity
    }

    public var count: Int { results.count }

    public func contains(_ fingerprint: UInt64) -> Bool { results[fingerprint] != nil }

    /// The recorded measurement of a placement, or nil if it has none.
    public func result(of fingerprint: UInt64) -> Evaluation? { results[fingerprint] }

    /// Records `evaluation` for a placement (replacing an earlier record, as a confirmed median
    /// replaces a first measurement); a failed one (no step time) is not recorded.
    public mutating func record(_ fingerprint: UInt64, _ evaluation: Evaluation) {
        guard let stepTime = evaluation.stepTime else { return }
        results[fingerprint] = Evaluation(stepTime: stepTime, outOfMemory: evaluation.outOfMemory)
        if results.count > capacity { forgetSlowerHalf() }
    }

    /// Keeps the faster half (out-of-memory placements count as slowest).
    private mutating func forgetSlowerHalf() {
        let ranked = results.sorted { a, b in
            let (ta, tb) = (
                a.value.outOfMemory ? .infinity : a.value.stepTime!,
                b.value.outOfMemory ? .infinity : b.value.stepTime!
            )
            return ta != tb ? ta < tb : a.key < b.key
        }
        results = Dictionary(
            uniqueKeysWithValues: ranked.prefix(capacity / 2).map { ($0.key, $0.value) })
    }

    /// The fingerprint of a device per op: each device is folded in through SplitMix64's
    /// finaliser, a bijection that mixes every input bit into every output bit, so that unlike a
    /// polynomial hash no structured pair of placements collides more often than chance.
    public static func fingerprint(_ assignment: [Int]) -> UInt64 {
        var hash: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(assignment.count)
        for device in assignment {
            hash = mix(hash ^ UInt64(bitPattern: Int64(device &+ 1)) &+ 0x9E37_79B9_7F4A_7C15)
        }
        return hash
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
