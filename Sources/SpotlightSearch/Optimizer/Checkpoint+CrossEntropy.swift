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
        let counts = [
            ("cross_entropy_every", configuration.crossEntropyEvery),
            ("elite_count", configuration.eliteCount),
            ("cross_entropy_steps", configuration.crossEntropySteps),
        ]
        for (key, value) in counts where value < 0 {
            log.add(settings.memberPath(key), "expected a whole number of at least 0")
        }
        let rate = configuration.crossEntropyLearningRate
        if !(rate.isFinite && rate >= 0) {
            log.add(
                settings.memberPath("cross_entropy_learning_rate"),
                "expected a finite number of at least 0")
        }
    }

    /// The placements kept for the next cross-entropy step, each `[step time, [device per
    /// stage]]`: a time above zero, and an allowed device for each of the search's stages.
    mutating func readElites(
        _ fields: FieldReader, into state: inout OptimizerState, optimizer: Optimizer
    ) {
        guard case .array(let entries)? = fields["elites"] else { return }
        let stages = optimizer.inputs.stageCount
        let devices = optimizer.problem.cluster.deviceCount
        state.elites = []
        for (index, entry) in entries.enumerated() {
            if let elite = Self.elite(entry, stages: stages, devices: devices) {
                state.elites.append(elite)
            } else {
                log.add(
                    JSONPath.element(fields.memberPath("elites"), index),
                    "expected [step time in us above 0, [\(stages) device numbers below \(devices)]]"
                )
            }
        }
    }

    private static func elite(_ entry: JSONValue, stages: Int, devices: Int)
        -> OptimizerState.Elite?
    {
        guard case .array(let cells) = entry, cells.count == 2,
            case .number(let time) = cells[0], time.isFinite, time > 0,
            case .array(let choices) = cells[1], choices.count == stages
        else { return nil }
        var stageDevices: [Int] = []
        stageDevices.reserveCapacity(stages)
        for choice in choices {
            guard case .number(let value) = choice else { return nil }
            let device = whole(value)
            guard (0..<devices).contains(device) else { return nil }
            stageDevices.append(device)
        }
        return OptimizerState.Elite(stepTime: time, stageDevices: stageDevices)
    }
}
