import Foundation
import SpotlightExplorer
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation
import Testing

/// The tiny sample with a made-up but fixed search history, so that every rendered screen is the
/// same on every machine: the best placement is the sample's expert one (1070 us, worked out by
/// hand in the simulator's tests), the curves are smooth made-up numbers.
enum Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let problem: PlacementProblem = {
        let graph = try! OperationGraph.load(root + "/samples/tiny.graph.json")
        let cluster = try! Cluster.load(root + "/samples/tiny.cluster.json")
        return try! PlacementProblem(graph: graph, cluster: cluster)
    }()

    /// A small Spotlight search on the tiny sample; with `preferenceStrength`, its samples are
    /// preferences that list scheduling places.
    static func makeOptimizer(preferenceStrength: Double? = nil) -> Optimizer {
        var configuration = OptimizerConfiguration(method: .spotlight, samples: 4, seed: 1)
        configuration.hiddenSize = 8
        configuration.preferenceStrength = preferenceStrength
        return Optimizer(problem: problem, configuration: configuration)
    }

    static let optimizer = makeOptimizer()

    /// The explorer's model of `optimizer`, labelled with the sample's file names.
    static func makeModel(_ optimizer: Optimizer) -> ExplorerModel {
        ExplorerModel(
            optimizer: optimizer, graphLabel: "tiny.graph.json", clusterLabel: "tiny.cluster.json")
    }

    static let model = makeModel(optimizer)

    /// The same search with its step times measured on hardware (`--evaluate-command`).
    static let measuredModel = ExplorerModel(
        optimizer: optimizer, graphLabel: "tiny.graph.json", clusterLabel: "tiny.cluster.json",
        measured: true)

    static let themes = ThemeCatalog.load(directory: root + "/themes")

    static let expertAssignment: [Int] = {
        let placement = try! Placement.load(
            root + "/samples/tiny.expert.placement.json", graph: problem.graph,
            cluster: problem.cluster)
        return placement.assignment
    }()

    /// `iterations` made-up iterations; the best placement is the expert's. The policy moves
    /// from uniform over each stage's devices (iteration 0) to its final made-up q (40).
    static func snapshot(
        iterations: Int = 40, status: OptimizerSnapshot.Status = .running, stagePins: [Int]? = nil,
        opPins: [Int]? = nil, best: Bool = true, lastRepeats: Int = 0,
        measuredPerIteration: Int = 0
    ) -> OptimizerSnapshot {
        let learned = Float(min(iterations, 40)) / 40
        var history: [IterationStats] = []
        var bestSoFar = Double.infinity
        for index in 0..<iterations {
            let t = Double(index)
            let mean = 1100 + 900 * exp(-t / 12)
            let bestStep = 1070 + 500 * exp(-t / 8)
            bestSoFar = min(bestSoFar, bestStep)
            history.append(
                IterationStats(
                    iteration: index + 1, meanStepTime: mean, bestStepTime: bestStep,
                    worstStepTime: mean * 1.3, bestSoFar: bestSoFar,
                    meanReward: -mean.squareRoot(), meanKL: 0.02 + 0.01 * sin(t / 3),
                    maxKL: 0.25 + 0.15 * sin(t / 3),
                    beta: 1.5, entropy: 0.8 * exp(-t / 30), invalidSamples: 0,
                    outOfMemorySamples: 0,
                    repeatedSamples: index == iterations - 1 ? lastRepeats : 0,
                    placementsMeasured: measuredPerIteration,
                    samplesPerSecond: 1234, evaluationSeconds: 0.001, policySeconds: 0.01))
        }
        var simulator = Simulator(graph: problem.graph, cluster: problem.cluster)
        let result = simulator.simulate(expertAssignment)
        let devices = problem.cluster.deviceCount
        let probabilities: [[Float]] = (0..<model.stageCount).map { stage in
            let weights: [Float] = (0..<devices).map { device in
                model.stage(stage, allows: device) ? Float(1 + (stage + device) % 3) : 0
            }
            let total = weights.reduce(0, +)
            let allowed = Float(weights.filter { $0 > 0 }.count)
            return weights.map { weight in
                weight > 0 ? learned * weight / total + (1 - learned) / allowed : 0
            }
        }
        return OptimizerSnapshot(
            status: status, iteration: iterations, samplesEvaluated: iterations * 16,
            history: history,
            lowerBound: optimizer.lowerBound,
            bestStepTime: best && iterations > 0 ? result.stepTime : nil,
            bestAssignment: best && iterations > 0 ? expertAssignment : nil,
            bestResult: best && iterations > 0 ? result : nil,
            stageProbabilities: probabilities,
            stagePins: stagePins ?? [Int](repeating: -1, count: model.stageCount),
            opPins: opPins ?? [Int](repeating: -1, count: problem.graph.count))
    }

    /// Everything on gpu:0, with its simulated busy time per device, for `b` to compare with.
    static let singleGPU: (assignment: [Int], deviceBusy: [Double]) = {
        let single = problem.repaired([Int](repeating: 1, count: problem.graph.count))
        var simulator = Simulator(graph: problem.graph, cluster: problem.cluster)
        return (single, simulator.simulate(single).deviceBusy)
    }()

    static let baselines = [
        BaselineSummary(
            method: "single_gpu", stepTime: 1460, outOfMemory: false,
            assignment: singleGPU.assignment, deviceBusy: singleGPU.deviceBusy),
        BaselineSummary(method: "expert", stepTime: 1070, outOfMemory: false),
        BaselineSummary(method: "metis", stepTime: 1000, outOfMemory: false),
    ]

    static func state(
        width: Int = 160, height: Int = 48, theme: String = "dark",
        snapshot: OptimizerSnapshot? = Fixture.snapshot(),
        colorEnabled: Bool = true, model: ExplorerModel = Fixture.model
    ) -> ExplorerState {
        var state = ExplorerState(
            model: model, themes: themes, themeIndex: themes.index(named: theme) ?? 0,
            colorEnabled: colorEnabled, width: width, height: height)
        if let snapshot {
            // The policy's history as a search polls it: every fourth iteration up to the last.
            for iteration in Swift.stride(from: 0, to: snapshot.iteration, by: 4) {
                state.apply(Fixture.snapshot(iterations: iteration, best: iteration > 0))
            }
            state.apply(snapshot)
        }
        state.baselines = baselines
        return state
    }
}

/// Compares rendered text with `Snapshots/NAME.txt`. With SPOTLIGHT_RECORD_SNAPSHOTS=1 in the
/// environment it writes the file instead (then review the diff and commit it).
func expectSnapshot(
    _ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    let path = Fixture.root + "/Tests/SpotlightExplorerTests/Snapshots/\(name).txt"
    let recorded = text + "\n"
    if ProcessInfo.processInfo.environment["SPOTLIGHT_RECORD_SNAPSHOTS"] == "1" {
        try! recorded.write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
        Issue.record(
            "no snapshot \(name).txt; run the tests with SPOTLIGHT_RECORD_SNAPSHOTS=1 to record it",
            sourceLocation: sourceLocation)
        return
    }
    if expected != recorded {
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = recorded.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDifference =
            zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?
            .offset ?? min(expectedLines.count, actualLines.count)
        let expectedLine =
            firstDifference < expectedLines.count ? String(expectedLines[firstDifference]) : "<end>"
        let actualLine =
            firstDifference < actualLines.count ? String(actualLines[firstDifference]) : "<end>"
        Issue.record(
            """
            snapshot \(name).txt differs at line \(firstDifference + 1):
            expected: \(expectedLine)
            actual:   \(actualLine)
            (SPOTLIGHT_RECORD_SNAPSHOTS=1 re-records it)
            """, sourceLocation: sourceLocation)
    }
}
