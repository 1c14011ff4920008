import Foundation
import SpotlightModel
import SpotlightSimulation
import Testing

@testable import SpotlightSearch

/// `OptimizerConfiguration.stageLogits`: with preferences, a learned logit per stage and device
/// beside the LSTM's, learning at `stageLogitRateFactor` times the rate.
@Suite struct StageLogitsTests {
    /// A stage's own logit of log 3 for device 0 triples device 0's odds against each other
    /// device at that stage and changes no other stage's probabilities (the actions being given).
    @Test func aStageLogitScalesOnlyItsStagesOdds() {
        let inputs = PolicyGradientTests.inputs
        let pins = [Int](repeating: -1, count: inputs.stageCount)
        let plain = PolicyGradientTests.network(seed: 7)
        var withLogits = PolicyNetwork<Double>(
            featureCount: 3, deviceCount: 3, hiddenSize: 4, embeddingSize: 2,
            stageLogitCount: inputs.stageCount, seed: 7)
        #expect(withLogits.parameterCount == plain.parameterCount + inputs.stageCount * 3)
        #expect(Array(withLogits.parameters.prefix(plain.parameterCount)) == plain.parameters)
        #expect(withLogits.parameters.suffix(inputs.stageCount * 3).allSatisfy { $0 == 0 })
        withLogits.parameters[withLogits.stageLogitsOffset + 2 * 3 + 0] = log(3)
        var random = SplitMix64(seed: 1)
        let actions = [0, 2, 1, 0, 2, 2, 0, 1, 1, 0]
        let before = plain.forward(
            inputs, sampleCount: 2, pins: pins, actions: actions, random: &random)
        let after = withLogits.forward(
            inputs, sampleCount: 2, pins: pins, actions: actions, random: &random)
        for stage in 0..<inputs.stageCount {
            for sample in 0..<2 {
                let row = (stage * 2 + sample) * 3
                let odds = { (p: [Double], d: Int) in p[row] / p[row + d] }
                for device in 1..<3 where inputs.allows(stage: stage, device: device) {
                    let expected = odds(before.probabilities, device) * (stage == 2 ? 3 : 1)
                    #expect(abs(odds(after.probabilities, device) / expected - 1) < 1e-12)
                }
            }
        }
    }

    /// Adam's first step moves every parameter by about its learning rate against the gradient's
    /// sign; those from the tail on by that times the tail's factor, and not at all at 0.
    @Test(arguments: [10.0, 0.0])
    func adamsTailLearnsAtItsFactor(factor: Double) {
        var parameters = [1.0, 1.0, 1.0, 1.0]
        var adam = Adam<Double>(parameterCount: 4, learningRate: 0.01)
        adam.update(&parameters, gradient: [2, -3, 0.5, -1], tail: 2, tailFactor: factor)
        let expected = [0.99, 1.01, 1 - 0.01 * factor, 1 + 0.01 * factor]
        #expect(zip(parameters, expected).allSatisfy { abs($0 - $1) < 1e-8 })
    }

    /// With preferences the policy has a logit per stage and device, which the updates move;
    /// with placements, or the setting off, it has none.
    @Test func onlyPreferencesHaveStageLogits() throws {
        for (strength, setting) in [(0.25, true), (nil, true), (0.25, false)] {
            var (optimizer, _, evaluator) = try PreferenceFallbackTests.search(
                startTime: 1e12, stageLogits: setting, strength: strength)
            let stages = optimizer.inputs.stageCount
            let devices = optimizer.problem.cluster.deviceCount
            let network = optimizer.state.network
            let has = strength != nil && setting
            #expect(network.stageLogitCount == (has ? stages : 0))
            optimizer.iterate(evaluator: evaluator)
            let logits = optimizer.state.network.parameters.suffix(from: network.stageLogitsOffset)
            #expect(logits.count == (has ? stages * devices : 0))
            #expect(!has || logits.contains { $0 != 0 })
        }
    }

    /// A fall back to placements zeroes the stage logits, and they stay zero after it.
    @Test func fallingBackZeroesTheStageLogits() throws {
        var (optimizer, _, evaluator) = try PreferenceFallbackTests.search(
            startTime: 1, stageLogits: true)
        let offset = optimizer.state.network.stageLogitsOffset
        #expect(optimizer.state.network.stageLogitCount == optimizer.inputs.stageCount)
        for _ in 0..<3 { optimizer.iterate(evaluator: evaluator) }
        #expect(optimizer.state.preferencesDroppedAt == 1)
        #expect(optimizer.state.network.parameters.suffix(from: offset).allSatisfy { $0 == 0 })
    }

    /// A checkpoint keeps the learned stage logits, and the search resumes with them.
    @Test func aCheckpointKeepsTheStageLogits() throws {
        var (optimizer, _, evaluator) = try PreferenceFallbackTests.search(
            startTime: 1e12, stageLogits: true)
        optimizer.iterate(evaluator: evaluator)
        let resumed = try PreferenceFallbackTests.resumed(optimizer)
        #expect(resumed.configuration.stageLogits)
        #expect(resumed.state.network == optimizer.state.network)
        #expect(resumed.state.network.stageLogitCount == optimizer.inputs.stageCount)
    }
}
