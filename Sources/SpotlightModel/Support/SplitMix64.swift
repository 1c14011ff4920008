#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small, fast, seedable generator (Steele, Lea, Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014). Same seed, same sequence, on every platform; its whole state is one
/// word, so checkpoints can save and restore it exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal sample (Box-Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), 1e-300)
        let u2 = nextUnit()
        return sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
    }

    /// A log-normal sample with the given median, clamped to `range`.
    public mutating func nextLogNormal(median: Double, sigma: Double, range: ClosedRange<Double>)
        -> Double
    {
        min(max(median * exp(sigma * nextGaussian()), range.lowerBound), range.upperBound).rounded()
    }

    /// A uniform integer in `range`, without the bias of a plain modulo.
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }
}
