import ArgumentParser
import SpotlightModel
import SpotlightSearch

/// `spotlight fidelity`: simulated against measured step times for a set of placements.
struct FidelityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity",
        abstract: "Compare simulated step times with measured ones, placement by placement.",
        discussion: """
            Simulates and measures the same placements (every heuristic's, the local search's best \
            on the simulator and single-stage moves of it, then random ones) and prints each \
            relative error, the mean absolute error and Kendall's rank correlation: whether the \
            simulator orders placements as the hardware does. The measuring command is given as \
            for optimize.
            """
    )

    @Argument(help: "The graph file.", completion: .file(extensions: ["json"])) var graph: String
    @Argument(help: "The cluster file.", completion: .file(extensions: ["json"])) var cluster:
        String
    @Option(
        help:
            "A command measuring one placement per run (placement in, microseconds out)."
    )
    var evaluateCommand: String?
    @Option(help: "A command measuring placements one input line at a time, kept running.")
    var evaluateServer: String?
    @Option(help: "Seconds before a measurement is stopped and counted as failed.") var timeout =
        600.0
    @Option(help: "Placements to compare.") var placements = 20
    @Option(help: "Seed of the random placements and moves.") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object.") var json = false
    @Option(
        help: "Also write the JSON object to this file.", completion: .file(extensions: ["json"]))
    var jsonOut: String?

    func validate() throws {
        guard (evaluateCommand == nil) != (evaluateServer == nil) else {
            throw ValidationError("give one of --evaluate-command and --evaluate-server")
        }
        guard placements >= 2, timeout > 0 else {
            throw ValidationError("--placements must be at least 2, --timeout positive")
        }
    }

    func run() throws {
        try Loading.checkWritable(jsonOut)
        let problem = try Loading.problem(graph: graph, cluster: cluster)
        let report = FidelityReport(
            problem: problem, evaluator: evaluator(for: problem), announce: !json)
        let rows = report.measure(Fidelity.placements(problem, count: placements, seed: seed))
        if json { Output.json(report.json(rows)) } else { Output.lines(report.text(rows)) }
        if let jsonOut {
            try Loading.reporting { () throws(InputError) in
                try FileIO.writeAtomically(
                    JSONWriter.string(report.json(rows), inlineDepth: 3), to: jsonOut)
            }
        }
        if rows.allSatisfy({ $0.measured == nil }) {
            Output.error("error: no placement was measured successfully")
            throw ExitCode.failure
        }
    }

    private func evaluator(for problem: PlacementProblem) -> any Evaluator {
        let onFailure: @Sendable (String) -> Void = {
            Output.error("warning: placement not measured: \($0)")
        }
        return HardwareEvaluator.make(
            command: evaluateCommand, server: evaluateServer, timeout: timeout, workers: 1,
            problem: problem, onFailure: onFailure)
    }
}

/// Measures fidelity rows and prints them.
struct FidelityReport {
    let problem: PlacementProblem
    let evaluator: any Evaluator
    let announce: Bool

    /// Each placement simulated (all at once, on every core) and measured, one at a time (with
    /// progress on stderr).
    func measure(_ placements: [(String, [Int])]) -> [Fidelity.Row] {
        let simulations = SimulatorEvaluator(problem: problem).evaluate(
            placements.map(\.1), method: "fidelity")
        return placements.enumerated().map { index, placement in
            let simulated = simulations[index].stepTime ?? .infinity
            let measured = evaluator.evaluate([placement.1], method: placement.0)[0].stepTime
            if announce {
                let times =
                    "simulated \(Units.microseconds(simulated)), "
                    + "measured \(measured.map(Units.microseconds) ?? "-")"
                Output.error("\(index + 1)/\(placements.count) \(placement.0): \(times)")
            }
            return Fidelity.Row(
                label: placement.0, assignment: placement.1, simulated: simulated,
                measured: measured)
        }
    }

    func text(_ rows: [Fidelity.Row]) -> String {
        var table = TextTable(["placement", "simulated", "measured", "error"])
        for row in rows {
            table.add([
                row.label, Units.microseconds(row.simulated),
                row.measured.map(Units.microseconds) ?? "-",
                row.error.map { Units.signedPercent($0, decimals: 1) } ?? "-",
            ])
        }
        let mae =
            Fidelity.meanAbsoluteError(rows).map { Units.fixed($0 * 100, decimals: 1) + "%" } ?? "-"
        let tau = Fidelity.rankCorrelation(rows).map { Units.fixed($0, decimals: 2) } ?? "-"
        let measured = rows.filter { $0.measured != nil }.count
        return table.render()
            + "mean absolute error \(mae); Kendall's tau \(tau) over \(measured) placements\n"
    }

    func json(_ rows: [Fidelity.Row]) -> JSONValue {
        .object([
            (
                "placements",
                .array(
                    rows.map { row in
                        .object([
                            ("label", .string(row.label)), ("simulated_us", .number(row.simulated)),
                            ("measured_us", row.measured.map(JSONValue.number) ?? .null),
                            ("error", row.error.map(JSONValue.number) ?? .null),
                        ])
                    })
            ),
            (
                "mean_absolute_error",
                Fidelity.meanAbsoluteError(rows).map(JSONValue.number) ?? .null
            ),
            ("kendall_tau", Fidelity.rankCorrelation(rows).map(JSONValue.number) ?? .null),
        ])
    }
}
