import ArgumentParser
import SpotlightSearch

/// What a learned search's whole samples are (`SampleDecoding`): the options of every command
/// that runs one.
struct DecoderOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "What a sample's device per stage means: list (a preference that HEFT's list "
                + "scheduling places), direct (the device of the stage's ops, as in the papers) "
                + "or auto (list unless a heuristic other than HEFT gives the start; measuring "
                + "exactly, direct after a first batch of preferences that finds nothing "
                + "faster).",
            discussion:
                "As preferences, the policy starts uniform and its samples are placed near "
                + "HEFT's; a preferred device wins unless another finishes the op earlier by "
                + "more than --preference-strength times its work."
        ))
    var decoder: SampleDecoding = .auto
    @Option(help: "The share of an op's work a preferred device is worth (with --decoder list).")
    var preferenceStrength = SampleDecoding.defaultStrength
    @Flag(
        inversion: .prefixedNo,
        help: "With preferences: give the policy a learned logit per stage and device.")
    var stageLogits = true

    func validate() throws {
        guard preferenceStrength > 0, preferenceStrength.isFinite else {
            throw ValidationError("--preference-strength must be positive")
        }
    }

    /// Sets what `configuration`'s samples are for a search from `start`: its
    /// `preferenceStrength` (nil: placements), `preferenceFallback` and `stageLogits`.
    func configure(_ configuration: inout OptimizerConfiguration, start: BaselineResult?) {
        configuration.preferenceStrength = decoder.preferenceStrength(
            preferenceStrength, start: start)
        configuration.preferenceFallback = decoder.fallsBackToPlacements
        configuration.stageLogits = stageLogits
    }
}

extension SampleDecoding: ExpressibleByArgument {}
