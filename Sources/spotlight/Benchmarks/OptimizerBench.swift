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
    @OptionGroup var samplesAs: DecoderOptions
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

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    /// Microseconds as milliseconds, for the tables.
    static func ms(_ value: Double) -> String { Units.format2(value / 1e3) }

    /// "0.981 ± 0.006": the mean of the seeds' ratios and its standard error.
    static func perSeed(_ comparison: SeedComparison) -> String {
        Units.fixed(comparison.meanRatio, decimals: 3)
            + (comparison.standardError.map { " ± " + Units.fixed($0, decimals: 3) } ?? "")
    }

    func problems() throws -> [(String, PlacementProblem)] {
        if workloads.isEmpty {
            let tiny = try Loading.problem(
                graph: "samples/tiny.graph.json", cluster: "samples/tiny.cluster.json",
                maximumStages: stages, groupHints: !ignoreGroups)
            return try [("tiny sample on tiny-cpu-2gpu", tiny)]
                + SyntheticWorkload.all.map { synthetic in
                    (
                        "\(synthetic.title) ops on 1 CPU + 3 K80",
                        try synthetic.problem(maximumStages: stages, groupHints: !ignoreGroups)
                    )
                }
        }
        return try workloads.map { pair in
            let problem = try Loading.workload(
                pair, maximumStages: stages, groupHints: !ignoreGroups)
            return ("\(problem.graph.name) on \(problem.cluster.name)", problem)
        }
    }

    func run() throws {
        let comparison = OptimizerComparison(bench: self)
        let rows = try problems().map { comparison.compare(name: $0.0, base: $0.1) }
        if json {
            Output.json(comparison.json(rows))
        } else {
            for line in comparison.table(rows) { Output.line(line) }
        }
    }
}
