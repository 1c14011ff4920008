import SpotlightModel

extension CheckpointReader {
    /// The configuration's samples as preferences: `preference_strength` (a number, or null for
    /// placements), `preference_fallback` and `stage_logits` (Booleans). Checkpoints from before
    /// preferences have none and sampled placements; those from before the fallback never fell
    /// back, nor had stage logits those from before them.
    mutating func readPreferences(
        _ settings: FieldReader, into configuration: inout OptimizerConfiguration
    ) {
        switch settings["preference_strength"] {
        case nil, .null?: configuration.preferenceStrength = nil
        case .number(let strength)?: configuration.preferenceStrength = strength
        default: log.add(settings.memberPath("preference_strength"), "expected a number or null")
        }
        configuration.preferenceFallback = flag(settings, "preference_fallback")
        configuration.stageLogits = flag(settings, "stage_logits")
    }

    /// The state's `preferences_dropped_at`: the iteration after which the search sampled
    /// placements instead of preferences (a whole number of at least 1), or null (or absent)
    /// while it kept them.
    mutating func readPreferencesDropped(_ fields: FieldReader, into state: inout OptimizerState) {
        switch fields["preferences_dropped_at"] {
        case nil, .null?: state.preferencesDroppedAt = nil
        case .number(let iteration)? where iteration == iteration.rounded() && iteration >= 1:
            state.preferencesDroppedAt = Self.whole(iteration)
        default:
            log.add(
                fields.memberPath("preferences_dropped_at"),
                "expected a whole number of at least 1, or null")
        }
    }
}
