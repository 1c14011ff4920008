import ArgumentParser
import Foundation
import SpotlightExplorer
import SpotlightModel
import SpotlightSearch
import SpotlightTerminal

struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Watch and steer the search live in the terminal (the default command).",
        discussion: """
            Opens the explorer: the op graph coloured by device, per-device load, the reward and KL \
            curves against the baselines, and an inspector with the policy's probabilities for the \
            selected stage. Space pauses, 1-9 pins the selected stage or op to a device, s saves the \
            best placement, ? lists every key. Without GRAPH and CLUSTER it opens the default sample \
            (samples/\(Resources.defaultGraph) on samples/\(Resources.defaultCluster)). It needs a \
            terminal; to search without one, use `spotlight optimize`.
            """
    )

    @Argument(
        help: "The graph file (default: the sample workload).",
        completion: .file(extensions: ["json"])) var graph: String?
    @Argument(
        help: "The cluster file (default: the sample cluster).",
        completion: .file(extensions: ["json"])) var cluster: String?

    @OptionGroup(title: "Search") var search: SearchOptions
    @Option(
        help:
            "Stop the search by itself after this many iterations in total (default: run until quit)."
    ) var iterations: Int?
    @Option(
        help: "Where s saves the best placement (default: GRAPH-NAME.best.placement.json here).",
        completion: .file(extensions: ["json"]))
    var out: String?
    @Option(
        help:
            "Where e saves the Chrome trace of the best placement (default: GRAPH-NAME.best.trace.json here).",
        completion: .file(extensions: ["json"]))
    var trace: String?
    @Option(
        help:
            "Pins to load at the start (spotlight.pins/1) and where P saves them (default: GRAPH-NAME.pins.json here).",
        completion: .file(extensions: ["json"]))
    var pins: String?
    @Option(help: "The theme to start with (t cycles through them).") var theme: String?
    @Option(
        help: "Read themes from this directory (default: the themes/ shipped with Spotlight).",
        completion: .directory) var themesDir: String?

    func validate() throws {
        if let iterations {
            guard iterations >= 1 else { throw ValidationError("--iterations must be at least 1") }
        }
        if (graph == nil) != (cluster == nil) {
            throw ValidationError("give both a graph and a cluster, or neither for the sample")
        }
        if search.method == .local {
            throw ValidationError(
                "the explorer runs a learned search: use --method spotlight or pg (and p to polish), or optimize --method local"
            )
        }
    }

    func run() throws {
        try ExploreRun(options: self).run()
    }

    /// The graph and cluster given, or the default sample's.
    func files() throws -> (String, String) {
        if let graph, let cluster { return (graph, cluster) }
        return try Resources.defaultSample()
    }
}
