import ArgumentParser
import SpotlightModel
import SpotlightSearch
import SpotlightSimulation

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate one training step of a placement and report its time.",
        discussion: """
            Prints the step time next to the lower bound no placement can beat, each device's busy \
            time and peak memory, the traffic on each link direction and the critical path. \
            --trace writes a Chrome trace (open it in Perfetto or chrome://tracing).
            """
    )

    @Argument(help: "The graph file.", completion: .file(extensions: ["json"])) var graph: String
    @Argument(help: "The cluster file.", completion: .file(extensions: ["json"])) var cluster:
        String
    @Argument(help: "The placement file.", completion: .file(extensions: ["json"])) var placement:
        String

    @Option(help: "Write a Chrome trace of the step here.", completion: .file(extensions: ["json"]))
    var trace: String?

    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let problem = try Loading.problem(graph: graph, cluster: cluster)
        let loaded = try Loading.placement(placement, problem: problem)
        var simulator = Simulator(problem: problem)
        let result = simulator.simulate(loaded.assignment, recordTimeline: trace != nil)
        let bound = problem.lowerBound()
        if let trace {
            try Loading.reporting { () throws(InputError) in
                try ChromeTrace.write(
                    graph: problem.graph, cluster: problem.cluster, result: result, to: trace)
            }
        }
        let report = SimulationReport(problem: problem, result: result, lowerBound: bound)
        if json {
            Output.json(report.json())
        } else {
            Output.lines(report.text())
            if let trace { Output.line("trace written to \(trace)") }
        }
    }
}
