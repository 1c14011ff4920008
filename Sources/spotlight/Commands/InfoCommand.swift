import ArgumentParser
import SpotlightModel

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Summarise an operation graph: size, work, depth and stages."
    )

    @Argument(help: "A graph file (spotlight.graph/1).", completion: .file(extensions: ["json"]))
    var graph: String

    @Option(help: "The most stages to group the ops into.")
    var stages = StagePartition.defaultMaximumStages

    @Flag(help: "Ignore the graph's group hints when forming stages.")
    var ignoreGroups = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard stages >= 1 else { throw ValidationError("--stages must be at least 1") }
    }

    func run() throws {
        let loaded = try Loading.graph(graph)
        let partition = StagePartition(
            graph: loaded, maximumStages: stages, groupHints: !ignoreGroups)
        let largest = (0..<partition.count).map { partition.features[$0].opCount }.max() ?? 0
        if json {
            Output.json(
                .object([
                    ("name", .string(loaded.name)),
                    ("ops", .number(Double(loaded.count))),
                    ("edges", .number(Double(loaded.edgeCount))),
                    ("flops", .number(loaded.totalFlops)),
                    ("persistent_bytes", .number(loaded.totalPersistentBytes)),
                    ("depth", .number(Double(loaded.criticalPathLength))),
                    ("stages", .number(Double(partition.count))),
                    ("largest_stage_ops", .number(Double(largest))),
                    ("colocation_sets", .number(Double(Set(loaded.colocationRoot).count))),
                    ("groups", .number(Double(loaded.groupNames.count))),
                ]))
            return
        }
        let rows: [(String, String)] = [
            ("graph", loaded.name),
            ("source", loaded.source.isEmpty ? "-" : loaded.source),
            ("ops", "\(loaded.count)"),
            ("edges", "\(loaded.edgeCount)"),
            ("flops", Units.flops(loaded.totalFlops)),
            ("persistent", Units.bytes(loaded.totalPersistentBytes)),
            ("depth", "\(loaded.criticalPathLength) ops on the longest chain"),
            ("groups", "\(loaded.groupNames.count) group hints"),
            ("stages", "\(partition.count) (at most \(stages); largest has \(largest) ops)"),
        ]
        for (label, value) in rows {
            Output.line(label.padding(toLength: 12, withPad: " ", startingAt: 0) + value)
        }
    }
}
