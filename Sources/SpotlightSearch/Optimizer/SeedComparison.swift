/// How one method's best step times compare with another's over the same seeds: the mean of the
/// per-seed ratios with its standard error, and the seeds won and tied.
///
/// On these searches one seed's best can differ from the next seed's by several percent, so a
/// mean ratio within about two standard errors of 1 says little about which method is faster; the
/// benchmark tables print both so that a reader can tell a margin from seed luck.
public struct SeedComparison: Sendable, Equatable {
    /// Seeds compared.
    public var seeds: Int
    /// Mean over seeds of `times[s] / others[s]`.
    public var meanRatio: Double
    /// The sample standard deviation of the ratios over the square root of the seed count; `nil`
    /// with a single seed.
    public var standardError: Double?
    /// Seeds where `times` was strictly lower, and where the two were equal.
    public var wins: Int
    public var ties: Int

    /// Compares `times` with `others`, seed by seed (the same seeds in the same order).
    public init(_ times: [Double], against others: [Double]) {
        precondition(
            times.count == others.count && !times.isEmpty, "one time per seed for each method")
        let ratios = zip(times, others).map { $0 / $1 }
        seeds = ratios.count
        meanRatio = ratios.reduce(0, +) / Double(seeds)
        if seeds > 1 {
            let mean = meanRatio
            let variance = ratios.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(seeds - 1)
            standardError = (variance / Double(seeds)).squareRoot()
        }
        wins = zip(times, others).filter { $0 < $1 }.count
        ties = zip(times, others).filter { $0 == $1 }.count
    }
}
