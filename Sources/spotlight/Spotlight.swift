import ArgumentParser

@main
struct Spotlight: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spotlight",
        abstract: "Find fast device placements for training deep neural networks.",
        discussion: """
            Spotlight reads an operation graph (spotlight.graph/1) and a cluster (spotlight.cluster/1) \
            and searches for a placement (spotlight.placement/1) of every op on a device.
            """,
        version: "0.1.0",
        subcommands: [
            ExploreCommand.self, ValidateCommand.self, InfoCommand.self, GenerateCommand.self,
            SimulateCommand.self, BaselinesCommand.self, OptimizeCommand.self, FidelityCommand.self,
            BenchCommand.self,
        ],
        defaultSubcommand: ExploreCommand.self
    )

    static func main() {
        MemoryPolicy.apply()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
