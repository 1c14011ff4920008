import ArgumentParser
import SpotlightModel

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic training-step graph.",
        discussion: """
            A layered network's forward pass with branches and skip edges, its backward pass and an \
            optimizer update per variable, with realistic spreads of costs. The same --ops and \
            --seed always give the same file.
            """
    )

    @Option(help: "The number of ops (at least \(SyntheticGraph.minimumOpCount)).")
    var ops: Int

    @Option(help: "The random seed.")
    var seed: UInt64 = 1

    @Option(help: "Where to write the graph file.", completion: .file(extensions: ["json"]))
    var out: String

    func validate() throws {
        guard ops >= SyntheticGraph.minimumOpCount else {
            throw ValidationError("--ops must be at least \(SyntheticGraph.minimumOpCount)")
        }
        guard ops <= 10_000_000 else { throw ValidationError("--ops must be at most 10000000") }
    }

    func run() throws {
        let graph = SyntheticGraph(opCount: ops, seed: seed).graph()
        try Loading.reporting { () throws(InputError) in try graph.save(to: out) }
        Output.line(
            "wrote \(out): \(graph.count) ops, \(graph.edgeCount) edges, \(Units.flops(graph.totalFlops))"
        )
    }
}
