import Foundation
import SpotlightModel
import SpotlightSimulation
import Synchronization
import Testing

@testable import SpotlightSearch

let samplesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("samples").path

func op(
    _ name: String, _ time: Double, inputs: [String] = [], output: Double = 0,
    persistent: Double = 0
) -> OperationSpec {
    var spec = OperationSpec(name: name, type: "Op")
    spec.measuredTimes = [.init(deviceType: "t", microseconds: time)]
    spec.inputs = inputs.map { .init($0) }
    spec.outputBytes = output
    spec.persistentBytes = persistent
    return spec
}

/// `count` identical GPUs (after a CPU, if `cpu`), each pair joined at `rate` GB/s, 5 us latency.
func gpus(_ count: Int, memoryGBytes: [Double]? = nil, cpu: Bool = false, rate: Double = 1) throws
    -> Cluster
{
    try Cluster(
        name: "gpus",
        devices: (cpu
            ? [
                .init(
                    name: "cpu:0", kind: "cpu", gflops: 200, memoryGBytesPerSecond: 50,
                    memoryGBytes: 64)
            ] : [])
            + (0..<count).map {
                .init(
                    name: "gpu:\($0)", kind: "gpu", type: "t", gflops: 1000,
                    memoryGBytesPerSecond: 100,
                    memoryGBytes: memoryGBytes?[$0] ?? 10)
            },
        links: [], defaultLink: .init(gbytesPerSecond: rate, latencyMicroseconds: 5))
}

@Suite struct TinySamplePlacerTests {
    let problem: PlacementProblem

    init() throws {
        problem = try PlacementProblem(
            graph: OperationGraph.load(samplesDirectory + "/tiny.graph.json"),
            cluster: Cluster.load(samplesDirectory + "/tiny.cluster.json"))
    }

    @Test func singleGPUPutsEverythingButTheInputOnGPU0() throws {
        let assignment = try #require(SingleDevicePlacer().place(problem))
        let input = try #require(problem.graph.opID(named: "input"))
        #expect(assignment[input] == 0)
        #expect(assignment.enumerated().allSatisfy { $0.offset == input || $0.element == 1 })
        var simulator = Simulator(graph: problem.graph, cluster: problem.cluster)
        #expect(simulator.simulate(assignment).stepTime == 1460)
    }

    @Test func expertFollowsTheGraphsHints() throws {
        let assignment = try #require(ExpertPlacer().place(problem))
        let file = try Placement.load(
            samplesDirectory + "/tiny.expert.placement.json", graph: problem.graph,
            cluster: problem.cluster)
        #expect(assignment == file.assignment)
    }

    @Test func expertHintsForMoreGPUsThanTheClusterHasAreSpreadInOrder() throws {
        let cluster = try gpus(2, cpu: true)
        let folded = ExpertPlacer.devicesForHints(
            ["cpu:0", "gpu:0", "gpu:1", "gpu:2", "gpu:3"], in: cluster)
        #expect(folded == ["cpu:0": 0, "gpu:0": 1, "gpu:1": 1, "gpu:2": 2, "gpu:3": 2])
        let exact = ExpertPlacer.devicesForHints(["gpu:0", "gpu:1"], in: try gpus(4))
        #expect(exact == ["gpu:0": 0, "gpu:1": 1])
        let renumbered = ExpertPlacer.devicesForHints(["gpu:2", "gpu:5"], in: try gpus(4))
        #expect(renumbered == ["gpu:2": 0, "gpu:5": 1])
    }

    @Test func expertDoesNotApplyWithoutHints() throws {
        let graph = try OperationGraph(name: "g", ops: [op("a", 1)])
        #expect(ExpertPlacer().place(try PlacementProblem(graph: graph, cluster: gpus(2))) == nil)
    }

    @Test func roundRobinAlternatesStagesOverTheGPUs() throws {
        let assignment = try #require(RoundRobinPlacer().place(problem))
        let stages = problem.stages
        for op in 0..<problem.graph.count
        where problem.graph.allowedKinds[op] == 0 && problem.graph.colocateWith[op] < 0 {
            #expect(assignment[op] == 1 + stages.stageOf[op] % 2)
        }
    }

    @Test func everyBaselineBeatsNothingButIsValidAndAboveTheBound() throws {
        let bound = problem.lowerBound()
        let results = Baselines.run(problem)
        #expect(results.map(\.method) == ["single_gpu", "round_robin", "expert", "heft", "metis"])
        for baseline in results {
            let placement = Placement(
                graphName: "", clusterName: "", method: baseline.method,
                assignment: baseline.assignment)
            #expect(
                placement.violations(
                    graph: problem.graph, cluster: problem.cluster,
                    constraints: problem.constraints, file: ""
                ).isEmpty)
            #expect(baseline.result.stepTime >= bound)
        }
    }

    /// Refining by a placement drops the group hints exactly when stages formed without them are
    /// more and keep each stage on one device: the tiny sample's 11 hinted stages become finer,
    /// and at any budget the result is either the hinted partition or a finer exact one.
    @Test func refiningDropsCoarseHintsOnlyWhereThePlacementStaysExact() throws {
        let assignment = try #require(MetisPlacer().place(problem))
        func exact(_ partition: StagePartition) -> Bool {
            (0..<partition.count).allSatisfy { stage in
                partition.ops(of: stage).allSatisfy {
                    assignment[$0] == assignment[partition.ops(of: stage).first!]
                }
            }
        }
        let hinted = StagePartition(graph: problem.graph, refinement: assignment)
        let refined = problem.refined(by: assignment).stages
        #expect(refined.count > hinted.count)
        #expect(exact(refined))
        var sawHintsKept = false
        for budget in 1...20 {
            let base = try PlacementProblem(
                graph: problem.graph, cluster: problem.cluster, maximumStages: budget)
            let hintedAtBudget = StagePartition(
                graph: problem.graph, maximumStages: budget, refinement: assignment)
            let chosen = base.refined(by: assignment).stages
            #expect(chosen.count <= budget)
            if chosen.stageOf == hintedAtBudget.stageOf {
                sawHintsKept = true
            } else {
                #expect(chosen.count > hintedAtBudget.count && exact(chosen), "budget \(budget)")
            }
        }
        #expect(sawHintsKept)
        let ignoring = try PlacementProblem(
            graph: problem.graph, cluster: problem.cluster, groupHints: false)
        #expect(
            ignoring.refined(by: assignment).stages.stageOf
                == StagePartition(graph: problem.graph, groupHints: false, refinement: assignment)
                .stageOf)
    }

    /// A pin outranks every wish of its colocation set, even one of an op earlier in the file; a
    /// pin the set may not use is ignored, and a set nobody pins follows its first member's wish.
    @Test func pinsOutrankWishesAcrossAColocationSet() throws {
        let graph = problem.graph
        let input = try #require(graph.opID(named: "input"))
        let variable = try #require(graph.opID(named: "tower_a/w"))
        let update = try #require(graph.opID(named: "train/update_tower_a/w"))
        #expect(variable < update && graph.colocationRoot[update] == graph.colocationRoot[variable])
        var wishes = [Int](repeating: 1, count: graph.count)
        wishes[input] = 0
        var pins = [Int](repeating: -1, count: graph.count)
        pins[update] = 2
        pins[input] = 1
        let assignment = problem.repaired(wishes, pins: pins)
        #expect(assignment[variable] == 2 && assignment[update] == 2)
        #expect(assignment[input] == 0)
        let unpinned = problem.repaired(wishes)
        #expect(unpinned[variable] == 1 && unpinned[update] == 1)
        #expect(
            assignment.indices.allSatisfy {
                $0 == variable || $0 == update || assignment[$0] == unpinned[$0]
            })

        let stageDevices = (0..<problem.stages.count).map {
            problem.stages.ops(of: $0).contains(input) ? 0 : 1
        }
        #expect(problem.assignment(stageDevices: stageDevices, opPins: pins) == assignment)
    }
}

@Suite struct ListSchedulingTests {
    @Test func independentChainsGoToDifferentDevices() throws {
        // src feeds two 200 us chains; one device would take 402 us. HEFT keeps chain a with src on
        // gpu:0 (done at 201) and sends chain b to gpu:1 (src arrives at 6.001 after a 5.001 us
        // transfer; b is done at 206.001). The sink goes where it can start first: on gpu:1 a2's
        // result arrives at 206.001, on gpu:0 b2's would arrive at 211.002.
        let graph = try OperationGraph(
            name: "g",
            ops: [
                op("src", 1, output: 1),
                op("a1", 100, inputs: ["src"], output: 1), op("a2", 100, inputs: ["a1"], output: 1),
                op("b1", 100, inputs: ["src"], output: 1), op("b2", 100, inputs: ["b1"], output: 1),
                op("sink", 1, inputs: ["a2", "b2"]),
            ])
        let problem = try PlacementProblem(graph: graph, cluster: gpus(2))
        let assignment = try #require(ListSchedulingPlacer().place(problem))
        #expect(assignment[1] == assignment[2])
        #expect(assignment[3] == assignment[4])
        #expect(assignment[1] != assignment[3])
        #expect(assignment[5] == assignment[3])
        var simulator = Simulator(graph: graph, cluster: problem.cluster)
        #expect(abs(simulator.simulate(assignment).stepTime - 207.001) < 1e-9)
    }

    @Test func respectsDeviceMemory() throws {
        // gpu:0 has 1 MB; the 2 MB weight must go to gpu:1 even though gpu:0 comes first.
        let graph = try OperationGraph(
            name: "g", ops: [op("w", 0, output: 10, persistent: 2e6), op("use", 10, inputs: ["w"])])
        let problem = try PlacementProblem(
            graph: graph, cluster: gpus(2, memoryGBytes: [0.001, 10]))
        let assignment = try #require(ListSchedulingPlacer().place(problem))
        #expect(assignment[0] == 1)
    }

    @Test func keepsColocatedOpsTogether() throws {
        var update = op("update", 10, inputs: ["w", "g"])
        update.colocateWith = "w"
        let graph = try OperationGraph(
            name: "g", ops: [op("w", 0, output: 1e6), op("g", 50, output: 1e6), update])
        let problem = try PlacementProblem(graph: graph, cluster: gpus(3))
        let assignment = try #require(ListSchedulingPlacer().place(problem))
        #expect(assignment[0] == assignment[2])
    }
}

@Suite struct MetisTests {
    @Test func disconnectedEqualHalvesLandOnDifferentGPUs() throws {
        var ops: [OperationSpec] = []
        for chain in ["x", "y"] {
            for index in 0..<30 {
                ops.append(
                    op(
                        "\(chain)\(index)", 10, inputs: index == 0 ? [] : ["\(chain)\(index - 1)"],
                        output: 1e6))
            }
        }
        let graph = try OperationGraph(name: "g", ops: ops)
        let problem = try PlacementProblem(graph: graph, cluster: gpus(2))
        let assignment = try #require(MetisPlacer().place(problem))
        #expect(Set(assignment[0..<30]).count == 1)
        #expect(Set(assignment[30..<60]).count == 1)
        #expect(assignment[0] != assignment[30])
        #expect(try #require(MetisPlacer().place(problem)) == assignment, "deterministic")
    }

    @Test func balancesComputeAcrossFourGPUs() throws {
        let graph = SyntheticGraph(opCount: 4000, seed: 2).graph()
        let cluster = try Cluster.load(samplesDirectory + "/tiny.cluster.json")
        let four = try Cluster(
            name: "four",
            devices: cluster.devices
                + [cluster.devices[1], cluster.devices[2]].enumerated().map {
                    var device = $0.element
                    device.name = "gpu:\($0.offset + 2)"
                    return device
                }, links: [], defaultLink: .init(gbytesPerSecond: 10, latencyMicroseconds: 10))
        let problem = try PlacementProblem(graph: graph, cluster: four)
        let assignment = try #require(MetisPlacer().place(problem))
        var load = [Double](repeating: 0, count: four.deviceCount)
        for op in 0..<graph.count {
            load[assignment[op]] += problem.cost.time(op: op, device: assignment[op])
        }
        let gpuLoads = problem.accelerators.map { load[$0] }
        #expect(gpuLoads.min()! > 0.8 * gpuLoads.max()!, "loads \(gpuLoads)")
    }

    /// METIS's random generator is global: partitions run from many threads at once (as tests
    /// and parallel callers do) give the same answer as one alone.
    @Test func partitionsAtOnceGiveTheAnswerOfOneAlone() throws {
        let problem = try OptimizerTests.problem(ops: 300, stages: 16)
        let alone = try #require(MetisPlacer().place(problem))
        let differing = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 32) { _ in
            if MetisPlacer().place(problem) != alone { differing.withLock { $0 += 1 } }
        }
        #expect(differing.withLock { $0 } == 0)
    }
}

@Suite struct PlacerValidityTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func everyPlacerHonoursDevicesAndColocation(seed: UInt64) throws {
        let graph = SyntheticGraph(opCount: 1500, seed: seed).graph()
        let problem = try PlacementProblem(
            graph: graph, cluster: Cluster.load(samplesDirectory + "/tiny.cluster.json"))
        for placer in Baselines.placers + [RandomPlacer(seed: seed)] {
            let assignment = try #require(placer.place(problem), "\(placer.method)")
            let placement = Placement(
                graphName: "", clusterName: "", method: placer.method, assignment: assignment)
            let violations = placement.violations(
                graph: graph, cluster: problem.cluster, constraints: problem.constraints, file: "")
            #expect(violations.isEmpty, "\(placer.method): \(violations.prefix(3))")
        }
    }

    /// On PCIe-class links (10 GB/s) spreading pays; on much slower links every split loses to a
    /// single GPU and only METIS, which minimises bytes cut, keeps up.
    @Test func heftBeatsSingleGPUOnWideGraphsWithPCIeLinks() throws {
        let graph = SyntheticGraph(opCount: 3000, seed: 6).graph()
        let problem = try PlacementProblem(graph: graph, cluster: gpus(4, cpu: true, rate: 10))
        let results = Baselines.run(problem)
        let single = try #require(results.first { $0.method == "single_gpu" }).result.stepTime
        let heft = try #require(results.first { $0.method == "heft" }).result.stepTime
        #expect(heft < single)
    }
}

@Suite struct WarmStartTests {
    @Test func theFastestBaselineThatFitsInMemoryIsChosen() throws {
        let problem = try OptimizerTests.problem(ops: 300, stages: 12)
        var simulator = Simulator(graph: problem.graph, cluster: problem.cluster)
        let fast = simulator.simulate(SingleDevicePlacer().place(problem)!)
        var tooBig = fast
        tooBig.stepTime = fast.stepTime / 2
        tooBig.outOfMemory = true
        var slow = fast
        slow.stepTime = fast.stepTime * 2
        let results = [
            BaselineResult(method: "slow", assignment: [], result: slow),
            BaselineResult(method: "oom", assignment: [], result: tooBig),
            BaselineResult(method: "fast", assignment: [], result: fast),
        ]
        #expect(WarmStart.fastest(results)?.method == "fast")
        #expect(WarmStart.fastest([results[1]]) == nil)
    }
}
