import SpotlightModel

/// Saving and restoring a search, so that a run can stop and later continue exactly where it was:
/// the same weights, Adam moments, random state, baseline, penalty weight, pins, best placement
/// and history. A JSON document (`"format": "spotlight.checkpoint/1"`), written atomically;
/// numbers are written in their shortest exact form, the random state as hexadecimal.
public enum Checkpoint {
    public static let formatIdentifier = "spotlight.checkpoint/1"

    public static func save(_ optimizer: Optimizer, to path: String) throws(InputError) {
        try FileIO.writeAtomically(JSONWriter.compactString(document(optimizer)) + "\n", to: path)
    }

    static func document(_ optimizer: Optimizer) -> JSONValue {
        let problem = optimizer.problem
        return .object([
            ("format", .string(formatIdentifier)),
            ("graph", .string(problem.graph.name)),
            ("cluster", .string(problem.cluster.name)),
            ("ops", .number(Double(problem.graph.count))),
            ("stages", .number(Double(optimizer.inputs.stageCount))),
            ("stage_of", ints(problem.stages.stageOf)),
            ("devices", .number(Double(problem.cluster.deviceCount))),
            ("configuration", configurationDocument(optimizer.configuration)),
            ("state", stateDocument(optimizer.state)),
        ])
    }

    private static func floats(_ values: [Float]) -> JSONValue {
        .array(values.map { .number(Double($0)) })
    }
    private static func ints(_ values: [Int]) -> JSONValue {
        .array(values.map { .number(Double($0)) })
    }
    private static func optional(_ value: Double?) -> JSONValue {
        value.map(JSONValue.number) ?? .null
    }

    static func configurationDocument(_ configuration: OptimizerConfiguration) -> JSONValue {
        .object([
            ("method", .string(configuration.method.rawValue)),
            ("samples", .number(Double(configuration.samples))),
            ("hidden_size", .number(Double(configuration.hiddenSize))),
            ("embedding_size", .number(Double(configuration.embeddingSize))),
            ("learning_rate", .number(Double(configuration.learningRate))),
            ("epochs", .number(Double(configuration.epochs))),
            ("learning_rate_warmup", .number(Double(configuration.learningRateWarmup))),
            ("adam_epsilon", .number(Double(configuration.adamEpsilon))),
            ("initial_beta", .number(Double(configuration.initialBeta))),
            ("target_kl", .number(Double(configuration.targetKL))),
            ("kl_measure", .string(configuration.klMeasure.rawValue)),
            (
                "early_stop_kl",
                configuration.earlyStopKL.isFinite
                    ? .number(Double(configuration.earlyStopKL)) : .null
            ),
            ("entropy_weight", .number(Double(configuration.entropyWeight))),
            ("baseline_rate", .number(Double(configuration.baselineRate))),
            ("reward_baseline", .string(configuration.rewardBaseline.rawValue)),
            ("out_of_memory_penalty", .number(configuration.outOfMemoryPenalty)),
            ("confirmations", .number(Double(configuration.confirmations))),
            ("redraws", .number(Double(configuration.redraws))),
            ("anchor_moves", configuration.anchorMoves.map(JSONValue.number) ?? .null),
            ("sweep_share", .number(configuration.sweepShare)),
            (
                "preference_strength",
                configuration.preferenceStrength.map(JSONValue.number) ?? .null
            ),
            ("preference_fallback", .bool(configuration.preferenceFallback)),
            ("stage_logits", .bool(configuration.stageLogits)),
            ("cross_entropy_every", .number(Double(configuration.crossEntropyEvery))),
            ("elite_count", .number(Double(configuration.eliteCount))),
            ("cross_entropy_steps", .number(Double(configuration.crossEntropySteps))),
            (
                "cross_entropy_learning_rate",
                .number(Double(configuration.crossEntropyLearningRate))
            ),
            ("seed", .string(String(configuration.seed, radix: 16))),
        ])
    }

    static func stateDocument(_ state: OptimizerState) -> JSONValue {
        .object([
            ("parameters", floats(state.network.parameters)),
            ("adam_step", .number(Double(state.adam.step))),
            ("adam_first_moment", floats(state.adam.firstMoment)),
            ("adam_second_moment", floats(state.adam.secondMoment)),
            ("random_state", .string(String(state.random.state, radix: 16))),
            ("baseline", optional(state.baseline)),
            ("beta", .number(Double(state.beta))),
            ("iteration", .number(Double(state.iteration))),
            ("samples_evaluated", .number(Double(state.samplesEvaluated))),
            ("best_step_time_us", optional(state.bestStepTime)),
            ("best_assignment", state.bestAssignment.map(ints) ?? .null),
            ("worst_valid_step_time_us", .number(state.worstValidStepTime)),
            ("stage_pins", ints(state.stagePins)),
            ("op_pins", ints(state.opPins)),
            ("measured", measuredDocument(state.measured)),
            ("anchor_offset", .number(Double(state.anchorOffset))),
            ("swept_moves", ints(state.sweptMoves.indices.filter { state.sweptMoves[$0] })),
            (
                "elites",
                .array(
                    state.elites.map { .array([.number($0.stepTime), ints($0.stageDevices)]) })
            ),
            (
                "preferences_dropped_at",
                state.preferencesDroppedAt.map { .number(Double($0)) } ?? .null
            ),
            ("history", .array(state.history.map(historyEntry))),
        ])
    }

    /// One iteration's statistics as an array, in the order `CheckpointReader` reads them.
    static func historyEntry(_ stats: IterationStats) -> JSONValue {
        .array([
            .number(Double(stats.iteration)), optional(stats.meanStepTime),
            optional(stats.bestStepTime),
            optional(stats.worstStepTime), optional(stats.bestSoFar),
            .number(stats.meanReward), .number(stats.meanKL),
            .number(stats.maxKL), .number(stats.beta),
            .number(stats.entropy), .number(Double(stats.invalidSamples)),
            .number(Double(stats.outOfMemorySamples)),
            .number(stats.samplesPerSecond),
            .number(stats.evaluationSeconds),
            .number(stats.policySeconds),
            .number(Double(stats.repeatedSamples)),
            .number(Double(stats.placementsMeasured)),
        ])
    }

    /// Each measured placement as `[fingerprint, step time, out of memory]`, in fingerprint order
    /// so that the same search saves the same file.
    static func measuredDocument(_ measured: MeasuredPlacements) -> JSONValue {
        .array(
            measured.results.keys.sorted().map { fingerprint in
                let result = measured.results[fingerprint]!
                return .array([
                    .string(String(fingerprint, radix: 16)), .number(result.stepTime ?? 0),
                    .bool(result.outOfMemory),
                ])
            })
    }
}
