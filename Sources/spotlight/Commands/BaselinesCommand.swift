import ArgumentParser
import Foundation
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

struct BaselinesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baselines",
        abstract: "Place a graph with every heuristic and simulate each placement.",
        discussion: """
            single_gpu: everything on the fastest GPU. round_robin: stages dealt over the GPUs. \
            expert: the graph's `expert` hints (skipped when there are none). heft: earliest-finish-\
            time list scheduling with link contention and a memory check. metis: a k-way partition \
            over the GPUs balancing compute and minimising bytes cut.
            """
    )

    @Argument(help: "The graph file.", completion: .file(extensions: ["json"])) var graph: String
    @Argument(help: "The cluster file.", completion: .file(extensions: ["json"])) var cluster:
        String

    @Flag(help: "Print one JSON object.") var json = false

    @Option(
        help: "Write each baseline's placement here as METHOD.placement.json.",
        completion: .directory)
    var outDir: String?

    func run() throws {
        let problem = try Loading.problem(graph: graph, cluster: cluster)
        let bound = problem.lowerBound()
        let results = Baselines.run(problem)
        if let outDir { try write(results, to: outDir, problem: problem) }
        if json {
            Output.json(Self.document(results, problem: problem, bound: bound))
            return
        }
        Output.line(
            "\(problem.graph.name) (\(problem.graph.count) ops) on \(problem.cluster.name) "
                + "(\(problem.cluster.deviceCount) devices)")
        var table = TextTable(["method", "step time", "x bound", "transfers", "memory"])
        table.add(["lower bound", Units.microseconds(bound), "1.00", "", ""])
        for baseline in results {
            table.add([
                baseline.method, Units.microseconds(baseline.result.stepTime),
                Units.format2(bound > 0 ? baseline.result.stepTime / bound : 1),
                "\(baseline.result.transferCount)", baseline.result.outOfMemory ? "OOM" : "ok",
            ])
        }
        print(table.render(), terminator: "")
        if let outDir { Output.line("placements written to \(outDir)/") }
    }

    /// Each baseline's placement as `DIRECTORY/METHOD.placement.json`, the directory made first.
    private func write(_ results: [BaselineResult], to directory: String, problem: PlacementProblem)
        throws
    {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true)
        } catch {
            Output.error(
                "error: \(directory): cannot create directory: \(error.localizedDescription)")
            throw ExitCode.failure
        }
        for baseline in results {
            let placement = Placement(
                graphName: problem.graph.name, clusterName: problem.cluster.name,
                method: baseline.method,
                stepTimeMicroseconds: baseline.result.stepTime, assignment: baseline.assignment)
            let path = (directory as NSString).appendingPathComponent(
                "\(baseline.method).placement.json")
            try Loading.reporting { () throws(InputError) in
                try placement.save(to: path, graph: problem.graph, cluster: problem.cluster)
            }
        }
    }

    /// The results as `--json` prints them.
    static func document(_ results: [BaselineResult], problem: PlacementProblem, bound: Double)
        -> JSONValue
    {
        .object([
            ("graph", .string(problem.graph.name)),
            ("cluster", .string(problem.cluster.name)),
            ("lower_bound_us", .number(bound)),
            (
                "baselines",
                .array(
                    results.map { baseline in
                        .object([
                            ("method", .string(baseline.method)),
                            ("step_time_us", .number(baseline.result.stepTime)),
                            ("oom", .bool(baseline.result.outOfMemory)),
                            (
                                "ratio_to_lower_bound",
                                .number(bound > 0 ? baseline.result.stepTime / bound : 1)
                            ),
                            ("transfers", .number(Double(baseline.result.transferCount))),
                        ])
                    })
            ),
        ])
    }
}
