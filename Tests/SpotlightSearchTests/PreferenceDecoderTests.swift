import SpotlightModel
import SpotlightSimulation
import Testing

@testable import SpotlightSearch

@Suite struct PreferenceDecoderTests {
    /// Two independent 10 us ops on two GPUs. List scheduling puts `a` on gpu:0 (the first of
    /// equal finishes) and `b` on gpu:1, where it finishes at 10 us rather than 20. Preferring
    /// gpu:0 for `b` lowers its finish there by the strength times its 10 us: by 9 us it is still
    /// later (11 against 10), by 15 us earlier (5).
    @Test func aPreferenceWinsOnlyWhenItOutweighsTheEarlierFinish() throws {
        let graph = try OperationGraph(name: "g", ops: [op("a", 10), op("b", 10)])
        let problem = try PlacementProblem(graph: graph, cluster: gpus(2))
        let gpu0 = [Int](repeating: 0, count: problem.stages.count)
        let none = [Int](repeating: -1, count: problem.stages.count)
        func placed(_ stageDevices: [Int], strength: Double) -> [Int] {
            PreferenceDecoder(problem: problem, strength: strength).placement(
                stageDevices: stageDevices, stagePins: none, opPins: [], in: problem)
        }
        #expect(placed(none, strength: 1.5) == [0, 1])
        #expect(placed(gpu0, strength: 0.9) == [0, 1])
        #expect(placed(gpu0, strength: 1.5) == [0, 0])
    }

    static func sample() throws -> PlacementProblem {
        try PlacementProblem(
            graph: SyntheticGraph(opCount: 400, seed: 3).graph(),
            cluster: SyntheticCluster.make(deviceCount: 4), maximumStages: 20)
    }

    /// Random devices per stage, each one its stage may use.
    static func randomStageDevices(_ problem: PlacementProblem, seed: UInt64) -> [Int] {
        let inputs = PolicyInputs(problem: problem)
        var random = SplitMix64(seed: seed)
        return (0..<problem.stages.count).map { stage in
            let allowed = (0..<problem.cluster.deviceCount).filter {
                inputs.allows(stage: stage, device: $0)
            }
            return allowed[Int(random.next() % UInt64(allowed.count))]
        }
    }

    @Test func withoutPreferencesItPlacesAsListSchedulingDoes() throws {
        let problem = try Self.sample()
        let none = [Int](repeating: -1, count: problem.stages.count)
        let decoded = PreferenceDecoder(problem: problem, strength: 0.25).placement(
            stageDevices: none, stagePins: none, opPins: [], in: problem)
        #expect(decoded == ListSchedulingPlacer().place(problem))
    }

    /// Properties over random preferences: every placement is valid, a pinned stage's ops and a
    /// pinned op stay on their devices, and a stronger preference moves no less of the work to
    /// the preferred devices, on average over the samples.
    @Test func placementsAreValidAndKeepThePins() throws {
        let problem = try Self.sample()
        let devices = problem.cluster.deviceCount
        let inputs = PolicyInputs(problem: problem)
        let pinnedStage = try #require(
            (0..<problem.stages.count).first { inputs.allows(stage: $0, device: devices - 1) })
        var stagePins = [Int](repeating: -1, count: problem.stages.count)
        stagePins[pinnedStage] = devices - 1
        var opPins = [Int](repeating: -1, count: problem.graph.count)
        let pinnedOp = try #require(
            problem.stages.ops(of: (pinnedStage + 1) % problem.stages.count).first {
                problem.constraints.allows(op: $0, device: 0)
            })
        opPins[pinnedOp] = 0
        var preferredShare: [Double] = [0, 0]
        for seed in 0..<8 {
            let stageDevices = Self.randomStageDevices(problem, seed: UInt64(seed))
            for (index, strength) in [0.25, 4].enumerated() {
                let placement = PreferenceDecoder(problem: problem, strength: strength).placement(
                    stageDevices: stageDevices, stagePins: stagePins, opPins: opPins, in: problem)
                let constraints = problem.constraints
                #expect(
                    placement.indices.allSatisfy {
                        constraints.allows(op: $0, device: placement[$0])
                            && placement[$0] == placement[constraints.colocationRoot[$0]]
                    })
                #expect(placement[pinnedOp] == 0)
                for op in problem.stages.ops(of: pinnedStage)
                where problem.constraints.allows(op: op, device: devices - 1) && op != pinnedOp {
                    #expect(placement[op] == devices - 1)
                }
                let onPreferred = placement.indices.filter {
                    placement[$0] == stageDevices[problem.stages.stageOf[$0]]
                }
                preferredShare[index] += Double(onPreferred.count) / Double(placement.count)
            }
        }
        #expect(preferredShare[1] >= preferredShare[0])
    }

    @Test func autoPlacesPreferencesFromListSchedulingOrNoStart() throws {
        let problem = try Self.sample()
        func start(_ method: String) throws -> BaselineResult {
            var result = try #require(Baselines.run(problem).first)
            result.method = method
            return result
        }
        let auto = SampleDecoding.auto
        #expect(auto.preferenceStrength(0.5, start: nil) == 0.5)
        #expect(try auto.preferenceStrength(0.5, start: start("heft")) == 0.5)
        #expect(try auto.preferenceStrength(0.5, start: start("heft+polish")) == 0.5)
        #expect(try auto.preferenceStrength(0.5, start: start("metis")) == nil)
        #expect(try SampleDecoding.list.preferenceStrength(0.5, start: start("metis")) == 0.5)
        #expect(SampleDecoding.direct.preferenceStrength(0.5, start: nil) == nil)
    }

    /// Placing preferences, the policy is not taught the warm start: it starts uniform, and the
    /// warm start is the first best placement alone.
    @Test func aWarmStartIsTheBestPlacementAndThePolicyStaysUniform() throws {
        let base = try Self.sample()
        let heft = try #require(ListSchedulingPlacer().place(base))
        let problem = base.refined(by: heft)
        var configuration = OptimizerTests.configuration(.spotlight, samples: 4, seed: 2)
        configuration.preferenceStrength = 0.25
        let optimizer = Optimizer(
            problem: problem, configuration: configuration, warmStart: heft,
            warmStartTime: 1000)
        #expect(optimizer.state.bestAssignment == heft && optimizer.state.bestStepTime == 1000)
        let fresh = Optimizer(problem: problem, configuration: configuration)
        #expect(optimizer.state.network == fresh.state.network)
        configuration.preferenceStrength = nil
        let taught = Optimizer(
            problem: problem, configuration: configuration, warmStart: heft,
            warmStartTime: 1000)
        #expect(taught.state.network != fresh.state.network)
    }
}
