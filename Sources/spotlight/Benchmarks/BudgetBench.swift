import ArgumentParser
import Foundation
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

/// Spotlight, the policy gradient and the local search alone at one budget of measured
/// placements, over several seeds: the comparison a user on real hardware cares about, where
/// every measurement costs a run.
struct BudgetBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract:
            "Compare Spotlight, the policy gradient and the local search at an equal budget of measured placements.",
        discussion: """
            For each workload (GRAPH:CLUSTER pairs, or synthetic-2k and synthetic-10k; by default \
            the six real sample workloads and the two synthetic graphs), runs every method with \
            the same budget for each seed and prints a markdown table of mean best step times. \
            Every measurement counts: samples, confirmations and the polish's moves; the \
            heuristics' one measurement each does not. \
            With --noise, placements are measured with log-normal noise and each method's best \
            placement is scored by its exact simulated time.
            """
    )

    @Argument(
        help: """
            Workloads as GRAPH:CLUSTER, or synthetic-2k and synthetic-10k (default: the six \
            real samples and both synthetic graphs).
            """
    ) var workloads: [String] = []
    @Option(help: "Placements measured per run.") var budget = 960
    @Option(help: "Seeds per method.") var seeds = 5
    @Option(help: "The first seed.") var firstSeed = 1
    @Option(
        help:
            "The learned searches' share of the budget: sequential, what they spend before the polish; interleaved, the least they get (default: 0.5 or 0.1)."
    )
    var searchShare: Double?
    @Option(
        help:
            "How the learned searches share the budget with the local search: sequential or interleaved."
    )
    var schedule: BudgetedSearch.Schedule = .interleaved
    @Option(help: "Stages each sample changes, about (0: whole placements, as in the papers).")
    var anchorMoves = 0.0
    @Option(help: "Placements sampled per iteration.") var samples = 16
    @Flag(
        inversion: .prefixedNo,
        help: "Whether the climb also measures a batch's improving moves made together.")
    var compoundMoves = false
    @Option(
        help:
            "Anchored: the share of each batch that is single-stage moves (default: the configuration's)."
    ) var sweepShare: Double?
    @Option(help: "The most stages.") var stages = StagePartition.defaultMaximumStages
    @Option(help: "Where the searches start: best (the fastest heuristic) or none.") var warmStart:
        WarmStart = .best
    @OptionGroup var samplesAs: DecoderOptions
    @Option(help: "Log-normal measurement noise, as the log-deviation (0.05: about 5%).")
    var noise = 0.0
    @Flag(
        help: ArgumentHelp(
            "With --noise: measure the heuristics with noise too, once each outside the budget, "
                + "and start from the fastest as measured, as on hardware."))
    var noisyStart = false
    @Option(
        help: ArgumentHelp(
            "Measure on a machine the model gets wrong: each op's time and link's rate off by "
                + "this log-normal spread (one machine per seed)."))
    var modelError = 0.0
    @Flag(help: "Whether the learned searches' climbs measure only moves the model predicts help.")
    var screen = false
    @Option(
        help: ArgumentHelp(
            "With --model-error: simulated placements each heuristic may take for its polish in "
                + "the model, measured as one more heuristic (0: none)."))
    var modelPolish = 0
    @Option(
        help: ArgumentHelp(
            "With --model-error: fit the model to the measurements every this many placements "
                + "and polish the best placement in it, in the screened searches (0: never)."))
    var calibrate = 0
    @Option(help: "Simulated moves of each polish in the fitted model.") var calibrationMoves =
        5_000
    @Option(help: "The fit's allowance for misfit, as a log-deviation.") var calibrationMisfit:
        Double?
    @Option(
        help: ArgumentHelp(
            "Placements each learned search draws in the fitted model at each fit (0: none)."))
    var rehearsal = 0
    @Option(help: "Confirmations of a would-be best (default: 2 with noise, else 0).") var confirm:
        Int?
    @Option(help: "Methods to run, comma-separated, from local, screened, pg, spotlight.")
    var methods =
        "local,pg,spotlight"
    @Option(help: "Spotlight's learning rate (default: its configuration's).")
    var spotlightLearningRate: Float?
    @Option(help: "The policy gradient's learning rate (default: its configuration's).")
    var pgLearningRate: Float?
    @Option(help: "Spotlight's KL target (default: its configuration's).") var targetKl: Float?
    @Option(help: "Spotlight's gradient epochs per batch.") var epochs = 8
    @Option(help: "Both methods' entropy weight (default: their configuration's).")
    var entropyWeight: Float?
    @Option(
        help: "Both methods' iterations between cross-entropy steps (0: none; default: theirs).")
    var crossEntropyEvery: Int?
    @Option(
        help:
            "Both methods' reward baseline: batch, moving or best (default: their configuration's)."
    )
    var rewardBaseline: OptimizerConfiguration.RewardBaseline?

    func validate() throws {
        guard budget >= 1, seeds >= 1, samples >= 2, stages >= 1 else {
            throw ValidationError(
                "--budget, --seeds and --stages must be at least 1, --samples at least 2")
        }
        guard (0...1).contains(searchShare ?? 0) else {
            throw ValidationError("--search-share must be between 0 and 1")
        }
        guard anchorMoves >= 0, noise >= 0, (confirm ?? 0) >= 0, (crossEntropyEvery ?? 0) >= 0
        else {
            throw ValidationError(
                "--anchor-moves, --noise, --confirm and --cross-entropy-every must not be negative")
        }
        guard modelPolish >= 0, modelPolish == 0 || modelError > 0 else {
            throw ValidationError(
                "--model-polish needs --model-error: without it the model is the measurement, "
                    + "and the polish a search that measures for free")
        }
        guard !noisyStart || noise > 0 else {
            throw ValidationError("--noisy-start needs --noise: without it the start is exact")
        }
        guard (calibrationMisfit ?? 1) > 0 else {
            throw ValidationError("--calibration-misfit must be positive")
        }
        guard calibrate >= 0, calibrationMoves >= 0, calibrate == 0 || modelError > 0 else {
            throw ValidationError(
                "--calibrate needs --model-error: without it the model is the measurement, "
                    + "and fitting it changes nothing but makes its polish a free search")
        }
        guard !methodList.isEmpty,
            methodList.allSatisfy({ Self.methodNames.keys.contains($0) })
        else {
            throw ValidationError("--methods lists local, screened, pg and spotlight")
        }
    }

    /// Each method's name on the command line and in the table.
    static let methodNames = [
        "local": "local search", "screened": "screened local search", "pg": "policy gradient",
        "spotlight": "Spotlight",
    ]

    var methodList: [String] { methods.split(separator: ",").map { String($0) } }

    func run() throws {
        let runner = BudgetComparison(bench: self)
        var rows: [BudgetComparison.Row] = []
        for (name, problem) in try problems() {
            rows.append(try runner.compare(name: name, base: problem))
        }
        print(runner.table(rows))
        if let ledgers = runner.ledgerTable(rows) { print("\n" + ledgers) }
    }

    func problems() throws -> [(String, PlacementProblem)] {
        let synthetics = SyntheticWorkload.all
        let names = workloads.isEmpty ? Self.defaultWorkloads + synthetics.map(\.name) : workloads
        return try names.map { name in
            if let synthetic = synthetics.first(where: { $0.name == name }) {
                return (synthetic.title, try synthetic.problem(maximumStages: stages))
            }
            guard name.contains(":") else {
                let known = synthetics.map(\.name).joined(separator: " or ")
                throw ValidationError("workload \"\(name)\" is neither GRAPH:CLUSTER nor \(known)")
            }
            let problem = try Loading.workload(name, maximumStages: stages)
            return (problem.graph.name, problem)
        }
    }

    static let defaultWorkloads = [
        "samples/cifar10_cnn.graph.json:samples/k80x4.cluster.json",
        "samples/inception_v3.graph.json.gz:samples/k80x4.cluster.json",
        "samples/resnet50.graph.json.gz:samples/k80x4.cluster.json",
        "samples/rnnlm.graph.json.gz:samples/k80x2.cluster.json",
        "samples/nmt.graph.json.gz:samples/k80x4.cluster.json",
        "samples/transformer.graph.json.gz:samples/k80x4.cluster.json",
    ]
}

/// The runs and the table behind `bench budget`.
struct BudgetComparison {
    let bench: BudgetBench

    struct Row {
        var name: String
        var lowerBound: Double
        var bestHeuristic: (method: String, time: Double)?
        /// Each method's exact best step time per seed, and mean seconds per run.
        var bests: [String: [Double]] = [:]
        var seconds: [String: Double] = [:]
        var measured: [String: Double] = [:]
        /// Each method's ledger per seed: where its placements went.
        var ledgers: [String: [BudgetedSearch.Ledger]] = [:]
    }

    func configuration(_ method: String, seed: Int) -> OptimizerConfiguration {
        var configuration = OptimizerConfiguration(
            method: method == "pg" ? .policyGradient : .spotlight,
            samples: bench.samples, seed: UInt64(seed))
        configuration.anchorMoves = bench.anchorMoves > 0 ? bench.anchorMoves : nil
        configuration.confirmations = bench.confirm ?? (bench.noise > 0 ? 2 : 0)
        configuration.epochs = bench.epochs
        configuration.compoundMoves = bench.compoundMoves
        if let entropyWeight = bench.entropyWeight { configuration.entropyWeight = entropyWeight }
        if let every = bench.crossEntropyEvery { configuration.crossEntropyEvery = every }
        if let sweepShare = bench.sweepShare { configuration.sweepShare = sweepShare }
        if let rewardBaseline = bench.rewardBaseline {
            configuration.rewardBaseline = rewardBaseline
        }
        if method == "pg", let rate = bench.pgLearningRate { configuration.learningRate = rate }
        if method == "spotlight" {
            if let rate = bench.spotlightLearningRate { configuration.learningRate = rate }
            if let targetKl = bench.targetKl {
                configuration.watchKL(configuration.klMeasure, target: targetKl)
            }
        }
        return configuration
    }

    /// What one seed's runs measure on: the truth (the simulator, or with `--model-error` a
    /// machine the model gets wrong, one per seed), the heuristics as it measures them, and the
    /// problem and placement the searches start from.
    struct Machine {
        var truth: SimulatorEvaluator
        var fastest: BaselineResult?
        var problem: PlacementProblem
        var start: BaselineResult?
        /// The heuristics as measured on the truth (with `--noisy-start`, once each with noise).
        var measured: [BaselineResult]
    }

    /// `simulated`: the heuristics' placements on `base`, as the model times them.
    func machine(_ base: PlacementProblem, simulated: [BaselineResult], seed: Int) throws
        -> Machine
    {
        var truth = SimulatorEvaluator(problem: base)
        var baselines = simulated
        if bench.modelError > 0 {
            let error = ModelError(spread: bench.modelError, seed: UInt64(seed))
            truth = SimulatorEvaluator(
                graph: base.graph, cluster: try error.cluster(base.cluster),
                cost: error.cost(base.cost, cluster: base.cluster))
            baselines = Baselines.measure(simulated, with: truth).baselines
        }
        let measured = startingHeuristics(baselines, on: truth, seed: seed)
        let (problem, start) = bench.warmStart.prepare(base, baselines: measured)
        return Machine(
            truth: truth, fastest: WarmStart.fastest(baselines), problem: problem, start: start,
            measured: measured)
    }

    /// The heuristics as the search sees them at its start: as `truth` times them, or with
    /// `--noisy-start` each measured once with the run's noise (a stream of its own, apart
    /// from the search's), so that the start's time is one noisy run as on hardware.
    func startingHeuristics(_ heuristics: [BaselineResult], on truth: SimulatorEvaluator, seed: Int)
        -> [BaselineResult]
    {
        guard bench.noisyStart else { return heuristics }
        let noisy = NoisyEvaluator(truth, spread: bench.noise, seed: ~UInt64(seed))
        return Baselines.measure(heuristics, with: noisy).baselines
    }

    func compare(name: String, base: PlacementProblem) throws -> Row {
        let seeds = Array(bench.firstSeed..<(bench.firstSeed + bench.seeds))
        // The heuristics run once; without a model error or a noisy start every seed measures
        // on the model and starts alike.
        let heuristics = Baselines.run(base)
        let simulated =
            heuristics + Baselines.polished(heuristics, in: base, moves: bench.modelPolish)
        let machines =
            bench.modelError > 0 || bench.noisyStart
            ? try seeds.map { try machine(base, simulated: simulated, seed: $0) }
            : Array(
                repeating: try machine(base, simulated: simulated, seed: bench.firstSeed),
                count: seeds.count)
        let model = SimulatorEvaluator(problem: base)
        let fastest = machines.compactMap(\.fastest)
        var row = Row(
            name: name, lowerBound: base.lowerBound(),
            bestHeuristic: fastest.first.map {
                ($0.method, OptimizerBench.mean(fastest.map(\.stepTime)))
            })
        for method in bench.methodList {
            var bests: [Double] = []
            var ledgers: [BudgetedSearch.Ledger] = []
            var measured = 0
            let started = Date()
            for (seed, machine) in zip(seeds, machines) {
                let outcome = run(method, seed: seed, on: machine, model: model)
                let time =
                    outcome.assignment.flatMap {
                        machine.truth.evaluate([$0], method: method)[0].stepTime
                    } ?? .infinity
                bests.append(time)
                ledgers.append(outcome.ledger)
                measured += outcome.measured
                Output.error(
                    "\(name) \(method) seed \(seed): \(Units.microseconds(time)) "
                        + "(search \(outcome.searchStepTime.map(Units.microseconds) ?? "-"), "
                        + "\(outcome.searchMeasured) + \(outcome.polishMeasured) measured; "
                        + "\(outcome.ledger.summary))")
            }
            row.bests[method] = bests
            row.ledgers[method] = ledgers
            row.seconds[method] = Date().timeIntervalSince(started) / Double(bench.seeds)
            row.measured[method] = Double(measured) / Double(bench.seeds)
        }
        return row
    }

    /// One method's run for one seed: the local search alone (screened or not) or a learned
    /// search with the interleaved climb, screened by `model` with `--screen`.
    func run(_ method: String, seed: Int, on machine: Machine, model: SimulatorEvaluator)
        -> BudgetedSearch.Outcome
    {
        let evaluator: any Evaluator =
            bench.noise > 0
            ? NoisyEvaluator(machine.truth, spread: bench.noise, seed: UInt64(seed))
            : machine.truth
        let alone = method == "local" || method == "screened"
        var configuration = configuration(alone ? "spotlight" : method, seed: seed)
        // Never sampled from: anchored, the policy is not taught the start.
        if alone { configuration.anchorMoves = configuration.anchorMoves ?? 1 }
        bench.samplesAs.configure(&configuration, start: machine.start)
        var optimizer = Optimizer(
            problem: machine.problem, configuration: configuration,
            warmStart: machine.start?.assignment, warmStartTime: machine.start?.stepTime)
        if method == "screened" || (!alone && bench.screen) { optimizer.screen = model }
        let share = alone ? 0 : bench.searchShare ?? bench.schedule.defaultShare
        var plan = BudgetedSearch(
            budget: bench.budget, searchShare: share, schedule: bench.schedule)
        if bench.calibrate > 0 && optimizer.screen != nil {
            plan.calibration = BudgetedSearch.Calibration(
                every: bench.calibrate, moves: bench.calibrationMoves,
                rehearsal: bench.rehearsal, misfit: bench.calibrationMisfit,
                known: BudgetedSearch.Calibration.known(machine.measured))
        }
        return plan.run(&optimizer, evaluator: evaluator)
    }

    /// Spotlight against each other method run, when Spotlight is run.
    var ratioColumns: [(method: String, label: String)] {
        let methods = bench.methodList
        guard methods.contains("spotlight") else { return [] }
        return [("local", "local"), ("screened", "screened"), ("pg", "PG")].filter {
            methods.contains($0.method)
        }
    }

    func table(_ rows: [Row]) -> String {
        let methods = bench.methodList
        let names = BudgetBench.methodNames
        var lines = [
            "| workload | lower bound | best heuristic | "
                + methods.map { names[$0]! }.joined(separator: " | ")
                + ratioColumns.map { " | Spotlight / \($0.label)" }.joined()
                + " | measured per run | seconds per run |"
        ]
        lines.append(
            "|---|---:|---:|" + String(repeating: "---:|", count: methods.count)
                + String(repeating: "---:|", count: ratioColumns.count) + "---:|---:|")
        let ms = OptimizerBench.ms
        for row in rows {
            var cells = [
                row.name, ms(row.lowerBound),
                row.bestHeuristic.map { "\(ms($0.time)) (\($0.method))" } ?? "-",
            ]
            cells += methods.map { ms(OptimizerBench.mean(row.bests[$0]!)) }
            for other in ratioColumns {
                cells.append(
                    OptimizerBench.perSeed(
                        SeedComparison(row.bests["spotlight"]!, against: row.bests[other.method]!)))
            }
            cells.append(methods.map { Units.format1(row.measured[$0]!) }.joined(separator: " / "))
            cells.append(methods.map { Units.format1(row.seconds[$0]!) }.joined(separator: " / "))
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append(
            "Step times in ms, means over \(bench.seeds) seeds (from \(bench.firstSeed)) at \(bench.budget) measured placements"
                + (bench.noise > 0
                    ? ", measured with \(bench.noise) log-normal noise and scored exactly" : "")
                + (bench.modelError > 0
                    ? ", on machines the model gets wrong by \(bench.modelError)" : "")
                + "; ratios are per-seed means ± standard error.")
        return lines.joined(separator: "\n")
    }
}
