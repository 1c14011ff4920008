/// The placements a search has measured, kept as 64-bit fingerprints of their device per op, so
/// that each batch can be drawn from placements the search has not seen yet
/// (`OptimizerConfiguration.redraws`), and a polish of its best placement need not measure any of
/// them again (`LocalSearch.polish(_:stepTime:evaluator:budget:seed:confirmations:method:measured:shouldStop:progress:)`).
///
/// Two different placements share a fingerprint with a probability of about 2^-64 per pair: in
/// a run of a million samples, about one chance in thirty million that a new placement is
/// wrongly taken for a measured one.
public struct MeasuredPlacements: Sendable, Equatable {
    public private(set) var fingerprints: Set<UInt64> = []

    public init(fingerprints: some Sequence<UInt64> = []) {
        self.fingerprints = Set(fingerprints)
    }

    public var count: Int { fingerprints.count }

    public func contains(_ fingerprint: UInt64) -> Bool { fingerprints.contains(fingerprint) }

    /// Adds `fingerprint`; `inserted` is false when it was there already.
    @discardableResult
    public mutating func insert(_ fingerprint: UInt64) -> (inserted: Bool, memberAfterInsert: UInt64) {
        fingerprints.insert(fingerprint)
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
