import ArgumentParser
import Foundation
import SpotlightModel

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Spotlight's own speed on synthetic graphs (use a release build).",
        subcommands: [StagesBench.self]
    )
}

/// Timing helpers shared by the benchmarks: the median of several runs after a warm-up.
enum Stopwatch {
    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(runs: Int, _ body: () -> Void) -> Double {
        body()
        let times = (0..<max(runs, 1)).map { _ in seconds(body) }.sorted()
        return times[times.count / 2]
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
        guard ops >= SyntheticGraph.minimumOpCount else { throw ValidationError("--ops must be at least \(SyntheticGraph.minimumOpCount)") }
        guard stages >= 1 else { throw ValidationError("--stages must be at least 1") }
    }

    func run() throws {
        let graph = SyntheticGraph(opCount: ops, seed: 1).graph()
        var partition: StagePartition?
        let seconds = Stopwatch.median(runs: runs) { partition = StagePartition(graph: graph, maximumStages: stages) }
        let count = partition?.count ?? 0
        if json {
            Output.json(.object([
                ("ops", .number(Double(ops))), ("edges", .number(Double(graph.edgeCount))),
                ("maximum_stages", .number(Double(stages))), ("stages", .number(Double(count))),
                ("seconds", .number((seconds * 1e6).rounded() / 1e6)),
                ("ns_per_op", .number((seconds * 1e9 / Double(ops)).rounded())),
            ]))
        } else {
            print("grouped \(ops) ops (\(graph.edgeCount) edges) into \(count) stages (at most \(stages)) in \(String(format: "%.1f", seconds * 1e3)) ms, median of \(runs); \(Int((seconds * 1e9 / Double(ops)).rounded())) ns per op")
        }
    }
}
