import ArgumentParser
import Foundation
import SpotlightModel
import SpotlightSearch

/// The policy network's passes on their own, without a graph or a simulator: what one iteration
/// of each method spends outside evaluation.
struct PolicyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Time the policy network's forward and backward passes.",
        discussion: """
            Builds a policy over random stage features and times, per batch of samples: a sampling \
            forward pass, a scoring (teacher-forced) forward pass, a backward pass, and the whole \
            policy work of one iteration of each method. Reports the fastest of several rounds \
            (the least disturbed by the machine's other work).
            """
    )

    @Option(help: "Stages (comma-separated list).") var stages = "64,256"
    @Option(help: "Samples per batch.") var samples = 16
    @Option(help: "The LSTM's hidden size.") var hidden = 64
    @Option(help: "Devices.") var devices = 4
    @Option(help: "Features per stage.") var features = 24
    @Option(help: "Timed rounds (the fastest is reported).") var rounds = 10
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard samples >= 1, hidden >= 1, features >= 1, rounds >= 1 else {
            throw ValidationError("--samples, --hidden, --features and --rounds must be at least 1")
        }
        guard (2...Cluster.maximumDevices).contains(devices) else {
            throw ValidationError("--devices must be between 2 and \(Cluster.maximumDevices)")
        }
        guard !stageCounts.isEmpty, stageCounts.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--stages must list positive integers")
        }
    }

    var stageCounts: [Int] {
        stages.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    struct Measurement {
        var stages: Int
        var sampleForward: Double
        var scoreForward: Double
        var backward: Double
        var spotlightIteration: Double
        var policyGradientIteration: Double
    }

    func measure(stageCount: Int) -> Measurement {
        var random = SplitMix64(seed: 7)
        let inputs = PolicyInputs(
            stageCount: stageCount, featureCount: features,
            features: (0..<(stageCount * features)).map { _ in Float(random.nextUnit() * 2 - 1) },
            allowedDevices: [UInt64](repeating: (1 << UInt64(devices)) - 1, count: stageCount))
        let network = PolicyNetwork<Float>(
            featureCount: features, deviceCount: devices, hiddenSize: hidden, seed: 1)
        let pins = [Int](repeating: -1, count: stageCount)
        let advantages = (0..<samples).map { _ in Float(random.nextUnit() * 2 - 1) }
        let trace = network.forward(inputs, sampleCount: samples, pins: pins, random: &random)
        let logitGradient = PolicyObjective.reinforce(
            trace, advantages: advantages, entropyWeight: 0.01, deviceCount: devices
        ).logitGradient

        func fastest(_ body: () -> Void) -> Double { Stopwatch.fastest(runs: rounds, body) }
        let sampleForward = fastest {
            _ = network.forward(inputs, sampleCount: samples, pins: pins, random: &random)
        }
        let scoreForward = fastest {
            _ = network.forward(
                inputs, sampleCount: samples, pins: pins, actions: trace.actions, random: &random)
        }
        let backward = fastest { _ = network.backward(trace, logitGradient: logitGradient) }
        func iteration(_ method: OptimizerConfiguration.Method) -> Double {
            var configuration = OptimizerConfiguration(method: method)
            configuration.samples = samples
            configuration.hiddenSize = hidden
            configuration.earlyStopKL = .infinity
            return fastest {
                var copy = network
                var adam = Adam<Float>(
                    parameterCount: network.parameterCount, learningRate: configuration.learningRate
                )
                var beta = configuration.initialBeta
                var sampling = SplitMix64(seed: 3)
                let batch = copy.forward(
                    inputs, sampleCount: samples, pins: pins, random: &sampling)
                _ = PolicyUpdate.apply(
                    network: &copy, adam: &adam, beta: &beta, trace: batch, inputs: inputs,
                    pins: pins,
                    advantages: advantages, configuration: configuration)
            }
        }
        return Measurement(
            stages: stageCount, sampleForward: sampleForward, scoreForward: scoreForward,
            backward: backward,
            spotlightIteration: iteration(.spotlight),
            policyGradientIteration: iteration(.policyGradient))
    }

    func run() throws {
        let results = stageCounts.map(measure)
        func ms(_ seconds: Double) -> Double { (seconds * 1e5).rounded() / 1e2 }
        if json {
            Output.json(
                .array(
                    results.map { m in
                        .object([
                            ("stages", .number(Double(m.stages))),
                            ("samples", .number(Double(samples))),
                            ("hidden", .number(Double(hidden))),
                            ("devices", .number(Double(devices))),
                            ("features", .number(Double(features))),
                            ("sample_forward_ms", .number(ms(m.sampleForward))),
                            ("score_forward_ms", .number(ms(m.scoreForward))),
                            ("backward_ms", .number(ms(m.backward))),
                            ("spotlight_iteration_ms", .number(ms(m.spotlightIteration))),
                            ("pg_iteration_ms", .number(ms(m.policyGradientIteration))),
                        ])
                    }))
            return
        }
        Output.line(
            "policy passes: \(samples) samples, hidden \(hidden), \(devices) devices, \(features) features; fastest of \(rounds) rounds"
        )
        var table = TextTable([
            "stages", "sample forward", "score forward", "backward",
            "Spotlight iteration (8 epochs)", "PG iteration",
        ])
        for m in results {
            table.add([
                String(m.stages), String(format: "%.2f ms", ms(m.sampleForward)),
                String(format: "%.2f ms", ms(m.scoreForward)),
                String(format: "%.2f ms", ms(m.backward)),
                String(format: "%.2f ms", ms(m.spotlightIteration)),
                String(format: "%.2f ms", ms(m.policyGradientIteration)),
            ])
        }
        print(table.render())
    }
}
