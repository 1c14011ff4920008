import Foundation
import SpotlightModel
import SpotlightSimulation
import SpotlightTestSupport
import Testing

@testable import SpotlightSearch

/// The budget of measured placements, the local search alone as a method, measurement noise and
/// anchored proposals.
@Suite(.tags(.slow), .skippedInQuickLoop) struct BudgetTests {
    static func anchored(
        _ method: OptimizerConfiguration.Method, samples: Int = 8, seed: UInt64 = 1
    ) -> OptimizerConfiguration {
        var configuration = OptimizerTests.configuration(method, samples: samples, seed: seed)
        configuration.anchorMoves = 2
        return configuration
    }

    /// Stays with probability 1 - moves / free stages under equal logits: 2 moves over 10 free
    /// stages of 4 devices is a stay of 0.8, so the bias is log(0.8 * 3 / 0.2) = log 12.
    @Test func theAnchorBiasGivesTheAskedMoves() {
        let allowed = [UInt64](repeating: 0b1111, count: 10) + [0b0100]
        var pins = [Int](repeating: -1, count: 11)
        pins[3] = 2
        let anchor = PolicyAnchor(
            devices: [Int](repeating: 1, count: 11), moves: 2 * 9 / 10, allowedDevices: allowed,
            pins: pins)
        // 9 free stages (one pinned, one with a single device): stay 1 - 1.8 / 9 = 0.8.
        #expect(abs(anchor.bias[0] - Float(log(12.0))) < 1e-5)
        #expect(anchor.bias[3] == 0 && anchor.bias[10] == 0)
        let stay = exp(Double(anchor.bias[0])) / (exp(Double(anchor.bias[0])) + 3)
        #expect(abs(stay - 0.8) < 1e-6)
    }

    @Test func theAnchorRaisesOnlyItsDevicesLogit() throws {
        let problem = try OptimizerTests.problem(ops: 200, stages: 6)
        let inputs = PolicyInputs(problem: problem)
        let network = PolicyNetwork<Float>(
            featureCount: inputs.featureCount, deviceCount: problem.cluster.deviceCount,
            hiddenSize: 8, embeddingSize: 4, seed: 2)
        let actions = [Int](repeating: 1, count: inputs.stageCount)
        let pins = [Int](repeating: -1, count: inputs.stageCount)
        var random = SplitMix64(seed: 0)
        let plain = network.forward(
            inputs, sampleCount: 1, pins: pins, actions: actions, random: &random)
        let anchor = PolicyAnchor(
            devices: actions, bias: [Float](repeating: 2, count: inputs.stageCount))
        let raised = network.forward(
            inputs, sampleCount: 1, pins: pins, actions: actions, anchor: anchor, random: &random)
        let devices = problem.cluster.deviceCount
        for stage in 0..<inputs.stageCount where inputs.allowedDevices[stage] & 0b10 != 0 {
            // Odds of device 1 against any other allowed device grow by e^2; the others' odds stay.
            let row = stage * devices
            for other in 0..<devices where other != 1 && plain.probabilities[row + other] > 0 {
                let before = plain.probabilities[row + 1] / plain.probabilities[row + other]
                let after = raised.probabilities[row + 1] / raised.probabilities[row + other]
                #expect(abs(after / before - Float(exp(2.0))) < 1e-3 * Float(exp(2.0)))
            }
        }
    }

    /// Anchored on its start, a search never reports a placement slower than the start, measures
    /// no placement twice, and each sweep move changes one stage of the best placement.
    @Test(arguments: [OptimizerConfiguration.Method.spotlight, .policyGradient])
    func anAnchoredSearchClimbsFromItsStart(method: OptimizerConfiguration.Method) throws {
        let base = try OptimizerTests.problem(ops: 300, stages: 16)
        let start = try #require(WarmStart.fastest(Baselines.run(base)))
        let problem = base.refined(by: start.assignment)
        let evaluator = RecordingEvaluator(problem: problem)
        var optimizer = Optimizer(
            problem: problem, configuration: Self.anchored(method), warmStart: start.assignment,
            warmStartTime: start.stepTime)
        #expect(optimizer.state.bestStepTime == start.stepTime)
        for _ in 0..<6 { optimizer.iterate(evaluator: evaluator) }
        let best = try #require(optimizer.state.bestStepTime)
        #expect(best <= start.stepTime)
        #expect(Set(evaluator.seen).count == evaluator.seen.count)
        #expect(!evaluator.seen.contains(start.assignment))
        var simulator = Simulator(problem: problem)
        #expect(simulator.simulate(try #require(optimizer.state.bestAssignment)).stepTime == best)
    }

    @Test func theSweepMovesOneStageAndNeverRepeatsAMoveInAPass() throws {
        let problem = try OptimizerTests.problem(ops: 200, stages: 6)
        var configuration = Self.anchored(.spotlight)
        configuration.sweepShare = 1
        let start = problem.assignment(
            stageDevices: [Int](repeating: 1, count: problem.stages.count))
        var optimizer = Optimizer(
            problem: problem, configuration: configuration, warmStart: start, warmStartTime: 1e12)
        let anchor = try #require(optimizer.currentAnchor())
        let free = (0..<problem.stages.count).map {
            PolicyInputs(problem: problem, anyOp: true).allowedDevices[$0].nonzeroBitCount - 1
        }
        let draws = optimizer.sweepMoves(anchor: anchor, count: 1000, avoiding: [])
        let moves = draws.map { draw in
            let stages = draw.stageDevices.indices.filter {
                draw.stageDevices[$0] != anchor.devices[$0]
            }
            return (stages: stages, device: stages.first.map { draw.stageDevices[$0] } ?? -1)
        }
        // Every other device of every stage once, then nothing new in this pass.
        #expect(moves.count == free.reduce(0, +))
        #expect(moves.allSatisfy { $0.stages.count == 1 })
        #expect(Set(moves.map { $0.stages[0] * 16 + $0.device }).count == moves.count)
        #expect(
            draws.allSatisfy { $0.fingerprint == MeasuredPlacements.fingerprint($0.assignment) })
    }

    /// Every measurement counts: a run never measures more than its budget; sequential, the search
    /// spends at most its share and the polish the rest; interleaved, the search gets at least
    /// its share of what was measured (less one iteration that did not fit) while it can go on.
    @Test(arguments: [0.0, 0.5, 1.0], BudgetedSearch.Schedule.allCases)
    func aBudgetedRunMeasuresAtMostItsBudget(share: Double, schedule: BudgetedSearch.Schedule)
        throws
    {
        var (optimizer, start) = try Self.warmStarted(seed: 4) { $0.confirmations = 1 }
        let counter = CountingEvaluator(SimulatorEvaluator(problem: optimizer.problem, workers: 2))
        let plan = BudgetedSearch(budget: 100, searchShare: share, schedule: schedule)
        let outcome = plan.run(&optimizer, evaluator: counter)
        #expect(counter.count == outcome.measured)
        #expect(outcome.measured <= 100)
        if schedule == .sequential || share == 0 {
            #expect(outcome.searchMeasured <= Int(100 * share))
        } else {
            // Unless the search could not go on (stalled on placements it had measured).
            #expect(
                Double(outcome.searchMeasured) >= share * Double(outcome.measured) - 9
                    || !plan.fitsIteration(of: optimizer, measured: outcome.measured, within: 100))
        }
        #expect(outcome.searchMeasured == 0 || share > 0)
        #expect(try #require(outcome.stepTime) <= start.stepTime)
    }

    /// Sequential, the polish gets every placement the search left: the climb reserves each
    /// would-be move's confirmations itself, so the run reserves none on top, and it stops only
    /// with no more room than those confirmations (here 3) or at a local optimum.
    @Test func theSequentialPolishGetsAllTheSearchLeft() throws {
        var (optimizer, _) = try Self.warmStarted(seed: 4) { $0.confirmations = 3 }
        let evaluator = SimulatorEvaluator(problem: optimizer.problem, workers: 2)
        let plan = BudgetedSearch(budget: 120, searchShare: 0.25, schedule: .sequential)
        var searched = optimizer
        let counter = CountingEvaluator(evaluator)
        while plan.fitsIteration(of: searched, measured: counter.count) {
            searched.iterate(evaluator: counter)
        }
        let outcome = plan.run(&optimizer, evaluator: evaluator)
        let alone = try #require(
            searched.polishBest(evaluator: evaluator, budget: 120 - counter.count))
        #expect(outcome.searchMeasured == counter.count)
        #expect(outcome.polishMeasured == alone.evaluated && outcome.stepTime == alone.stepTime)
        #expect(outcome.measured >= 120 - 3 || alone.isLocalOptimum)
    }

    /// With no share for the search, a budgeted run is the local search alone from the start.
    @Test func theLocalSearchAloneIsTheWholeBudgetOnThePolish() throws {
        var (optimizer, start) = try Self.warmStarted(seed: 4) { $0.anchorMoves = 1 }
        let evaluator = SimulatorEvaluator(problem: optimizer.problem, workers: 2)
        let outcome = BudgetedSearch(budget: 80, searchShare: 0).run(
            &optimizer, evaluator: evaluator)
        let alone = LocalSearch(problem: optimizer.problem).polish(
            start.assignment, stepTime: start.stepTime, evaluator: evaluator, budget: 80, seed: 4,
            method: "spotlight", measured: optimizer.state.measured)
        #expect(outcome.stepTime == alone.stepTime && outcome.polishMeasured == alone.evaluated)
        #expect(optimizer.state.iteration == 0)
    }

    /// Spotlight from the fastest heuristic on a 300-op graph of 16 stages, configured by
    /// `configure`, and that heuristic.
    static func warmStarted(
        seed: UInt64 = 5, _ configure: (inout OptimizerConfiguration) -> Void = { _ in }
    ) throws -> (Optimizer, BaselineResult) {
        let base = try OptimizerTests.problem(ops: 300, stages: 16)
        let start = try #require(WarmStart.fastest(Baselines.run(base)))
        var configuration = OptimizerTests.configuration(.spotlight, samples: 8, seed: seed)
        configure(&configuration)
        let optimizer = Optimizer(
            problem: base.refined(by: start.assignment), configuration: configuration,
            warmStart: start.assignment, warmStartTime: start.stepTime)
        return (optimizer, start)
    }

    /// `warmStarted(seed:)` with an interleaving of 160 placements (at least 30% of them the
    /// learned search's) and the counter that measures its rounds on two workers.
    static func interleaved(seed: UInt64 = 5) throws -> (
        optimizer: Optimizer, start: BaselineResult, counter: CountingEvaluator,
        rounds: BudgetedSearch.Interleaving
    ) {
        let (optimizer, start) = try warmStarted(seed: seed)
        let counter = CountingEvaluator(
            SimulatorEvaluator(problem: optimizer.problem, workers: 2))
        let rounds = BudgetedSearch.Interleaving(
            plan: BudgetedSearch(budget: 160, searchShare: 0.3), optimizer: optimizer)
        return (optimizer, start, counter, rounds)
    }

    /// Interleaved, the climb goes on from the learned search's best and the learned search keeps
    /// the climb's: the run's best is the faster of the two, and it is the climb's placement.
    @Test func theInterleavedSearchesShareTheirBestPlacement() throws {
        var (optimizer, _, counter, rounds) = try Self.interleaved()
        let problem = optimizer.problem
        var learned = 0
        var climbed = 0
        while let round = rounds.round(&optimizer, evaluator: counter) {
            switch round {
            case .learned: learned += 1
            case .climbed: climbed += 1
            case .calibrated: Issue.record("calibrated without a calibration")
            }
            let climb = try #require(rounds.climb)
            #expect(climb.stepTime == optimizer.state.bestStepTime)
            #expect(climb.current == optimizer.state.bestAssignment)
        }
        #expect(learned > 0 && climbed > 0 && counter.count <= 160)
        #expect(rounds.searchMeasured + rounds.climbMeasured == counter.count)
        let exact = SimulatorEvaluator(problem: problem, workers: 1)
        #expect(
            exact.evaluate([optimizer.state.bestAssignment!], method: "t")[0].stepTime
                == optimizer.state.bestStepTime)
    }

    /// On a machine the model gets wrong, the model is fitted every `every` placements to all
    /// measured so far, each fit matching them better than the model it started from; the
    /// polishes in the fitted model are measured within the budget, and the fitted model screens
    /// the climb.
    @Test func aFittedModelPolishesTheBestWithinTheBudget() throws {
        var (optimizer, start) = try Self.warmStarted(seed: 4) { $0.confirmations = 1 }
        let problem = optimizer.problem
        let error = ModelError(spread: 0.3, seed: 4)
        let truth = SimulatorEvaluator(
            graph: problem.graph, cluster: try error.cluster(problem.cluster),
            cost: error.cost(problem.cost, cluster: problem.cluster), workers: 2)
        let startTime = try #require(truth.evaluate([start.assignment], method: "t")[0].stepTime)
        optimizer = Optimizer(
            problem: problem, configuration: optimizer.configuration,
            warmStart: start.assignment, warmStartTime: startTime)
        var plan = BudgetedSearch(budget: 200, searchShare: 0)
        plan.calibration = .init(
            every: 40, moves: 500, known: [MeasuredPlacement(start.assignment, stepTime: startTime)]
        )
        let counter = CountingEvaluator(truth)
        var rounds = BudgetedSearch.Interleaving(plan: plan, optimizer: optimizer)
        var reports: [BudgetedSearch.Recalibration] = []
        while let round = rounds.round(&optimizer, evaluator: counter) {
            if case .calibrated(let report) = round { reports.append(report) }
        }
        #expect(reports.count >= 3)
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.fitted < $1.fitted })
        #expect(reports.allSatisfy { $0.error!.after < $0.error!.before })
        #expect(reports.contains { $0.measured != nil })
        #expect(counter.count <= 200)
        #expect(rounds.climbMeasured + rounds.calibrationMeasured == counter.count)
        #expect(optimizer.screen != nil)
        let best = try #require(optimizer.state.bestAssignment)
        #expect(truth.evaluate([best], method: "t")[0].stepTime == optimizer.state.bestStepTime)
        #expect(try #require(optimizer.state.bestStepTime) < startTime)
    }

    /// A rehearsal trains the policy in the model and measures nothing: the record of measured
    /// placements, the history and the best placement stay as they were, and what it returns is
    /// faster in the model than the best, at the model's own time for it.
    @Test(arguments: [OptimizerConfiguration.Method.spotlight, .policyGradient])
    func aRehearsalTrainsThePolicyInTheModelAndMeasuresNothing(
        method: OptimizerConfiguration.Method
    ) throws {
        var (optimizer, _) = try Self.warmStarted(seed: 6) {
            $0 = OptimizerTests.configuration(method, samples: 8, seed: 6)
            $0.confirmations = 2
        }
        let before = optimizer.state
        let model = SimulatorEvaluator(problem: optimizer.problem, workers: 2)
        let rehearsed = optimizer.rehearse(in: model, samples: 160)
        let rehearsal = try #require(rehearsed)
        #expect(optimizer.state.measured == before.measured)
        #expect(optimizer.state.history == before.history)
        #expect(optimizer.state.iteration == before.iteration)
        #expect(optimizer.state.bestAssignment == before.bestAssignment)
        #expect(optimizer.state.bestStepTime == before.bestStepTime)
        #expect(optimizer.state.network != before.network)
        let predicted = model.evaluate([rehearsal.assignment], method: "t")[0].stepTime
        #expect(predicted == rehearsal.predicted)
        #expect(rehearsal.predicted < before.bestStepTime!)
    }

    /// A learned search's fit rehearses its policy in the fitted model (the fit's round changes
    /// the policy), the local search's has no policy to rehearse; both within the budget.
    @Test(arguments: [0, 80])
    func aLearnedSearchRehearsesAtEachFit(rehearsal: Int) throws {
        var (optimizer, start) = try Self.warmStarted(seed: 4)
        var plan = BudgetedSearch(budget: 120, searchShare: 0.3)
        plan.calibration = .init(
            every: 40, moves: 200, rehearsal: rehearsal,
            known: [MeasuredPlacement(start.assignment, stepTime: start.stepTime)])
        let counter = CountingEvaluator(SimulatorEvaluator(problem: optimizer.problem, workers: 2))
        var rounds = BudgetedSearch.Interleaving(plan: plan, optimizer: optimizer)
        var fits = 0
        var network = optimizer.state.network
        while let round = rounds.round(&optimizer, evaluator: counter) {
            if case .calibrated = round {
                fits += 1
                #expect((optimizer.state.network != network) == (rehearsal > 0))
            }
            network = optimizer.state.network
        }
        #expect(fits >= 2 && counter.count <= 120)
    }

    /// The climb and the fitted model alone (fits every `every` of 100 placements, at most
    /// `moves` in the model, 2 confirmations) from the fastest heuristic, its time recorded as
    /// `factor` times its own, as if by luck (half, by default).
    static func luckyRun(factor: Double = 0.5, every: Int = 30, moves: Int = 200) throws -> (
        optimizer: Optimizer, rounds: BudgetedSearch.Interleaving, counter: CountingEvaluator,
        truth: SimulatorEvaluator, lucky: Double
    ) {
        let (warm, start) = try Self.warmStarted(seed: 4) { $0.confirmations = 2 }
        let truth = SimulatorEvaluator(problem: warm.problem, workers: 2)
        let lucky = start.stepTime * factor
        let optimizer = Optimizer(
            problem: warm.problem, configuration: warm.configuration,
            warmStart: start.assignment, warmStartTime: lucky)
        var plan = BudgetedSearch(budget: 100, searchShare: 0)
        plan.calibration = .init(
            every: every, moves: moves,
            known: [MeasuredPlacement(start.assignment, stepTime: lucky)])
        let rounds = BudgetedSearch.Interleaving(plan: plan, optimizer: optimizer)
        return (optimizer, rounds, CountingEvaluator(truth), truth, lucky)
    }

    /// With confirmations, each fit first measures the best placement again: a time recorded low
    /// by luck (here half its own) gives way to the median of all its measurements.
    @Test func eachFitMeasuresALuckyBestAgain() throws {
        var (optimizer, rounds, counter, truth, lucky) = try Self.luckyRun()
        while let round = rounds.round(&optimizer, evaluator: counter) {
            guard case .calibrated = round else {
                #expect(optimizer.state.bestStepTime == lucky)
                continue
            }
            let best = try #require(optimizer.state.bestAssignment)
            #expect(
                truth.evaluate([best], method: "t")[0].stepTime == optimizer.state.bestStepTime)
            #expect(rounds.climb?.stepTime == optimizer.state.bestStepTime)
            break
        }
        #expect(counter.count <= 100 && rounds.calibrationMeasured >= 3)
    }

    /// A fit that fails (no measured placement runs in a model whose devices have no memory)
    /// still counts what it measured: the best measured again is in the ledger, which accounts
    /// for every placement, and the rounds after it stay within the budget.
    @Test func aFailedFitKeepsTheLedgerAndTheBudget() throws {
        let (roomy, start) = try Self.warmStarted(seed: 4) { $0.confirmations = 2 }
        let devices = roomy.problem.cluster.devices.map { device in
            var cramped = device
            cramped.memoryGBytes = 1e-6
            return cramped
        }
        let cramped = try Cluster(
            name: "cramped", devices: devices, links: roomy.problem.cluster.links,
            defaultLink: roomy.problem.cluster.defaultLink)
        let problem = try PlacementProblem(
            graph: roomy.problem.graph, cluster: cramped, maximumStages: 16
        ).refined(by: start.assignment)
        var optimizer = Optimizer(
            problem: problem, configuration: roomy.configuration, warmStart: start.assignment,
            warmStartTime: start.stepTime)
        var plan = BudgetedSearch(budget: 100, searchShare: 0)
        plan.calibration = .init(
            every: 30, moves: 200,
            known: [MeasuredPlacement(start.assignment, stepTime: start.stepTime)])
        let counter = CountingEvaluator(SimulatorEvaluator(problem: roomy.problem, workers: 2))
        var rounds = BudgetedSearch.Interleaving(plan: plan, optimizer: optimizer)
        var fits: [BudgetedSearch.Recalibration] = []
        while let round = rounds.round(&optimizer, evaluator: counter) {
            if case .calibrated(let report) = round { fits.append(report) }
        }
        #expect(fits.count >= 2 && fits.allSatisfy { $0.error == nil && $0.measured == nil })
        #expect(fits.first?.summary.hasPrefix("model could not be fitted") == true)
        #expect(counter.count <= 100 && rounds.ledger.measured == counter.count)
        #expect(rounds.ledger[.remeasure].measured == fits.map(\.remeasuredPlacements).reduce(0, +))
        #expect(rounds.ledger[.remeasure].measured > 0)
    }

    /// A best whose time was recorded high by bad luck (twice its own) measures faster again at
    /// the first fit, which proposes nothing (no moves in the model): the best falls, but
    /// nothing was found, so the trace names no finder there and the start stays the finder.
    @Test func aBestMeasuredFasterAgainIsNoFind() throws {
        var (optimizer, rounds, counter, truth, unlucky) = try Self.luckyRun(
            factor: 2, every: 1, moves: 0)
        let start = try #require(optimizer.state.bestAssignment)
        let time = truth.evaluate([start], method: "t")[0].stepTime
        // One placement measured before the rounds makes the first of them a fit.
        _ = counter.evaluate([start], method: "t")
        let round = try #require(rounds.round(&optimizer, evaluator: counter))
        guard case .calibrated(let report) = round else {
            Issue.record("expected a fit, got \(round)")
            return
        }
        #expect(!report.improved && report.bestRemeasured == time)
        let points = rounds.trace.points
        #expect(points.count == 2 && points[1].best == time && points[0].best == unlucky)
        #expect(points[1].foundBy == nil && rounds.bestFoundBy == .start)
    }

    /// A fit's proposal that beats the best measured again, but not the lucky time the best had
    /// before, still becomes the best, and the fitted model is named as what found it.
    @Test func aFitsFindBelowTheRemeasuredBestIsNamedAsTheFinder() throws {
        var (optimizer, rounds, counter, _, lucky) = try Self.luckyRun()
        while let round = rounds.round(&optimizer, evaluator: counter) {
            guard case .calibrated(let report) = round else {
                #expect(rounds.bestFoundBy == .start)
                continue
            }
            try #require(report.improved)
            #expect(try #require(report.measured) > lucky)
            #expect(optimizer.state.bestStepTime == report.measured)
            #expect(rounds.bestFoundBy == .fittedModel)
            return
        }
        Issue.record("no fit")
    }

    /// Pins set during an interleaved run (the explorer's) reach the climb at once: every
    /// placement it measures from then on obeys them. A share of 0 never learns.
    @Test func repinnedTheClimbMeasuresOnlyWhatObeysThePins() throws {
        var (optimizer, start) = try Self.warmStarted()
        let problem = optimizer.problem
        let recorder = RecordingEvaluator(problem: problem)
        let counter = CountingEvaluator(recorder)
        var rounds = BudgetedSearch.Interleaving(
            plan: BudgetedSearch(budget: 200, searchShare: 0), optimizer: optimizer)
        for _ in 0..<3 { _ = rounds.round(&optimizer, evaluator: counter) }
        let op = try #require(
            (0..<problem.graph.count).first {
                start.assignment[$0] != 0 && problem.constraints.allows(op: $0, device: 0)
            })
        let pinned = optimizer.pin(op: op, to: 0)
        #expect(pinned)
        rounds.repin(following: optimizer)
        let before = recorder.seen.count
        while let round = rounds.round(&optimizer, evaluator: counter) {
            guard case .climbed = round else {
                Issue.record("a share of 0 learned")
                break
            }
        }
        let after = recorder.seen[before...]
        #expect(!after.isEmpty && after.allSatisfy { $0[op] == 0 })
        #expect(counter.count <= 200 && rounds.searchMeasured == 0)
    }

    /// A round's rate is the log of the best time's shrink per placement, averaged with weight 0.3.
    @Test func theImprovementRateIsAMovingAverageOfLogShrinkPerPlacement() {
        var rate = BudgetedSearch.ImprovementRate()
        rate.record(before: 100, after: 90, measured: 10)
        let first = log(100.0 / 90) / 10
        #expect(abs(rate.perPlacement! - first) < 1e-12)
        rate.record(before: 90, after: 90, measured: 16)
        #expect(abs(rate.perPlacement! - 0.7 * first) < 1e-12)
        rate.record(before: 90, after: 95, measured: 4)
        #expect(abs(rate.perPlacement! - 0.49 * first) < 1e-12)
        var fresh = BudgetedSearch.ImprovementRate()
        fresh.record(before: nil, after: 80, measured: 16)
        #expect(fresh.perPlacement == nil)
    }

    /// Luck taken back is spread over the placements measured since the last take-back.
    @Test func luckTakenBackLowersTheRateByItsShareOfEachPlacement() {
        var rate = BudgetedSearch.ImprovementRate()
        rate.record(before: 100, after: 90, measured: 10)
        rate.takeBack(log(95.0 / 90), measured: 10)
        let first = log(100.0 / 90) / 10
        #expect(abs(rate.perPlacement! - (first - log(95.0 / 90) / 10)) < 1e-12)
        rate.record(before: 95, after: 95, measured: 20)
        let unchanged = rate.perPlacement!
        rate.takeBack(0, measured: 30)
        #expect(rate.perPlacement == unchanged && rate.measuredAtLastTakeBack == 30)
        rate.record(before: 95, after: 50, measured: 5)
        rate.takeBack(10, measured: 35)
        #expect(rate.perPlacement == 0)
        rate.takeBack(1, measured: 35)
        #expect(rate.perPlacement == 0 && rate.measuredAtLastTakeBack == 35)
    }

    @Test func noiseIsSeededAndZeroNoiseIsExact() throws {
        let problem = try OptimizerTests.problem(ops: 200, stages: 6)
        let exact = SimulatorEvaluator(problem: problem, workers: 1)
        let placements = (0..<4).map { device in
            [Int](repeating: device, count: problem.graph.count)
        }
        let truth = exact.evaluate(placements, method: "t").map(\.stepTime)
        #expect(
            NoisyEvaluator(exact, spread: 0, seed: 1).evaluate(placements, method: "t").map(
                \.stepTime) == truth)
        let first = NoisyEvaluator(exact, spread: 0.05, seed: 7).evaluate(placements, method: "t")
            .map(\.stepTime)
        let again = NoisyEvaluator(exact, spread: 0.05, seed: 7).evaluate(placements, method: "t")
            .map(\.stepTime)
        #expect(first == again && first != truth)
        for (noisy, exact) in zip(first, truth) {
            let ratio = try #require(noisy) / (try #require(exact))
            #expect(ratio > exp(-0.3) && ratio < exp(0.3))
        }
    }

    @Test func anAnchoredSearchResumesExactly() throws {
        let problem = try CheckpointTests.problem()
        let evaluator = SimulatorEvaluator(graph: problem.graph, cluster: problem.cluster)
        let start = problem.assignment(
            stageDevices: [Int](repeating: 1, count: problem.stages.count))
        let time = try #require(evaluator.evaluate([start], method: "t")[0].stepTime)
        let configuration = Self.anchored(.spotlight, samples: 6, seed: 9)
        var first = Optimizer(
            problem: problem, configuration: configuration, warmStart: start, warmStartTime: time)
        for _ in 0..<3 { first.iterate(evaluator: evaluator) }
        var straight = first
        for _ in 0..<3 { straight.iterate(evaluator: evaluator) }
        let path = CheckpointTests.path()
        try Checkpoint.save(first, to: path)
        var resumed = try Checkpoint.load(path, problem: problem)
        #expect(resumed.configuration == configuration)
        #expect(resumed.state == first.state)
        for _ in 0..<3 { resumed.iterate(evaluator: evaluator) }
        #expect(resumed.state.network == straight.state.network)
        #expect(resumed.state.bestAssignment == straight.state.bestAssignment)
        #expect(resumed.state.sweptMoves == straight.state.sweptMoves)
        #expect(resumed.state.anchorOffset == straight.state.anchorOffset)
    }
}

extension BudgetTests {
    /// A policy that only draws placements it has measured spends nothing; the search then hands
    /// its share to the polish instead of iterating for ever.
    @Test func aSearchThatMeasuresNothingStops() throws {
        let problem = try OptimizerTests.problem(ops: 200, stages: 6)
        var configuration = OptimizerTests.configuration(.spotlight, samples: 4, seed: 2)
        configuration.redraws = 0
        var optimizer = Optimizer(problem: problem, configuration: configuration)
        for stage in 0..<problem.stages.count { optimizer.pin(stage: stage, to: 1) }
        let outcome = BudgetedSearch(budget: 400, searchShare: 1).run(
            &optimizer, evaluator: SimulatorEvaluator(problem: problem, workers: 1))
        #expect(outcome.searchMeasured == 1)
        #expect(optimizer.state.iteration == 1 + BudgetedSearch.stallLimit)
    }
}

/// Pins that the best placement obeys: the search keeps the fastest placement that obeys the
/// current pins beside the overall best, and the explorer's snapshot shows that one.
@Suite struct PinnedBestTests {
    @Test func thePinnedBestObeysThePinsAndFollowsThem() throws {
        let problem = try OptimizerTests.problem(ops: 300, stages: 12)
        let evaluator = SimulatorEvaluator(problem: problem, workers: 2)
        var optimizer = Optimizer(
            problem: problem,
            configuration: OptimizerTests.configuration(.spotlight, samples: 8, seed: 3))
        for _ in 0..<3 { optimizer.iterate(evaluator: evaluator) }
        #expect(optimizer.state.pinnedBest == nil, "no pins, no pinned best")
        let best = try #require(optimizer.state.bestAssignment)
        let stageDevice = problem.stageDevices(
            of: best, allowedDevices: optimizer.inputs.allowedDevices)[4]
        let other = try #require(
            (0..<problem.cluster.deviceCount).first {
                $0 != stageDevice && optimizer.inputs.allowedDevices[4] & (1 << UInt64($0)) != 0
            })
        let accepted = optimizer.pin(stage: 4, to: other)
        #expect(accepted)
        #expect(optimizer.state.pinnedBest == nil, "the overall best breaks the new pin")
        for _ in 0..<3 { optimizer.iterate(evaluator: evaluator) }
        let pinned = try #require(optimizer.state.pinnedBest)
        #expect(optimizer.obeysPins(pinned.assignment))
        let overall = try #require(optimizer.state.bestStepTime)
        #expect(pinned.stepTime >= overall)
        var simulator = Simulator(problem: problem)
        #expect(simulator.simulate(pinned.assignment).stepTime == pinned.stepTime)
        // Pinning the stage where the overall best has it makes the overall best the pinned best.
        optimizer.pin(stage: 4, to: nil)
        #expect(optimizer.state.pinnedBest == nil && !optimizer.hasPins)
        optimizer.pin(
            stage: 4,
            to: problem.stageDevices(
                of: optimizer.state.bestAssignment!, allowedDevices: optimizer.inputs.allowedDevices
            )[4])
        #expect(optimizer.state.pinnedBest?.stepTime == optimizer.state.bestStepTime)
    }

    @Test func theSnapshotShowsThePinnedBestBesideTheOverallBest() async throws {
        let (actor, problem) = try OptimizerActorTests.actor()
        await actor.start()
        let before = try #require(
            await OptimizerActorTests.waitFor(actor) {
                $0.iteration >= 2 && $0.bestAssignment != nil
            })
        #expect(before.unpinnedBestStepTime == nil)
        let inputs = PolicyInputs(problem: problem)
        let current = problem.stageDevices(
            of: before.bestAssignment!, allowedDevices: inputs.allowedDevices)[1]
        let other = try #require(
            (0..<problem.cluster.deviceCount).first {
                $0 != current && inputs.allowedDevices[1] & (1 << UInt64($0)) != 0
            })
        let pinnedIt = await actor.pin(stage: 1, to: other)
        #expect(pinnedIt)
        let after = try #require(
            await OptimizerActorTests.waitFor(actor) {
                $0.iteration >= before.iteration + 3 && $0.bestAssignment != nil
            })
        await actor.stop()
        let shown = try #require(after.bestAssignment)
        #expect(problem.stageDevices(of: shown, allowedDevices: inputs.allowedDevices)[1] == other)
        let overall = try #require(after.unpinnedBestStepTime)
        let shownTime = try #require(after.bestStepTime)
        #expect(overall <= shownTime)
    }
}
