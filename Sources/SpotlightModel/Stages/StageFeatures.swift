#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the policy sees of one stage: sizes, position in the graph, kinds of work, device limits.
public struct StageFeatures: Sendable, Equatable {
    public var opCount: Int
    public var flops: Double
    public var outputBytes: Double
    public var persistentBytes: Double
    /// Mean topological depth of the stage's ops, divided by the graph's greatest depth (0...1).
    public var relativeDepth: Double
    /// How many ops fall in each `OpCategory`, indexed by its raw value.
    public var categoryCounts: [Int]
    /// Device kinds (bits over the graph's `kindNames`) that every restricted op of the stage
    /// allows; 0 when no op is restricted.
    public var allowedKinds: UInt64
    /// True when the stage's restricted ops allow no common kind, so no single device suits all.
    public var hasConflictingKinds: Bool

    /// The number of entries `vector(kindCount:)` produces before the kind bits.
    public static let scalarCount = 5 + OpCategory.allCases.count

    /// The features as numbers of similar scale: logarithms of sizes, fractions of the histogram,
    /// the relative depth and one 0/1 entry per device kind. Normalisation across stages is the
    /// policy's business.
    public func vector(kindCount: Int) -> [Float] {
        var values: [Float] = [
            Float(log1p(Double(opCount))),
            Float(log1p(flops / 1e6)),
            Float(log1p(outputBytes / 1e3)),
            Float(log1p(persistentBytes / 1e3)),
            Float(relativeDepth),
        ]
        let total = Float(max(opCount, 1))
        values += categoryCounts.map { Float($0) / total }
        for kind in 0..<kindCount {
            values.append(allowedKinds == 0 || allowedKinds & (1 << UInt64(kind)) != 0 ? 1 : 0)
        }
        return values
    }
}
