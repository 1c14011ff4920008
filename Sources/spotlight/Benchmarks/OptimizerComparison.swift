import Foundation
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

/// The runs and the tables behind `bench optimize`: each method for each seed on one workload,
/// with the optional polish and the local search alone, then a markdown table or JSON.
struct OptimizerComparison {
    let bench: OptimizerBench

    struct Row {
        var name: String
        var ops: Int
        var lowerBound: Double
        var baselines: [(String, Double, Bool)]
        var means: [String: Double] = [:]
        var bests: [String: [Double]] = [:]
        var seconds: [String: Double] = [:]
        /// With `--polish`: each method's bests after the polish, and the local search alone from
        /// the start (nil without a start), per seed.
        var polished: [String: [Double]] = [:]
        var polishSeconds: [String: Double] = [:]
        var localSearchAlone: [Double]?

        var comparison: SeedComparison {
            SeedComparison(bests["spotlight"]!, against: bests["pg"]!)
        }
        var polishedComparison: SeedComparison {
            SeedComparison(polished["spotlight"]!, against: polished["pg"]!)
        }
    }

    var seeds: Range<Int> { bench.firstSeed..<(bench.firstSeed + bench.seeds) }
    var samplesPerRun: Int { bench.iterations * bench.samples }
    static let methods = OptimizerConfiguration.Method.allCases

    /// `method`'s configuration for `seed`, with the bench's settings for it.
    func configuration(_ method: OptimizerConfiguration.Method, seed: Int)
        -> OptimizerConfiguration
    {
        var configuration = OptimizerConfiguration(
            method: method, samples: bench.samples, seed: UInt64(seed))
        configuration.epochs = bench.epochs
        if let warmup = bench.warmupIterations { configuration.learningRateWarmup = warmup }
        if let redraws = bench.redraws { configuration.redraws = redraws }
        switch method {
        case .spotlight:
            if let rate = bench.spotlightLearningRate { configuration.learningRate = rate }
            if let weight = bench.spotlightEntropyWeight { configuration.entropyWeight = weight }
            if let epsilon = bench.spotlightAdamEpsilon { configuration.adamEpsilon = epsilon }
            if let baseline = bench.spotlightRewardBaseline {
                configuration.rewardBaseline = baseline
            }
            if bench.spotlightKl != nil || bench.targetKl != nil {
                configuration.watchKL(
                    bench.spotlightKl ?? configuration.klMeasure, target: bench.targetKl)
            }
        case .policyGradient:
            if let rate = bench.pgLearningRate { configuration.learningRate = rate }
            if let weight = bench.pgEntropyWeight { configuration.entropyWeight = weight }
            if let epsilon = bench.pgAdamEpsilon { configuration.adamEpsilon = epsilon }
            if let baseline = bench.pgRewardBaseline { configuration.rewardBaseline = baseline }
        }
        return configuration
    }

    /// Every method over every seed on one workload (and the local search alone, with a polish).
    func compare(name: String, base: PlacementProblem) -> Row {
        let evaluator = SimulatorEvaluator(problem: base)
        let results = Baselines.run(base)
        let (problem, start) = bench.warmStart.prepare(base, baselines: results)
        if let start, !bench.json { describeStart(start, name: name, problem: problem) }
        var row = Row(
            name: name, ops: problem.graph.count, lowerBound: problem.lowerBound(),
            baselines: results.map { ($0.method, $0.stepTime, $0.outOfMemory) })
        for method in Self.methods {
            run(method, on: problem, from: start, evaluator: evaluator, into: &row)
        }
        if bench.polish > 0, let start {
            // The same total budget as a search and its polish, all of it on the local search.
            row.localSearchAlone = seeds.map { seed in
                LocalSearch(problem: problem).polish(
                    start.assignment, stepTime: start.stepTime, evaluator: evaluator,
                    budget: samplesPerRun + bench.polish, seed: UInt64(seed)
                ).stepTime
            }
        }
        if bench.polish > 0, !bench.json { describePolish(row) }
        return row
    }

    /// The start both methods share, and what it is worth as one device per stage.
    private func describeStart(_ start: BaselineResult, name: String, problem: PlacementProblem) {
        let inputs = PolicyInputs(problem: problem)
        let stageDevices = problem.stageDevices(
            of: start.assignment, allowedDevices: inputs.allowedDevices)
        var simulator = Simulator(problem: problem)
        let projected = simulator.simulate(problem.assignment(stageDevices: stageDevices))
        Output.error(
            "\(name): both methods start from \(start.method) "
                + "(\(Units.microseconds(start.stepTime)); "
                + "\(Units.microseconds(projected.stepTime)) as one device for each of "
                + "\(problem.stages.count) stages)")
    }

    /// `method` over every seed: its bests, seconds and, with a polish, the polished bests.
    private func run(
        _ method: OptimizerConfiguration.Method, on problem: PlacementProblem,
        from start: BaselineResult?, evaluator: SimulatorEvaluator, into row: inout Row
    ) {
        var bests: [Double] = []
        var polishing = 0.0
        let started = Date()
        for seed in seeds {
            var configuration = configuration(method, seed: seed)
            bench.samplesAs.configure(&configuration, start: start)
            var optimizer = Optimizer(
                problem: problem, configuration: configuration, warmStart: start?.assignment)
            for _ in 0..<bench.iterations { optimizer.iterate(evaluator: evaluator) }
            bests.append(optimizer.state.bestStepTime ?? .infinity)
            guard bench.polish > 0 else { continue }
            let polishStarted = Date()
            var after = optimizer.state.bestStepTime ?? .infinity
            if let best = optimizer.state.bestAssignment {
                after =
                    LocalSearch(problem: problem).polish(
                        best, stepTime: after, evaluator: evaluator, budget: bench.polish,
                        seed: UInt64(seed), measured: optimizer.state.measured
                    ).stepTime
            }
            row.polished[method.rawValue, default: []].append(after)
            polishing += Date().timeIntervalSince(polishStarted)
        }
        let name = method.rawValue
        row.bests[name] = bests
        row.means[name] = OptimizerBench.mean(bests)
        row.seconds[name] = (Date().timeIntervalSince(started) - polishing) / Double(bench.seeds)
        row.polishSeconds[name] = polishing / Double(bench.seeds)
        if !bench.json {
            Output.error(
                "\(row.name): \(name) mean best \(Units.microseconds(row.means[name]!)) "
                    + "(seeds: \(bests.map { Units.microseconds($0) }.joined(separator: ", ")))")
        }
    }

    private func describePolish(_ row: Row) {
        Output.error(
            "\(row.name): after the polish, "
                + "pg \(Units.microseconds(OptimizerBench.mean(row.polished["pg"]!))), "
                + "spotlight \(Units.microseconds(OptimizerBench.mean(row.polished["spotlight"]!)))"
                + (row.localSearchAlone.map {
                    "; the local search alone \(Units.microseconds(OptimizerBench.mean($0)))"
                } ?? ""))
    }
}
