import Foundation
import SpotlightModel
import SpotlightTestSupport
import Testing

@testable import SpotlightSearch

/// Every hand-written gradient of the policy against central finite differences, in Double.
@Suite(.tags(.slow), .skippedInQuickLoop) struct PolicyGradientTests {
    static let inputs = PolicyInputs(
        stageCount: 5, featureCount: 3,
        features: [0.5, -1, 0.2, 1.5, 0.3, -0.7, -0.4, 0.9, 1.1, 0.0, -1.3, 0.6, 0.8, 0.1, -0.2],
        // Stage 1 may use only devices 0 and 2.
        allowedDevices: [0b111, 0b101, 0b111, 0b111, 0b111])
    // Stage 3 is pinned to device 1.
    static let pins = [-1, -1, -1, 1, -1]

    /// With `stageLogits`, every stage has logits of its own, set to small random numbers so
    /// that the pass does not see only zeros there.
    static func network(seed: UInt64, hiddenSize: Int = 4, stageLogits: Bool = false)
        -> PolicyNetwork<Double>
    {
        var network = PolicyNetwork<Double>(
            featureCount: 3, deviceCount: 3, hiddenSize: hiddenSize, embeddingSize: 2,
            stageLogitCount: stageLogits ? inputs.stageCount : 0, seed: seed)
        var random = SplitMix64(seed: seed &+ 1)
        for index in network.stageLogitsOffset..<network.parameterCount {
            network.parameters[index] = random.nextUnit() - 0.5
        }
        return network
    }

    /// The loss at `parameters` for fixed actions, and its analytic gradient.
    static func evaluate(
        _ network: PolicyNetwork<Double>, samples: Int, actions: [Int],
        objective: (PolicyTrace<Double>) -> PolicyObjective.Value<Double>
    ) -> (Double, [Double]) {
        var random = SplitMix64(seed: 0)
        let trace = network.forward(
            inputs, sampleCount: samples, pins: pins, actions: actions, random: &random)
        let value = objective(trace)
        return (value.loss, network.backward(trace, logitGradient: value.logitGradient))
    }

    /// Checks every parameter's gradient, with 3 samples and hidden size 4, and with 5 samples and
    /// hidden size 6, where the matrix products take both their 4 x 2 blocks and their remainders,
    /// the second with stage logits.
    struct Size {
        var samples: Int
        var hiddenSize: Int
        var stageLogits = false
    }

    static func check(
        objective: @escaping (Size, PolicyTrace<Double>) -> PolicyObjective.Value<Double>
    ) {
        let sizes = [
            Size(samples: 3, hiddenSize: 4), Size(samples: 5, hiddenSize: 6, stageLogits: true),
        ]
        for size in sizes {
            check(size, objective: { objective(size, $0) })
        }
    }

    static func check(
        _ size: Size, objective: @escaping (PolicyTrace<Double>) -> PolicyObjective.Value<Double>
    ) {
        let samples = size.samples
        var network = network(
            seed: 7, hiddenSize: size.hiddenSize, stageLogits: size.stageLogits)
        var random = SplitMix64(seed: 3)
        let sampled = network.forward(inputs, sampleCount: samples, pins: pins, random: &random)
        // The sampled actions respect the mask and the pin.
        for sample in 0..<samples {
            #expect(sampled.action(stage: 1, sample: sample) != 1)
            #expect(sampled.action(stage: 3, sample: sample) == 1)
        }
        let (_, analytic) = evaluate(
            network, samples: samples, actions: sampled.actions, objective: objective)
        let step = 1e-6
        var worst = 0.0
        for index in 0..<network.parameterCount {
            let original = network.parameters[index]
            network.parameters[index] = original + step
            let (plus, _) = evaluate(
                network, samples: samples, actions: sampled.actions, objective: objective)
            network.parameters[index] = original - step
            let (minus, _) = evaluate(
                network, samples: samples, actions: sampled.actions, objective: objective)
            network.parameters[index] = original
            let numeric = (plus - minus) / (2 * step)
            let error =
                abs(numeric - analytic[index]) / max(1e-4, abs(numeric) + abs(analytic[index]))
            worst = max(worst, error)
            #expect(
                error < 1e-5, "parameter \(index): analytic \(analytic[index]), numeric \(numeric)")
        }
        #expect(analytic.contains { abs($0) > 1e-6 }, "the check must exercise non-zero gradients")
    }

    static let advantages = [0.7, -1.2, 0.4, 1.1, -0.3]

    @Test func spotlightSurrogateGradient() {
        // Old probabilities from a different network (scoring the same actions), so that ratios
        // and KL are not trivial.
        Self.check { size, trace in
            var random = SplitMix64(seed: 0)
            let other = Self.network(seed: 99, hiddenSize: size.hiddenSize)
            let old = other.forward(
                Self.inputs, sampleCount: size.samples, pins: Self.pins, actions: trace.actions,
                random: &random
            ).probabilities
            return PolicyObjective.spotlight(
                trace, oldProbabilities: old,
                advantages: Array(Self.advantages.prefix(size.samples)),
                beta: 0.3, entropyWeight: 0.05, deviceCount: 3)
        }
    }

    @Test func reinforceGradient() {
        Self.check { size, trace in
            PolicyObjective.reinforce(
                trace, advantages: Array(Self.advantages.prefix(size.samples)), entropyWeight: 0.05,
                deviceCount: 3)
        }
    }

    /// The Float network (whose LSTM cell runs on the vector exponential) gives the probabilities
    /// of the same network in Double (libm) to within Float rounding.
    @Test func floatPassAgreesWithDouble() {
        var random = SplitMix64(seed: 1)
        let inputs = PolicyInputs(
            stageCount: 40, featureCount: 7,
            features: (0..<280).map { _ in Float(random.nextUnit() * 4 - 2) },
            allowedDevices: [UInt64](repeating: 0b1111, count: 40))
        let pins = [Int](repeating: -1, count: 40)
        let wide = PolicyNetwork<Double>(
            featureCount: 7, deviceCount: 4, hiddenSize: 16, embeddingSize: 4, seed: 5)
        var narrow = PolicyNetwork<Float>(
            featureCount: 7, deviceCount: 4, hiddenSize: 16, embeddingSize: 4, seed: 5)
        narrow.parameters = wide.parameters.map { Float($0) * 3 }
        var scaled = wide
        scaled.parameters = narrow.parameters.map(Double.init)
        let sampled = narrow.forward(inputs, sampleCount: 6, pins: pins, random: &random)
        let exact = scaled.forward(
            inputs, sampleCount: 6, pins: pins, actions: sampled.actions, random: &random)
        var worst = 0.0
        for (p, q) in zip(sampled.probabilities, exact.probabilities) {
            worst = max(worst, abs(Double(p) - q))
        }
        #expect(worst < 1e-5)
        #expect(worst > 0, "the two passes are different code")
    }

    @Test func probabilitiesAreDistributionsOverAllowedDevices() {
        var random = SplitMix64(seed: 1)
        let trace = Self.network(seed: 2).forward(
            Self.inputs, sampleCount: 4, pins: Self.pins, random: &random)
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

    /// Groups of samples on several threads give the very numbers of one thread: sampling,
    /// probabilities and every gradient.
    @Test func passesDoNotDependOnThreadCount() {
        var random = SplitMix64(seed: 4)
        let inputs = PolicyInputs(
            stageCount: 9, featureCount: 5,
            features: (0..<45).map { _ in Float(random.nextUnit() * 2 - 1) },
            allowedDevices: [UInt64](repeating: 0b111, count: 9))
        let pins = [-1, -1, 2, -1, -1, -1, -1, -1, -1]
        let network = PolicyNetwork<Float>(
            featureCount: 5, deviceCount: 3, hiddenSize: 12, embeddingSize: 3, seed: 8)
        var results: [([Int], [Float], [Float])] = []
        for parallelism in [1, 2, 3] {
            var sampling = SplitMix64(seed: 11)
            let trace = network.forward(
                inputs, sampleCount: 13, pins: pins, random: &sampling, parallelism: parallelism)
            let advantages = (0..<13).map { Float($0 % 5) - 2 }
            let value = PolicyObjective.reinforce(
                trace, advantages: advantages, entropyWeight: 0.01, deviceCount: 3)
            results.append(
                (
                    trace.actions, trace.probabilities,
                    network.backward(
                        trace, logitGradient: value.logitGradient, parallelism: parallelism)
                ))
        }
        for result in results.dropFirst() {
            #expect(result.0 == results[0].0)
            #expect(result.1 == results[0].1)
            #expect(result.2 == results[0].2)
        }
        #expect(Set(results[0].0).count == 3, "the samples spread over the devices")
    }

    /// The four-lane exponential against libm, from where it underflows to where it would overflow.
    @Test func vectorExponentialIsAccurate() {
        var worst: Float = 0
        var x: Float = -87
        while x < 87 {
            let lanes = SIMD4<Float>(x, x + 0.013, x + 0.029, x + 0.041)
            let fast = VectorMath.exp(lanes)
            for lane in 0..<4 {
                let exact = Foundation.exp(Double(lanes[lane]))
                worst = max(worst, Float(abs(Double(fast[lane]) - exact) / exact))
            }
            x += 0.0517
        }
        #expect(worst < 4e-7)
        let extremes = VectorMath.sigmoid(SIMD4<Float>(-200, 200, 0, -1e30))
        #expect(
            extremes[0] >= 0 && extremes[0] < 1e-30 && extremes[1] == 1 && extremes[2] == 0.5
                && extremes[3] >= 0)
        let hyperbolic = VectorMath.tanh(SIMD4<Float>(-20, 20, 0.5, -0.25))
        #expect(hyperbolic[0] == -1 && hyperbolic[1] == 1)
        #expect(
            abs(hyperbolic[2] - 0.462_117_16) < 3e-7 && abs(hyperbolic[3] + 0.244_918_66) < 3e-7)
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
