import ArgumentParser
import Foundation
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Benchmarks: the simulator's and stage grouping's speed, and the search against the baselines (use a release build).",
        subcommands: [
            SimulatorBench.self, StagesBench.self, OptimizerBench.self, BudgetBench.self,
            PolicyBench.self, ExplorerBench.self,
        ]
    )
}

/// Timing helpers shared by the benchmarks: the median or the fastest of several runs after a
/// warm-up.
enum Stopwatch {
    static func seconds(_ body: () -> Void) -> Double {
        let start = MonotonicClock.seconds()
        body()
        return MonotonicClock.seconds() - start
    }

    static func median(runs: Int, _ body: () -> Void) -> Double {
        let times = sortedTimes(runs: runs, body)
        return times[times.count / 2]
    }

    /// The fastest run: the one the machine's other work disturbed least.
    static func fastest(runs: Int, _ body: () -> Void) -> Double {
        sortedTimes(runs: runs, body)[0]
    }

    /// One warm-up run, then the times of at least one more, shortest first.
    private static func sortedTimes(runs: Int, _ body: () -> Void) -> [Double] {
        body()
        return (0..<max(runs, 1)).map { _ in seconds(body) }.sorted()
    }
}

struct StagesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Time grouping a synthetic graph's ops into stages."
    )

    @Option(help: "Ops in the synthetic graph.")
    var ops = 100_000

    @Option(help: "The most stages.")
    var stages = StagePartition.defaultMaximumStages

    @Option(help: "Timed runs (the median is reported).")
    var runs = 5

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard ops >= SyntheticGraph.minimumOpCount else {
            throw ValidationError("--ops must be at least \(SyntheticGraph.minimumOpCount)")
        }
        guard stages >= 1 else { throw ValidationError("--stages must be at least 1") }
    }

    func run() throws {
        let graph = SyntheticGraph(opCount: ops, seed: 1).graph()
        var partition: StagePartition?
        let seconds = Stopwatch.median(runs: runs) {
            partition = StagePartition(graph: graph, maximumStages: stages)
        }
        let count = partition?.count ?? 0
        if json {
            Output.json(
                .object([
                    ("ops", .number(Double(ops))), ("edges", .number(Double(graph.edgeCount))),
                    ("maximum_stages", .number(Double(stages))), ("stages", .number(Double(count))),
                    ("seconds", .number((seconds * 1e6).rounded() / 1e6)),
                    ("ns_per_op", .number((seconds * 1e9 / Double(ops)).rounded())),
                ]))
        } else {
            Output.line(
                "grouped \(ops) ops (\(graph.edgeCount) edges) into \(count) stages (at most \(stages)) in \(String(format: "%.1f", seconds * 1e3)) ms, median of \(runs); \(Int((seconds * 1e9 / Double(ops)).rounded())) ns per op"
            )
        }
    }
}

struct SimulatorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Time the simulator on synthetic graphs.",
        discussion: """
            Simulates valid placements of a synthetic training graph on a cluster of one CPU and \
            K80-class GPUs: random ones by default (every colocation set on a random allowed device: \
            the most traffic, so the most events), or the HEFT placement (--placement heft). Without \
            --ops, runs 1k, 10k and 100k ops on 4 and 8 devices and shows how the time per op grows.
            """
    )

    @Option(help: "Ops in the synthetic graph (default: the sweep).") var ops: Int?
    @Option(help: "Devices in the cluster (default: the sweep).") var devices: Int?
    @Option(help: "Seconds to spend measuring each configuration.") var seconds = 1.0
    @Option(
        help: "Which placements to simulate: random (the most transfers) or heft (a realistic one)."
    )
    var placement: PlacementKind = .random
    @Flag(help: "Print JSON.") var json = false

    enum PlacementKind: String, ExpressibleByArgument, CaseIterable {
        case random, heft
    }

    func validate() throws {
        if let ops, ops < SyntheticGraph.minimumOpCount {
            throw ValidationError("--ops must be at least \(SyntheticGraph.minimumOpCount)")
        }
        if let devices, !(2...Cluster.maximumDevices).contains(devices) {
            throw ValidationError("--devices must be between 2 and \(Cluster.maximumDevices)")
        }
    }

    struct Measurement {
        var ops: Int
        var devices: Int
        var edges: Int
        var transfers: Int
        var runs: Int
        var nanosecondsPerOp: Double
    }

    func measure(ops: Int, devices: Int) -> Measurement {
        let graph = SyntheticGraph(opCount: ops, seed: 1).graph()
        let cluster = SyntheticCluster.make(deviceCount: devices)
        let problem: PlacementProblem
        do {
            problem = try PlacementProblem(graph: graph, cluster: cluster)
        } catch {
            preconditionFailure("synthetic inputs are valid: \(error)")
        }
        let placements: [[Int]]
        switch placement {
        case .random: placements = (0..<8).map { RandomPlacer(seed: UInt64($0)).place(problem)! }
        case .heft: placements = [ListSchedulingPlacer().place(problem)!]
        }
        var simulator = Simulator(graph: graph, cluster: cluster)
        var transfers = 0
        for placement in placements { transfers += simulator.simulate(placement).transferCount }
        // Repeat whole rounds over the placements until the time budget is spent; report the
        // fastest round (the least disturbed by the machine's other work).
        var best = Double.infinity
        var runs = 0
        let deadline = Stopwatch.seconds {} + seconds
        var spent = 0.0
        while spent < deadline || runs < 8 {
            let round = Stopwatch.seconds {
                for placement in placements { _ = simulator.simulate(placement) }
            }
            best = min(best, round / Double(placements.count))
            runs += placements.count
            spent += round
        }
        return Measurement(
            ops: ops, devices: devices, edges: graph.edgeCount,
            transfers: transfers / placements.count,
            runs: runs, nanosecondsPerOp: best * 1e9 / Double(ops))
    }

    func run() throws {
        let configurations: [(Int, Int)]
        if ops != nil || devices != nil {
            configurations = [(ops ?? 10_000, devices ?? 4)]
        } else {
            configurations = [1_000, 10_000, 100_000].flatMap { size in [4, 8].map { (size, $0) } }
        }
        let results = configurations.map { measure(ops: $0.0, devices: $0.1) }
        func object(_ m: Measurement) -> JSONValue {
            .object([
                ("ops", .number(Double(m.ops))), ("devices", .number(Double(m.devices))),
                ("edges", .number(Double(m.edges))),
                ("transfers", .number(Double(m.transfers))), ("runs", .number(Double(m.runs))),
                ("placement", .string(placement.rawValue)),
                ("ns_per_op", .number((m.nanosecondsPerOp * 10).rounded() / 10)),
                ("ops_per_second", .number((1e9 / m.nanosecondsPerOp).rounded())),
            ])
        }
        if json {
            Output.json(results.count == 1 ? object(results[0]) : .array(results.map(object)))
            return
        }
        var table = TextTable(["ops", "devices", "edges", "transfers", "ns/op", "Mops/s", "growth"])
        for m in results {
            let smallest = results.first { $0.devices == m.devices }!
            table.add([
                "\(m.ops)", "\(m.devices)", "\(m.edges)", "\(m.transfers)",
                Units.format1(m.nanosecondsPerOp),
                Units.format2(1e3 / m.nanosecondsPerOp),
                Units.format2(m.nanosecondsPerOp / smallest.nanosecondsPerOp) + "x",
            ])
        }
        print(table.render(), terminator: "")
        Output.line(
            "(time per simulated op, best round; growth is ns/op relative to the smallest graph on as many devices)"
        )
    }
}
