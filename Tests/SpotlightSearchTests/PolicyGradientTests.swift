import Testing
import SpotlightModel
@testable import SpotlightSearch

/// Every hand-written gradient of the policy against central finite differences, in Double.
@Suite struct PolicyGradientTests {
    static let inputs = PolicyInputs(
        stageCount: 5, featureCount: 3,
        features: [0.5, -1, 0.2, 1.5, 0.3, -0.7, -0.4, 0.9, 1.1, 0.0, -1.3, 0.6, 0.8, 0.1, -0.2],
        // Stage 1 may use only devices 0 and 2.
        allowedDevices: [0b111, 0b101, 0b111, 0b111, 0b111])
    // Stage 3 is pinned to device 1.
    static let pins = [-1, -1, -1, 1, -1]

    static func network(seed: UInt64) -> PolicyNetwork<Double> {
        PolicyNetwork<Double>(featureCount: 3, deviceCount: 3, hiddenSize: 4, embeddingSize: 2, seed: seed)
    }

    /// The loss at `parameters` for fixed actions, and its analytic gradient.
    static func evaluate(
        _ network: PolicyNetwork<Double>, actions: [Int], objective: (PolicyTrace<Double>) -> PolicyObjective.Value<Double>
    ) -> (Double, [Double]) {
        var random = SplitMix64(seed: 0)
        let trace = network.forward(inputs, sampleCount: 3, pins: pins, actions: actions, random: &random)
        let value = objective(trace)
        return (value.loss, network.backward(trace, logitGradient: value.logitGradient))
    }

    static func check(objective: @escaping (PolicyTrace<Double>) -> PolicyObjective.Value<Double>) {
        var network = network(seed: 7)
        var random = SplitMix64(seed: 3)
        let sampled = network.forward(inputs, sampleCount: 3, pins: pins, random: &random)
        // The sampled actions respect the mask and the pin.
        for sample in 0..<3 {
            #expect(sampled.action(stage: 1, sample: sample) != 1)
            #expect(sampled.action(stage: 3, sample: sample) == 1)
        }
        let (_, analytic) = evaluate(network, actions: sampled.actions, objective: objective)
        let step = 1e-6
        var worst = 0.0
        for index in 0..<network.parameterCount {
            let original = network.parameters[index]
            network.parameters[index] = original + step
            let (plus, _) = evaluate(network, actions: sampled.actions, objective: objective)
            network.parameters[index] = original - step
            let (minus, _) = evaluate(network, actions: sampled.actions, objective: objective)
            network.parameters[index] = original
            let numeric = (plus - minus) / (2 * step)
            let error = abs(numeric - analytic[index]) / max(1e-4, abs(numeric) + abs(analytic[index]))
            worst = max(worst, error)
            #expect(error < 1e-5, "parameter \(index): analytic \(analytic[index]), numeric \(numeric)")
        }
        #expect(analytic.contains { abs($0) > 1e-6 }, "the check must exercise non-zero gradients")
    }

    @Test func spotlightSurrogateGradient() {
        // Old probabilities from a different network, so that ratios and KL are not trivial.
        var random = SplitMix64(seed: 3)
        let other = Self.network(seed: 99)
        let sampled = Self.network(seed: 7).forward(Self.inputs, sampleCount: 3, pins: Self.pins, random: &random)
        let old = other.forward(Self.inputs, sampleCount: 3, pins: Self.pins, actions: sampled.actions, random: &random).probabilities
        Self.check { trace in
            PolicyObjective.spotlight(trace, oldProbabilities: old, advantages: [0.7, -1.2, 0.4], beta: 0.3, deviceCount: 3)
        }
    }

    @Test func reinforceGradient() {
        Self.check { trace in
            PolicyObjective.reinforce(trace, advantages: [0.7, -1.2, 0.4], entropyWeight: 0.05, deviceCount: 3)
        }
    }

    @Test func probabilitiesAreDistributionsOverAllowedDevices() {
        var random = SplitMix64(seed: 1)
        let trace = Self.network(seed: 2).forward(Self.inputs, sampleCount: 4, pins: Self.pins, random: &random)
        for stage in 0..<5 {
            for sample in 0..<4 {
                let p = (stage * 4 + sample) * 3
                let row = Array(trace.probabilities[p..<(p + 3)])
                #expect(abs(row.reduce(0, +) - 1) < 1e-12)
                if stage == 1 { #expect(row[1] == 0) }
                if stage == 3 { #expect(row == [0, 1, 0]) }
            }
        }
    }

    @Test func adamMovesDownhill() {
        // Minimise (x - 3)^2 + (y + 1)^2.
        var parameters: [Double] = [0, 0]
        var adam = Adam<Double>(parameterCount: 2, learningRate: 0.1)
        for _ in 0..<500 {
            adam.update(&parameters, gradient: [2 * (parameters[0] - 3), 2 * (parameters[1] + 1)])
        }
        #expect(abs(parameters[0] - 3) < 1e-2 && abs(parameters[1] + 1) < 1e-2)
    }
}
