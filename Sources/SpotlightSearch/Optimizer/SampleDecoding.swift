/// How the commands have a search place its whole samples (`OptimizerConfiguration`'s
/// `preferenceStrength`): as preferences that list scheduling places (`PreferenceDecoder`), or as
/// the placements themselves, as in both papers.
public enum SampleDecoding: String, Sendable, CaseIterable {
    /// Preferences when the search starts from no placement or from list scheduling's own
    /// (`heft`, polished or not), placements when another heuristic's is faster: near that one's
    /// placement, list scheduling's are slower, and a policy taught it proposes better.
    /// Measuring exactly, falls back to placements when the first batch of preferences finds
    /// nothing faster than the start (`OptimizerConfiguration.preferenceFallback`). Chosen on
    /// held-out seeds (BENCHMARKS.md, "Preferences placed by list scheduling", "Falling back to
    /// placements").
    case auto
    /// Always preferences.
    case list
    /// Always placements.
    case direct

    /// The strength of a preference (`preferenceStrength`) for a search from `start`, or nil for
    /// placements.
    public func preferenceStrength(_ strength: Double, start: BaselineResult?) -> Double? {
        switch self {
        case .list: strength
        case .direct: nil
        case .auto: (start.map { $0.method.hasPrefix("heft") } ?? true) ? strength : nil
        }
    }

    /// Whether a search with preferences falls back to placements when its first batch finds
    /// nothing faster (`OptimizerConfiguration.preferenceFallback`): `auto` only, since `list`
    /// asks for preferences throughout.
    public var fallsBackToPlacements: Bool { self == .auto }

    /// The strength the commands use unless told: chosen among 0.25, 0.5, 1 and 2 on held-out
    /// seeds (BENCHMARKS.md, "Preferences placed by list scheduling").
    public static let defaultStrength = 0.25
}
