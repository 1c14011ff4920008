import ArgumentParser
import Foundation
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

/// Spotlight against the policy gradient and the heuristics, at an equal number of sampled
/// placements, over several seeds: the comparison of the Spotlight paper, on our workloads.
struct OptimizerBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Compare Spotlight, the policy gradient and the heuristics over several seeds.",
        discussion: """
            For each workload (GRAPH:CLUSTER pairs; by default the tiny sample and two synthetic \
            training graphs on a 1 CPU + 3 K80 machine), runs both methods with the same budget of \
            sampled placements for each seed and prints a markdown table: lower bound, every \
            baseline, the mean best step time of each method over the seeds, samples and wall time.
            """
    )

    @Argument(help: "Workloads as GRAPH:CLUSTER (default: the built-in set).") var workloads:
        [String] = []
    @Option(help: "Seeds per method.") var seeds = 5
    @Option(help: "The first seed (runs use seeds first-seed, first-seed + 1, ...).")
    var firstSeed = 1
    @Option(help: "Iterations per run.") var iterations = 60
    @Option(help: "Placements sampled per iteration.") var samples = 16
    @Option(help: "The most stages.") var stages = StagePartition.defaultMaximumStages
    @Flag(help: "Ignore the graphs' group hints when forming stages.") var ignoreGroups = false
    @Option(help: "Spotlight's gradient epochs per batch.") var epochs = 8
    @Option(
        help:
            "Iterations over which both methods' learning rates ramp up (default: their configuration's)."
    ) var warmupIterations: Int?
    @Option(help: "Spotlight's learning rate (default: its configuration's).")
    var spotlightLearningRate: Float?
    @Option(help: "Spotlight's entropy weight (default: its configuration's).")
    var spotlightEntropyWeight: Float?
    @Option(help: "Spotlight's Adam epsilon (default: its configuration's).")
    var spotlightAdamEpsilon: Float?
    @Option(help: "Spotlight's KL target (default: its configuration's).") var targetKl: Float?
    @Option(
        help: "Which KL Spotlight's beta watches: mean or largest (default: its configuration's).")
    var spotlightKl: OptimizerConfiguration.KLMeasure?
    @Option(help: "The policy gradient's learning rate (default: its configuration's).")
    var pgLearningRate: Float?
    @Option(help: "The policy gradient's entropy weight (default: its configuration's).")
    var pgEntropyWeight: Float?
    @Option(help: "The policy gradient's Adam epsilon (default: its configuration's).")
    var pgAdamEpsilon: Float?
    @Option(help: "Spotlight's reward baseline: batch or moving (default: its configuration's).")
    var spotlightRewardBaseline: OptimizerConfiguration.RewardBaseline?
    @Option(
        help:
            "The policy gradient's reward baseline: batch or moving (default: its configuration's)."
    ) var pgRewardBaseline: OptimizerConfiguration.RewardBaseline?
    @Option(
        help:
            "Batches both methods draw at most per iteration to replace repeated placements (default: their configuration's)."
    ) var redraws: Int?
    @Option(
        help: "Where both methods start: none (a uniform policy) or best (the fastest baseline).")
    var warmStart: WarmStart = .best
    @Option(
        help: ArgumentHelp(
            "Also polish each run's best placement by local search, at most this many placements (0: no polish).",
            discussion:
                "Adds a table: each method's placements after the polish, and the local search alone from the start with the same total budget."
        ))
    var polish = 0
    @Flag(help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        if let targetKl {
            guard targetKl > 0 else { throw ValidationError("--target-kl must be positive") }
        }
        if let spotlightAdamEpsilon {
            guard spotlightAdamEpsilon > 0 else {
                throw ValidationError("--spotlight-adam-epsilon must be positive")
            }
        }
        if let pgAdamEpsilon {
            guard pgAdamEpsilon > 0 else {
                throw ValidationError("--pg-adam-epsilon must be positive")
            }
        }
        if let redraws {
            guard redraws >= 0 else { throw ValidationError("--redraws must not be negative") }
        }
        guard polish >= 0 else { throw ValidationError("--polish must not be negative") }
        guard seeds >= 1, firstSeed >= 0, iterations >= 1, samples >= 2, stages >= 1 else {
            throw ValidationError(
                "--seeds, --iterations and --stages must be at least 1, --samples at least 2")
        }
    }

    struct Row {
        var name: String
        var ops: Int
        var lowerBound: Double
        var baselines: [(String, Double, Bool)]
        var means: [String: Double]
        var bests: [String: [Double]]
        var seconds: [String: Double]
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

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    /// Microseconds as milliseconds, for the tables.
    static func ms(_ value: Double) -> String { Units.format2(value / 1e3) }

    /// "0.981 ± 0.006": the mean of the seeds' ratios and its standard error.
    static func perSeed(_ comparison: SeedComparison) -> String {
        Units.fixed(comparison.meanRatio, decimals: 3)
            + (comparison.standardError.map { " ± " + Units.fixed($0, decimals: 3) } ?? "")
    }

    private func comparisonJSON(_ comparison: SeedComparison) -> JSONValue {
        .object([
            ("mean_ratio", .number(comparison.meanRatio)),
            ("standard_error", comparison.standardError.map(JSONValue.number) ?? .null),
            ("wins", .number(Double(comparison.wins))), ("ties", .number(Double(comparison.ties))),
        ])
    }

    func problems() throws -> [(String, PlacementProblem)] {
        if workloads.isEmpty {
            let cluster = SyntheticCluster.make(deviceCount: 4)
            return try [
                (
                    "tiny sample on tiny-cpu-2gpu",
                    Loading.problem(
                        graph: "samples/tiny.graph.json", cluster: "samples/tiny.cluster.json",
                        maximumStages: stages, groupHints: !ignoreGroups)
                ),
                (
                    "synthetic 2k ops on 1 CPU + 3 K80",
                    PlacementProblem(
                        graph: SyntheticGraph(opCount: 2000, seed: 3).graph(), cluster: cluster,
                        maximumStages: stages, groupHints: !ignoreGroups)
                ),
                (
                    "synthetic 10k ops on 1 CPU + 3 K80",
                    PlacementProblem(
                        graph: SyntheticGraph(opCount: 10000, seed: 4).graph(), cluster: cluster,
                        maximumStages: stages, groupHints: !ignoreGroups)
                ),
            ]
        }
        return try workloads.map { pair in
            let problem = try Loading.workload(
                pair, maximumStages: stages, groupHints: !ignoreGroups)
            return ("\(problem.graph.name) on \(problem.cluster.name)", problem)
        }
    }

    func run() throws {
        var rows: [Row] = []
        for (name, base) in try problems() {
            let evaluator = SimulatorEvaluator(problem: base)
            let results = Baselines.run(base)
            let (problem, start) = warmStart.prepare(base, baselines: results)
            let baselines = results.map { ($0.method, $0.stepTime, $0.outOfMemory) }
            if let start, !json {
                let inputs = PolicyInputs(problem: problem)
                let stageDevices = problem.stageDevices(
                    of: start.assignment, allowedDevices: inputs.allowedDevices)
                let projected = problem.assignment(stageDevices: stageDevices)
                var simulator = Simulator(problem: problem)
                Output.error(
                    "\(name): both methods start from \(start.method) (\(Units.microseconds(start.stepTime)); "
                        + "\(Units.microseconds(simulator.simulate(projected).stepTime)) as one device for each of \(problem.stages.count) stages)"
                )
            }
            var row = Row(
                name: name, ops: problem.graph.count,
                lowerBound: problem.lowerBound(),
                baselines: baselines, means: [:], bests: [:], seconds: [:])
            for method in OptimizerConfiguration.Method.allCases {
                var bests: [Double] = []
                var polishing = 0.0
                let started = Date()
                for seed in firstSeed..<(firstSeed + seeds) {
                    var configuration = OptimizerConfiguration(
                        method: method, samples: samples, seed: UInt64(seed))
                    configuration.epochs = epochs
                    if let warmupIterations { configuration.learningRateWarmup = warmupIterations }
                    if let redraws { configuration.redraws = redraws }
                    switch method {
                    case .spotlight:
                        if let spotlightLearningRate {
                            configuration.learningRate = spotlightLearningRate
                        }
                        if let spotlightEntropyWeight {
                            configuration.entropyWeight = spotlightEntropyWeight
                        }
                        if let spotlightAdamEpsilon {
                            configuration.adamEpsilon = spotlightAdamEpsilon
                        }
                        if let spotlightRewardBaseline {
                            configuration.rewardBaseline = spotlightRewardBaseline
                        }
                        if spotlightKl != nil || targetKl != nil {
                            configuration.watchKL(
                                spotlightKl ?? configuration.klMeasure, target: targetKl)
                        }
                    case .policyGradient:
                        if let pgLearningRate { configuration.learningRate = pgLearningRate }
                        if let pgEntropyWeight { configuration.entropyWeight = pgEntropyWeight }
                        if let pgAdamEpsilon { configuration.adamEpsilon = pgAdamEpsilon }
                        if let pgRewardBaseline { configuration.rewardBaseline = pgRewardBaseline }
                    }
                    var optimizer = Optimizer(
                        problem: problem, configuration: configuration, warmStart: start?.assignment
                    )
                    for _ in 0..<iterations { optimizer.iterate(evaluator: evaluator) }
                    bests.append(optimizer.state.bestStepTime ?? .infinity)
                    if polish > 0 {
                        let polishStarted = Date()
                        defer { polishing += Date().timeIntervalSince(polishStarted) }
                        var after = optimizer.state.bestStepTime ?? .infinity
                        if let best = optimizer.state.bestAssignment {
                            after =
                                LocalSearch(problem: problem).polish(
                                    best, stepTime: after, evaluator: evaluator, budget: polish,
                                    seed: UInt64(seed),
                                    measured: optimizer.state.measured
                                ).stepTime
                        }
                        row.polished[method.rawValue, default: []].append(after)
                    }
                }
                row.bests[method.rawValue] = bests
                row.means[method.rawValue] = Self.mean(bests)
                row.seconds[method.rawValue] =
                    (Date().timeIntervalSince(started) - polishing) / Double(seeds)
                row.polishSeconds[method.rawValue] = polishing / Double(seeds)
                if !json {
                    Output.error(
                        "\(name): \(method.rawValue) mean best \(Units.microseconds(row.means[method.rawValue]!)) "
                            + "(seeds: \(bests.map { Units.microseconds($0) }.joined(separator: ", ")))"
                    )
                }
            }
            if polish > 0, let start {
                // The same total budget as a search and its polish, all of it on the local search.
                row.localSearchAlone = (firstSeed..<(firstSeed + seeds)).map { seed in
                    LocalSearch(problem: problem).polish(
                        start.assignment, stepTime: start.stepTime, evaluator: evaluator,
                        budget: iterations * samples + polish, seed: UInt64(seed)
                    ).stepTime
                }
            }
            if polish > 0, !json {
                Output.error(
                    "\(name): after the polish, pg \(Units.microseconds(Self.mean(row.polished["pg"]!))), "
                        + "spotlight \(Units.microseconds(Self.mean(row.polished["spotlight"]!)))"
                        + (row.localSearchAlone.map {
                            "; the local search alone \(Units.microseconds(Self.mean($0)))"
                        } ?? ""))
            }
            rows.append(row)
        }
        if json {
            Output.json(
                .array(
                    rows.map { row in
                        .object([
                            ("workload", .string(row.name)), ("ops", .number(Double(row.ops))),
                            ("lower_bound_us", .number(row.lowerBound)),
                            (
                                "baselines",
                                .object(
                                    row.baselines.map {
                                        (
                                            $0.0,
                                            .object([
                                                ("step_time_us", .number($0.1)),
                                                ("oom", .bool($0.2)),
                                            ])
                                        )
                                    })
                            ),
                            (
                                "methods",
                                .object(
                                    OptimizerConfiguration.Method.allCases.map { method in
                                        (
                                            method.rawValue,
                                            .object([
                                                (
                                                    "mean_best_step_time_us",
                                                    .number(row.means[method.rawValue]!)
                                                ),
                                                (
                                                    "best_step_times_us",
                                                    .array(
                                                        row.bests[method.rawValue]!.map(
                                                            JSONValue.number))
                                                ),
                                                (
                                                    "seconds_per_run",
                                                    .number(row.seconds[method.rawValue]!)
                                                ),
                                            ])
                                        )
                                    })
                            ),
                            ("spotlight_against_pg", comparisonJSON(row.comparison)),
                            ("samples_per_run", .number(Double(iterations * samples))),
                            (
                                "polish",
                                polish == 0
                                    ? .null
                                    : .object([
                                        ("budget", .number(Double(polish))),
                                        (
                                            "best_step_times_us",
                                            .object(
                                                OptimizerConfiguration.Method.allCases.map {
                                                    method in
                                                    (
                                                        method.rawValue,
                                                        .array(
                                                            row.polished[method.rawValue]!.map(
                                                                JSONValue.number))
                                                    )
                                                })
                                        ),
                                        (
                                            "spotlight_against_pg",
                                            comparisonJSON(row.polishedComparison)
                                        ),
                                        (
                                            "seconds_per_polish",
                                            .object(
                                                OptimizerConfiguration.Method.allCases.map {
                                                    (
                                                        $0.rawValue,
                                                        .number(row.polishSeconds[$0.rawValue]!)
                                                    )
                                                })
                                        ),
                                        (
                                            "local_search_alone_us",
                                            row.localSearchAlone.map {
                                                .array($0.map(JSONValue.number))
                                            } ?? .null
                                        ),
                                    ])
                            ),
                        ])
                    }))
            return
        }
        let methods = rows.first?.baselines.map(\.0) ?? []
        Output.line(
            "| workload | lower bound | " + methods.joined(separator: " | ")
                + " | policy gradient | Spotlight | Spotlight / PG | per seed (± s.e.) | seeds Spotlight wins | samples per run | seconds per run (PG / Spotlight) |"
        )
        Output.line(
            "|---|---:|" + String(repeating: "---:|", count: methods.count)
                + "---:|---:|---:|---:|---:|---:|---:|")
        let ms = Self.ms
        for row in rows {
            let baselineCells = methods.map { method in
                row.baselines.first { $0.0 == method }.map { ms($0.1) + ($0.2 ? " (OOM)" : "") }
                    ?? "-"
            }
            let pg = row.means["pg"]!
            let spotlight = row.means["spotlight"]!
            let comparison = row.comparison
            let record =
                "\(comparison.wins) of \(seeds)"
                + (comparison.ties > 0 ? " (\(comparison.ties) tied)" : "")
            Output.line(
                "| \(row.name) | \(ms(row.lowerBound)) | " + baselineCells.joined(separator: " | ")
                    + " | \(ms(pg)) | \(ms(spotlight)) | \(Units.fixed(spotlight / pg, decimals: 3)) | \(Self.perSeed(comparison)) | \(record) | \(iterations * samples) | \(Units.format1(row.seconds["pg"]!)) / \(Units.format1(row.seconds["spotlight"]!)) |"
            )
        }
        Output.line(
            "\nStep times in ms; each method's figure is the mean over \(seeds) seeds of the best placement it found. "
                + "\"Per seed\" is the mean of the seeds' Spotlight / PG ratios with its standard error: a mean within about "
                + "two standard errors of 1 does not tell the methods apart.")
        guard polish > 0 else { return }
        Output.line(
            "\n| workload | policy gradient | + local search | Spotlight | + local search | Spotlight / PG after it, per seed (± s.e.) | local search alone, from the start | placements per run | seconds per polish (PG / Spotlight) |"
        )
        Output.line("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in rows {
            Output.line(
                "| \(row.name) | \(ms(row.means["pg"]!)) | \(ms(Self.mean(row.polished["pg"]!))) | \(ms(row.means["spotlight"]!)) | "
                    + "\(ms(Self.mean(row.polished["spotlight"]!))) | \(Self.perSeed(row.polishedComparison)) | \(row.localSearchAlone.map { ms(Self.mean($0)) } ?? "-") | "
                    + "\(iterations * samples) + at most \(polish) | \(Units.format1(row.polishSeconds["pg"]!)) / \(Units.format1(row.polishSeconds["spotlight"]!)) |"
            )
        }
        Output.line(
            "\nAfter each run, a local search polished its best placement (at most \(polish) placements); the local search "
                + "alone starts from the placement both methods start from, with a budget of \(iterations * samples + polish)."
        )
    }
}
