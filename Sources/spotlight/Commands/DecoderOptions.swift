import ArgumentParser
import SpotlightSearch

/// What a learned search's whole samples are (`SampleDecoding`): the options of every command
/// that runs one.
struct DecoderOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "What a sample's device per stage means: list (a preference that HEFT's list "
                + "scheduling places), direct (the device of the stage's ops, as in the papers) "
                + "or auto (list unless a heuristic other than HEFT gives the start).",
            discussion:
                "As preferences, the policy starts uniform and its samples are placed near "
                + "HEFT's; a preferred device wins unless another finishes the op earlier by "
                + "more than --preference-strength times its work."
        ))
    var decoder: SampleDecoding = .auto
    @Option(help: "The share of an op's work a preferred device is worth (with --decoder list).")
    var preferenceStrength = SampleDecoding.defaultStrength

    func validate() throws {
        guard preferenceStrength > 0, preferenceStrength.isFinite else {
            throw ValidationError("--preference-strength must be positive")
        }
    }

    /// The configuration's `preferenceStrength` for a search from `start` (nil: placements).
    func preferenceStrength(start: BaselineResult?) -> Double? {
        decoder.preferenceStrength(preferenceStrength, start: start)
    }
}

extension SampleDecoding: ExpressibleByArgument {}
