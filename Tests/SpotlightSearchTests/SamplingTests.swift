import SpotlightModel
import Testing

@testable import SpotlightSearch

/// Batches drawn from placements not yet measured (`OptimizerConfiguration.redraws`).
@Suite struct SamplingTests {
    /// One stage, so the search has exactly as many placements as that stage has devices: the
    /// first batch of two more samples than that holds each placement once and two repeats, and
    /// every sample of the second batch is a repeat. Repeats are answered from the record: each
    /// placement is measured once.
    @Test(arguments: [OptimizerConfiguration.Method.spotlight, .policyGradient])
    func aSearchSpaceSmallerThanItsBatchesRepeatsOnlyWhatItMust(
        method: OptimizerConfiguration.Method
    ) throws {
        let problem = try OptimizerTests.problem(ops: 60, devices: 3, stages: 1)
        let placements = PolicyInputs(problem: problem).allowedDevices[0].nonzeroBitCount
        let samples = placements + 2
        var optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(method, samples: samples, seed: 5))
        let evaluator = RecordingEvaluator(problem: problem)
        optimizer.iterate(evaluator: evaluator)
        #expect(evaluator.seen.count == placements && Set(evaluator.seen).count == placements)
        #expect(optimizer.state.history[0].repeatedSamples == 2)
        #expect(optimizer.state.measured.count == placements)
        optimizer.iterate(evaluator: evaluator)
        #expect(optimizer.state.history[1].repeatedSamples == samples)
        #expect(evaluator.seen.count == placements, "the second batch measured nothing")
        #expect(optimizer.state.history[1].meanStepTime != nil, "its samples still have times")
    }

    /// A warm-started policy over few stages is confident enough to draw its favourites again and
    /// again: with redraws, every sample is a new placement except those counted as repeats, and
    /// there are far fewer of those than of the repeats drawn without. Either way only new
    /// placements are measured.
    @Test(arguments: [OptimizerConfiguration.Method.spotlight, .policyGradient])
    func redrawsReplaceRepeatsAndCountWhatIsLeft(method: OptimizerConfiguration.Method) throws {
        let base = try OptimizerTests.problem(ops: 300, devices: 3, stages: 6)
        let (problem, start) = WarmStart.best.prepare(base, baselines: Baselines.run(base))
        func run(redraws: Int) throws -> (placements: [[Int]], repeats: Int, optimizer: Optimizer) {
            var configuration = OptimizerTests.configuration(method, samples: 8, seed: 3)
            configuration.redraws = redraws
            var optimizer = Optimizer(
                problem: problem, configuration: configuration,
                warmStart: try #require(start).assignment)
            let evaluator = RecordingEvaluator(problem: problem)
            for _ in 0..<6 { optimizer.iterate(evaluator: evaluator) }
            return (
                evaluator.seen, optimizer.state.history.map(\.repeatedSamples).reduce(0, +),
                optimizer
            )
        }
        let without = try run(redraws: 0)
        let with = try run(redraws: 64)
        for run in [without, with] {
            #expect(
                run.placements.count == 48 - run.repeats
                    && Set(run.placements).count == run.placements.count)
            #expect(run.optimizer.state.measured.count == 48 - run.repeats)
            #expect(run.optimizer.state.samplesEvaluated == 48)
        }
        #expect(without.repeats >= 16, "a confident policy repeats itself without redraws")
        #expect(
            with.repeats * 4 <= without.repeats,
            "redraws left \(with.repeats) repeats of \(without.repeats)")
    }

    /// Hardware that flatters every placement the first time it runs (1 us) and takes 1 ms ever
    /// after. A would-be best is confirmed by two more runs, and their median (1 ms) is recorded
    /// for it, so that drawing it again does not set off another confirmation: once every
    /// placement has been confirmed, iterations measure nothing.
    @Test func aConfirmedMedianStandsForItsPlacement() throws {
        let problem = try LocalSearchTests().threeOps()
        let placements = PolicyInputs(problem: problem).allowedDevices.map(\.nonzeroBitCount)
            .reduce(1, *)
        try #require(placements == 4, "two stages on two GPUs")
        var configuration = OptimizerTests.configuration(.spotlight, samples: 6, seed: 5)
        configuration.confirmations = 2
        var optimizer = Optimizer(problem: problem, configuration: configuration)
        let hardware = FlatteringHardware()
        for _ in 0..<10 { optimizer.iterate(evaluator: hardware) }
        #expect(optimizer.state.measured.count == placements)
        #expect(optimizer.state.bestStepTime == 1000)
        #expect(
            optimizer.state.measured.results.values.allSatisfy { $0.stepTime == 1000 },
            "every placement's record is its median")
        let runs = hardware.runs
        optimizer.iterate(evaluator: hardware)
        #expect(hardware.runs == runs, "nothing is measured or confirmed again")
    }

    /// The fingerprint tells apart placements that differ in one op, or only in where they differ.
    @Test func fingerprintsTellPlacementsApart() {
        let base = [Int](repeating: 0, count: 500)
        var fingerprints = Set<UInt64>([MeasuredPlacements.fingerprint(base)])
        for op in 0..<500 {
            for device in 1...3 {
                var moved = base
                moved[op] = device
                fingerprints.insert(MeasuredPlacements.fingerprint(moved))
            }
        }
        #expect(fingerprints.count == 1 + 1500)
        #expect(MeasuredPlacements.fingerprint([0, 1]) != MeasuredPlacements.fingerprint([1, 0]))
        #expect(MeasuredPlacements.fingerprint([0]) != MeasuredPlacements.fingerprint([0, 0]))
    }
}
