import SpotlightModel

extension CheckpointReader {
    /// The cross-entropy step's settings. Checkpoints from before it have none: their search
    /// goes on without it, as it ran.
    mutating func readCrossEntropy(
        _ settings: FieldReader, into configuration: inout OptimizerConfiguration
    ) {
        configuration.crossEntropyEvery =
            optionalNumber(settings, "cross_entropy_every").map(Self.whole) ?? 0
        configuration.eliteCount =
            optionalNumber(settings, "elite_count").map(Self.whole) ?? configuration.eliteCount
        configuration.crossEntropySteps =
            optionalNumber(settings, "cross_entropy_steps").map(Self.whole)
            ?? configuration.crossEntropySteps
        configuration.crossEntropyLearningRate =
            optionalNumber(settings, "cross_entropy_learning_rate").map(Float.init)
            ?? configuration.crossEntropyLearningRate
        requireCounts(
            settings,
            [
                ("cross_entropy_every", configuration.crossEntropyEvery),
                ("elite_count", configuration.eliteCount),
                ("cross_entropy_steps", configuration.crossEntropySteps),
            ])
        let rate = configuration.crossEntropyLearningRate
        if !(rate.isFinite && rate >= 0) {
            log.add(
                settings.memberPath("cross_entropy_learning_rate"),
                "expected a finite number of at least 0")
        }
    }

    /// The placements kept for the next cross-entropy step, each `[step time, [device per
    /// stage]]`: a time above zero, and for each of the search's stages a device it may use.
    mutating func readElites(
        _ fields: FieldReader, into state: inout OptimizerState, optimizer: Optimizer
    ) {
        guard case .array(let entries)? = fields["elites"] else { return }
        let inputs = optimizer.inputs
        state.elites = []
        for (index, entry) in entries.enumerated() {
            if let elite = Self.elite(entry, inputs: inputs) {
                state.elites.append(elite)
            } else {
                log.add(
                    JSONPath.element(fields.memberPath("elites"), index),
                    "expected [step time in us above 0, [\(inputs.stageCount) device numbers, each "
                        + "one its stage may use]]")
            }
        }
    }

    /// An elite whose device at each stage is one the stage may use (`PolicyInputs.allows`):
    /// the policy's masked softmax gives any other none, and could not be taught it.
    private static func elite(_ entry: JSONValue, inputs: PolicyInputs)
        -> OptimizerState.Elite?
    {
        guard case .array(let cells) = entry, cells.count == 2,
            case .number(let time) = cells[0], time.isFinite, time > 0,
            case .array(let choices) = cells[1], choices.count == inputs.stageCount
        else { return nil }
        var stageDevices: [Int] = []
        stageDevices.reserveCapacity(choices.count)
        for (stage, choice) in choices.enumerated() {
            guard case .number(let value) = choice else { return nil }
            let device = whole(value)
            guard inputs.allows(stage: stage, device: device) else { return nil }
            stageDevices.append(device)
        }
        return OptimizerState.Elite(stepTime: time, stageDevices: stageDevices)
    }
}
