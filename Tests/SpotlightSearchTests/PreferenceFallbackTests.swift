import Foundation
import SpotlightModel
import SpotlightSimulation
import Testing

@testable import SpotlightSearch

/// `OptimizerConfiguration.preferenceFallback`: a first batch of preferences that finds nothing
/// faster than the best placement turns the search to samples as placements.
@Suite struct PreferenceFallbackTests {
    typealias Search = (optimizer: Optimizer, heft: [Int], evaluator: SimulatorEvaluator)

    /// A search with preferences (of `strength`; nil: placements) from list scheduling's
    /// placement, measured at `startTime` us.
    static func search(
        startTime: Double?, fallback: Bool = true, confirmations: Int = 0,
        stageLogits: Bool = false, strength: Double? = 0.25
    ) throws -> Search {
        let base = try PreferenceDecoderTests.sample()
        let heft = try #require(ListSchedulingPlacer().place(base))
        let problem = base.refined(by: heft)
        var configuration = OptimizerTests.configuration(.spotlight, samples: 4, seed: 5)
        configuration.preferenceStrength = strength
        configuration.preferenceFallback = fallback
        configuration.stageLogits = stageLogits
        configuration.confirmations = confirmations
        let optimizer = Optimizer(
            problem: problem, configuration: configuration,
            warmStart: startTime == nil ? nil : heft, warmStartTime: startTime)
        return (
            optimizer, heft, SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        )
    }

    /// No placement runs in 1 us: the first batch finds nothing, the decoder is dropped after
    /// it, and the policy is taught the best placement's device per stage, as a warm start with
    /// placements is; a checkpoint keeps the change.
    @Test func aFruitlessFirstBatchFallsBackToPlacements() throws {
        var (optimizer, heft, evaluator) = try Self.search(startTime: 1)
        #expect(optimizer.decoder != nil)
        optimizer.iterate(evaluator: evaluator)
        #expect(optimizer.state.preferencesDroppedAt == 1 && optimizer.decoder == nil)
        #expect(optimizer.state.bestAssignment == heft && optimizer.state.bestStepTime == 1)
        let target = optimizer.problem.stageDevices(
            of: heft, allowedDevices: optimizer.inputs.allowedDevices)
        let probabilities = optimizer.stageProbabilities()
        let weakest = probabilities.indices.map { probabilities[$0][target[$0]] }.min()
        #expect(try #require(weakest) >= optimizer.configuration.warmStartConfidence)
        optimizer.iterate(evaluator: evaluator)
        #expect(optimizer.state.preferencesDroppedAt == 1)

        let resumed = try Self.resumed(optimizer)
        #expect(resumed.state.preferencesDroppedAt == 1 && resumed.decoder == nil)
        #expect(resumed.configuration.preferenceFallback)
    }

    /// A first batch that beats the start, a search without a start (its first batch gives the
    /// first best), a search told to keep preferences and one that confirms its finds (noisy
    /// measurements) all keep them.
    @Test(arguments: [(1e12, true, 0), (nil, true, 0), (1, false, 0), (1, true, 2)])
    func preferencesStayOtherwise(startTime: Double?, fallback: Bool, confirmations: Int) throws {
        var (optimizer, _, evaluator) = try Self.search(
            startTime: startTime, fallback: fallback, confirmations: confirmations)
        for _ in 0..<3 { optimizer.iterate(evaluator: evaluator) }
        #expect(optimizer.state.preferencesDroppedAt == nil && optimizer.decoder != nil)
    }

    /// `optimizer` saved to a checkpoint and loaded again.
    static func resumed(_ optimizer: Optimizer) throws -> Optimizer {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "preferences-\(UUID().uuidString).json"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(optimizer, to: path)
        return try Checkpoint.load(path, problem: optimizer.problem)
    }

    @Test func onlyAutoFallsBack() {
        #expect(SampleDecoding.auto.fallsBackToPlacements)
        #expect(!SampleDecoding.list.fallsBackToPlacements)
        #expect(!SampleDecoding.direct.fallsBackToPlacements)
    }
}
