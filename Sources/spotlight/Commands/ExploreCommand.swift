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
    @Option(
        help: ArgumentHelp(
            "Placements to measure in all, then stop: rounds of the learned search and of a "
                + "local search's climb from the best placement, to whichever has lately "
                + "improved it faster.",
            discussion:
                "Every measurement counts (samples, confirmations, the climb's moves); the "
                + "heuristics' one each does not. The status line shows the count against the "
                + "budget and what found the best placement."
        ))
    var budget: Int?
    @Option(help: "With --budget: the least share of the placements the learned search gets.")
    var searchShare = BudgetedSearch.Schedule.interleaved.defaultShare
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
        if let budget {
            guard budget >= 1 else { throw ValidationError("--budget must be at least 1") }
            guard iterations == nil else {
                throw ValidationError("give --budget or --iterations, not both")
            }
            guard !search.resume else {
                throw ValidationError("a budgeted run starts anew: drop --resume or --budget")
            }
        }
        guard (0...1).contains(searchShare) else {
            throw ValidationError("--search-share must be between 0 and 1")
        }
        for (option, value) in search.fitOptions where value > 0 && budget == nil {
            throw ValidationError("\(option) needs --budget")
        }
        if search.method == .local && budget == nil {
            throw ValidationError(
                "--method local is the local search alone under a budget: give --budget N")
        }
    }

    /// The budget's plan: the local search alone with `--method local`, else interleaved.
    var plan: BudgetedSearch? {
        budget.map {
            BudgetedSearch(budget: $0, searchShare: search.method == .local ? 0 : searchShare)
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
