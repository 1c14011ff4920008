import ArgumentParser
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

/// The options `optimize` and `explore` share: how the search is set up, how placements are
/// measured, and where it is checkpointed.
struct SearchOptions: ParsableArguments {
    enum Method: String, ExpressibleByArgument, CaseIterable {
        case spotlight, pg, local
    }

    @Option(
        help: ArgumentHelp(
            "spotlight (proximal, KL-penalised), pg (REINFORCE, Mirhoseini et al. 2017) or local (the local search alone).",
            discussion:
                "local spends the whole budget on the polish, from the fastest heuristic placement: the baseline the learned searches are compared with at an equal budget."
        ))
    var method: Method = .spotlight
    @Option(help: "Placements sampled per iteration.") var samples = 16
    @Option(help: "The random seed; the same seed gives the same run.") var seed: UInt64 = 1
    @Option(help: "The most stages (policy decisions).") var stages = StagePartition
        .defaultMaximumStages
    @Flag(
        help: "Ignore the graph's group hints when forming stages (finer stages, a larger search).")
    var ignoreGroups = false
    @Option(help: "LSTM hidden size (64 to 256 is typical).") var hidden = 64
    @Option(help: "Spotlight: gradient epochs on each batch.") var epochs = 8
    @Option(
        help: ArgumentHelp(
            "Where the search starts: best (the fastest heuristic placement) or none (a uniform policy, as in the papers).",
            discussion:
                "With best, the stages are split so that the heuristic's placement is one "
                + "device per stage and it is the first best placement; with --decoder direct, "
                + "the policy is first taught to choose it with probability 0.9 at every stage."
        ))
    var warmStart: WarmStart = .best
    @OptionGroup var samplesAs: DecoderOptions
    @Option(help: "Adam learning rate (default: 0.002 for spotlight, 0.0025 for pg).")
    var learningRate: Float?
    @Option(help: "Iterations over which the learning rate ramps up to its value (0: none).")
    var warmupIterations: Int?
    @Option(help: "Adam's epsilon (default: 0.01 for spotlight, 1e-8 for pg).") var adamEpsilon:
        Float?
    @Option(help: "Weight of the entropy bonus that keeps the search exploring (default: 0.01).")
    var entropyWeight: Float?
    @Option(
        help:
            "Iterations between cross-entropy steps, which teach the policy the fastest placements it drew since the last one (0: none; default: 4)."
    )
    var crossEntropyEvery: Int?
    @Option(
        help:
            "What a sample's reward is measured against: batch (the batch's mean) or moving (a moving average of past batches', as Mirhoseini et al. used)."
    )
    var rewardBaseline: OptimizerConfiguration.RewardBaseline = .batchMean
    @Option(
        help:
            "Spotlight: the KL divergence each batch's update aims for (default: 0.3 for largest, 0.02 for mean)."
    ) var targetKl: Float?
    @Option(
        help:
            "Spotlight: which KL divergence beta and the early stop watch: largest (the largest stage's, the bound's D_KL^max) or mean (over stages)."
    )
    var klMeasure: OptimizerConfiguration.KLMeasure = .largest
    @Option(
        help: ArgumentHelp(
            "Measure placements by running this shell command instead of simulating them.",
            discussion:
                "It gets the placement file on its standard input and must print the step time in microseconds as the last line of its standard output."
        ))
    var evaluateCommand: String?
    @Option(
        help: ArgumentHelp(
            "Measure placements through this shell command, started once and kept running (instead of a command per placement).",
            discussion:
                "It gets one placement per line (compact JSON) on its standard input and answers each with a line: the step time in microseconds, or `error: REASON`; other lines are ignored. `tools/tf-export/measure --serve` is one."
        ))
    var evaluateServer: String?
    @Option(
        help: ArgumentHelp(
            "How many more times to measure a placement whose first measurement would make it the best so far (default: 2 when measuring on hardware, 0 with the simulator).",
            discussion:
                "It becomes the best only if the median of its measurements still beats the best, and that median is its time: on noisy hardware, the lowest of hundreds of single measurements is mostly luck."
        ))
    var confirm: Int?
    @Option(
        help: ArgumentHelp(
            "The most further batches drawn in an iteration to replace samples that repeat a placement already measured (0: keep repeats, as the papers did).",
            discussion:
                "A confident policy otherwise spends most of its samples measuring again the few placements it favours."
        ))
    var redraws = 64
    @Option(
        help: ArgumentHelp(
            "About how many stages each sample changes in the best placement found so far (0: sample whole placements, as the papers did).",
            discussion:
                "Anchored, the policy proposes changes to the best placement, and part of each batch is single-stage moves in the order the policy ranks them (--sweep-share)."
        ))
    var anchorMoves = 0.0
    @Option(
        help: "Anchored: the share of each batch that is single-stage moves ranked by the policy.")
    var sweepShare = 0.75
    @Option(
        help: "Seconds before a measuring command is stopped and its placement counted invalid.")
    var timeout = 600.0
    @Option(
        help: ArgumentHelp(
            "Measuring commands or servers run at once, each measuring a batch's next placement when free.",
            discussion:
                "Each knows its index from SPOTLIGHT_WORKER (0, 1, ...), to target its own machine or GPUs. Results do not depend on which finishes first; a failed measurement is tried once more on another worker."
        ))
    var evaluateWorkers = 1
    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Whether the local search measures first the moves the simulator predicts to help "
                + "(default: on when measuring on hardware).",
            discussion:
                "The simulator screens each move before it is measured; moves it predicts not to "
                + "help are measured only if none of the others does, so the climb still ends at "
                + "a measured local optimum. The simulations are not measured placements."
        ))
    var screen: Bool?
    @Option(
        help: ArgumentHelp(
            "Simulated placements each heuristic may take for its polish in the simulator before "
                + "the heuristics are measured on hardware (0: none; default: "
                + "\(Baselines.modelPolishMoves), fewer on graphs of over "
                + "\(Baselines.modelPolishWork / Baselines.modelPolishMoves) ops).",
            discussion:
                "Each polished placement is measured as one more heuristic, outside the budget as "
                + "the heuristics are, and the search starts from the fastest measured. Under "
                + "measurement noise a climb on the hardware keeps few moves, so a start the "
                + "simulator has already climbed is worth more than the heuristic it came from."
        ))
    var modelPolish: Int?
    @Option(
        help: ArgumentHelp(
            "With --budget on hardware: placements measured between fits of the simulator to the "
                + "measurements (0: none; default: \(BudgetedSearch.Calibration.defaultInterval)).",
            discussion:
                "Each fit scales every op's time per device type and every link's rate so that "
                + "the simulator's step times match the measured ones; the fitted simulator then "
                + "screens the climb's moves and polishes the best placement, and the polished "
                + "placement is measured, within the budget, and kept when faster."
        ))
    var fitModelEvery: Int?
    @Option(
        help: ArgumentHelp(
            "At each fit of the simulator: placements the policy draws in the fitted simulator "
                + "(0: none; default: \(BudgetedSearch.Calibration.defaultRehearsal)).",
            discussion:
                "The policy learns from them with its own update, as if they had been measured; "
                + "the fastest it finds, climbed in the fitted simulator, is measured in place of "
                + "the polish of the best placement when the simulator predicts it faster. Only "
                + "the learned methods have a policy to rehearse."
        ))
    var rehearsal: Int?
    @Option(
        help:
            "Save the search here (atomically) every --checkpoint-every iterations and at the end.",
        completion: .file(extensions: ["json"]))
    var checkpoint: String?
    @Option(help: "Iterations between checkpoints.") var checkpointEvery = 10
    @Flag(help: "Continue the search saved in --checkpoint instead of starting anew.") var resume =
        false

    func validate() throws {
        guard samples >= 2 else { throw ValidationError("--samples must be at least 2") }
        guard stages >= 1 else { throw ValidationError("--stages must be at least 1") }
        guard (8...1024).contains(hidden) else {
            throw ValidationError("--hidden must be between 8 and 1024")
        }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
        if let learningRate {
            guard learningRate > 0 else {
                throw ValidationError("--learning-rate must be positive")
            }
        }
        if let entropyWeight {
            guard entropyWeight >= 0 else {
                throw ValidationError("--entropy-weight must not be negative")
            }
        }
        if let warmupIterations {
            guard warmupIterations >= 0 else {
                throw ValidationError("--warmup-iterations must not be negative")
            }
        }
        if let adamEpsilon {
            guard adamEpsilon > 0 else { throw ValidationError("--adam-epsilon must be positive") }
        }
        if let targetKl {
            guard targetKl > 0 else { throw ValidationError("--target-kl must be positive") }
        }
        guard redraws >= 0 else { throw ValidationError("--redraws must not be negative") }
        guard (crossEntropyEvery ?? 0) >= 0 else {
            throw ValidationError("--cross-entropy-every must not be negative")
        }
        guard anchorMoves >= 0, anchorMoves.isFinite else {
            throw ValidationError("--anchor-moves must not be negative")
        }
        guard (0...1).contains(sweepShare) else {
            throw ValidationError("--sweep-share must be between 0 and 1")
        }
        if method == .local && warmStart == .none {
            throw ValidationError(
                "--method local starts from the best heuristic: drop --warm-start none")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard (1...64).contains(evaluateWorkers) else {
            throw ValidationError("--evaluate-workers must be 1 to 64")
        }
        guard checkpointEvery >= 1 else {
            throw ValidationError("--checkpoint-every must be at least 1")
        }
        if resume && checkpoint == nil { throw ValidationError("--resume needs --checkpoint FILE") }
        if let confirm {
            guard confirm >= 0 else { throw ValidationError("--confirm must not be negative") }
        }
        if let modelPolish {
            guard modelPolish >= 0 else {
                throw ValidationError("--model-polish must not be negative")
            }
            try requireHardware(
                "--model-polish", "the polish would be a search that measures for free")
        }
        if let fitModelEvery {
            guard fitModelEvery >= 0 else {
                throw ValidationError("--fit-model-every must not be negative")
            }
            if fitModelEvery > 0 {
                try requireHardware(
                    "--fit-model-every", "the simulator would be fitted to itself")
            }
        }
        if let rehearsal { try validateRehearsal(rehearsal) }
        if screen == true {
            try requireHardware("--screen", "the screen would be the measurement itself")
        }
        if evaluateCommand != nil && evaluateServer != nil {
            throw ValidationError("give --evaluate-command or --evaluate-server, not both")
        }
    }

    /// The options of the simulator's fit with their values (0 when not given): a positive one
    /// needs a budget, which the commands check.
    var fitOptions: [(option: String, value: Int)] {
        [("--fit-model-every", fitModelEvery ?? 0), ("--rehearsal", rehearsal ?? 0)]
    }

    /// Refuses a negative `--rehearsal`, and a positive one without hardware, a policy or a fit.
    private func validateRehearsal(_ rehearsal: Int) throws {
        guard rehearsal >= 0 else { throw ValidationError("--rehearsal must not be negative") }
        guard rehearsal > 0 else { return }
        try requireHardware("--rehearsal", "there is no fitted simulator to rehearse in")
        if method == .local {
            throw ValidationError("--rehearsal trains a policy: --method local has none")
        }
        if fitModelEvery == 0 {
            throw ValidationError("--rehearsal happens at each fit: drop --fit-model-every 0")
        }
    }

    /// Refuses `option`, which only means something when placements are measured on hardware,
    /// saying what it would be with the simulator (`withSimulator`).
    private func requireHardware(_ option: String, _ withSimulator: String) throws {
        guard measuresOnHardware else {
            throw ValidationError(
                "\(option) needs --evaluate-command or --evaluate-server: with the simulator, "
                    + withSimulator)
        }
    }

    /// Loads the problem (exiting with the file's problems when it is invalid).
    func problem(graph: String, cluster: String) throws -> PlacementProblem {
        try Loading.problem(
            graph: graph, cluster: cluster, maximumStages: stages, groupHints: !ignoreGroups)
    }

    /// A new optimizer from the options and the baseline it starts from, or the one saved in the
    /// checkpoint with `--resume`. Its `problem` is the one to show and save against: with a warm
    /// start, its stages are refined.
    func optimizer(for base: PlacementProblem, baselines: [BaselineResult]) throws -> (
        Optimizer, start: BaselineResult?
    ) {
        if resume, let checkpoint {
            var optimizer = try Loading.reporting { () throws(InputError) in
                try Checkpoint.load(checkpoint, problem: base)
            }
            optimizer.screen = model(of: optimizer.problem)
            return (optimizer, nil)
        }
        let (problem, start) = warmStart.prepare(base, baselines: baselines)
        var configuration = OptimizerConfiguration(
            method: method == .pg ? .policyGradient : .spotlight, samples: samples, seed: seed)
        // The local search alone never samples the policy: anchored, it is not taught the start.
        configuration.anchorMoves = anchorMoves > 0 ? anchorMoves : method == .local ? 1 : nil
        configuration.sweepShare = sweepShare
        samplesAs.configure(&configuration, start: start)
        configuration.hiddenSize = hidden
        configuration.epochs = epochs
        if let learningRate { configuration.learningRate = learningRate }
        if let entropyWeight { configuration.entropyWeight = entropyWeight }
        if let crossEntropyEvery { configuration.crossEntropyEvery = crossEntropyEvery }
        if let warmupIterations { configuration.learningRateWarmup = warmupIterations }
        if let adamEpsilon { configuration.adamEpsilon = adamEpsilon }
        configuration.rewardBaseline = rewardBaseline
        configuration.watchKL(klMeasure, target: targetKl)
        configuration.confirmations = confirm ?? (measuresOnHardware ? 2 : 0)
        configuration.redraws = redraws
        var optimizer = Optimizer(
            problem: problem, configuration: configuration, warmStart: start?.assignment,
            warmStartTime: start?.stepTime)
        optimizer.screen = model(of: problem)
        return (optimizer, start)
    }

    /// The method's name in saved placements, `--json` and the explorer: `local` for the local
    /// search alone, else the learned method `optimizer` runs.
    func methodName(of optimizer: Optimizer) -> String {
        method == .local ? Method.local.rawValue : optimizer.configuration.method.rawValue
    }

    /// The simulator that screens the local search's moves (`--screen`), or nil.
    func model(of problem: PlacementProblem) -> SimulatorEvaluator? {
        (screen ?? measuresOnHardware) ? SimulatorEvaluator(problem: problem) : nil
    }

    /// The heuristic placements a search starts from and is compared with: simulated, or, when
    /// measuring on hardware, measured by the command, so that the warm start is the heuristic that
    /// is fastest on that hardware and the comparison is between times taken the same way. A
    /// signal during those measurements quits at once (after stopping the command).
    func baselines(for problem: PlacementProblem, evaluator: any Evaluator, announce: Bool)
        -> [BaselineResult]
    {
        let simulated = Baselines.run(problem)
        guard measuresOnHardware else { return simulated }
        let candidates =
            simulated + polishedInSimulator(simulated, problem: problem, announce: announce)
        if announce {
            Output.error(
                "measuring the \(candidates.count) heuristic placements with the command first, to start from and compare with the fastest on this hardware"
            )
        }
        Interruption.install(onFirst: nil)
        return Baselines.measure(candidates, with: evaluator) { baseline, evaluation in
            if let time = evaluation.stepTime {
                if announce { Output.error("  \(baseline.method): \(Units.microseconds(time))") }
            } else {
                Output.error(
                    "warning: \(baseline.method) is left out of the comparison, as its measurement failed"
                )
            }
        }.baselines
    }

    /// The heuristics climbed in the simulator (`--model-polish`), each announced as it is done.
    private func polishedInSimulator(
        _ heuristics: [BaselineResult], problem: PlacementProblem, announce: Bool
    ) -> [BaselineResult] {
        let moves = modelPolish ?? Baselines.defaultPolishMoves(for: problem)
        if announce && moves > 0 {
            Output.error(
                "polishing the heuristic placements in the simulator, at most \(moves) moves each")
        }
        return Baselines.polished(heuristics, in: problem, moves: moves) { polished in
            guard announce else { return }
            Output.error(
                "  \(polished.method): \(Units.microseconds(polished.result.stepTime)) simulated")
        }
    }

    /// How a budgeted search fits the simulator to its measurements (`--fit-model-every`), the
    /// heuristics' measurements among them; nil with the simulator as the measurement or 0.
    func calibration(known baselines: [BaselineResult]) -> BudgetedSearch.Calibration? {
        let every = fitModelEvery ?? BudgetedSearch.Calibration.defaultInterval
        guard measuresOnHardware, every > 0 else { return nil }
        return BudgetedSearch.Calibration(
            every: every, moves: BudgetedSearch.Calibration.defaultMoves,
            rehearsal: rehearsal ?? BudgetedSearch.Calibration.defaultRehearsal,
            known: BudgetedSearch.Calibration.known(baselines))
    }

    /// Whether placements are measured by a command (`--evaluate-command` or `--evaluate-server`)
    /// rather than simulated.
    var measuresOnHardware: Bool { evaluateCommand != nil || evaluateServer != nil }

    /// The simulator, or the command's evaluator with `--evaluate-command` or `--evaluate-server`.
    /// With `--evaluate-workers N` above 1, a `WorkerPool` of N of them.
    func evaluator(for problem: PlacementProblem, onFailure: @escaping @Sendable (String) -> Void)
        -> any Evaluator
    {
        guard measuresOnHardware else { return SimulatorEvaluator(problem: problem) }
        return HardwareEvaluator.make(
            command: evaluateCommand, server: evaluateServer, timeout: timeout,
            workers: evaluateWorkers, problem: problem, onFailure: onFailure)
    }
}

extension WarmStart: ExpressibleByArgument {}
extension OptimizerConfiguration.KLMeasure: ExpressibleByArgument {}
extension OptimizerConfiguration.RewardBaseline: ExpressibleByArgument {}
extension BudgetedSearch.Schedule: ExpressibleByArgument {}
