import SpotlightModel
import SpotlightSearch

extension OptimizerComparison {
    /// The rows as `bench optimize --json` prints them.
    func json(_ rows: [Row]) -> JSONValue {
        .array(
            rows.map { row in
                .object([
                    ("workload", .string(row.name)), ("ops", .number(Double(row.ops))),
                    ("lower_bound_us", .number(row.lowerBound)),
                    (
                        "baselines",
                        .object(
                            row.baselines.map {
                                (
                                    $0.0,
                                    .object([("step_time_us", .number($0.1)), ("oom", .bool($0.2))])
                                )
                            })
                    ),
                    ("methods", methodsJSON(row)),
                    ("spotlight_against_pg", Self.json(row.comparison)),
                    ("samples_per_run", .number(Double(samplesPerRun))),
                    ("polish", bench.polish == 0 ? .null : polishJSON(row)),
                ])
            })
    }

    private func methodsJSON(_ row: Row) -> JSONValue {
        .object(
            Self.methods.map { method in
                let name = method.rawValue
                return (
                    name,
                    .object([
                        ("mean_best_step_time_us", .number(row.means[name]!)),
                        ("best_step_times_us", .array(row.bests[name]!.map(JSONValue.number))),
                        ("seconds_per_run", .number(row.seconds[name]!)),
                    ])
                )
            })
    }

    private func polishJSON(_ row: Row) -> JSONValue {
        .object([
            ("budget", .number(Double(bench.polish))),
            (
                "best_step_times_us",
                .object(
                    Self.methods.map {
                        ($0.rawValue, .array(row.polished[$0.rawValue]!.map(JSONValue.number)))
                    })
            ),
            ("spotlight_against_pg", Self.json(row.polishedComparison)),
            (
                "seconds_per_polish",
                .object(
                    Self.methods.map { ($0.rawValue, .number(row.polishSeconds[$0.rawValue]!)) })
            ),
            (
                "local_search_alone_us",
                row.localSearchAlone.map { .array($0.map(JSONValue.number)) } ?? .null
            ),
        ])
    }

    static func json(_ comparison: SeedComparison) -> JSONValue {
        .object([
            ("mean_ratio", .number(comparison.meanRatio)),
            ("standard_error", comparison.standardError.map(JSONValue.number) ?? .null),
            ("wins", .number(Double(comparison.wins))), ("ties", .number(Double(comparison.ties))),
        ])
    }

    /// The rows as a markdown table with a note under it, and with a polish a second table, line
    /// by line.
    func table(_ rows: [Row]) -> [String] {
        let baselineNames = rows.first?.baselines.map(\.0) ?? []
        let ms = OptimizerBench.ms
        var lines = [
            "| workload | lower bound | " + baselineNames.joined(separator: " | ")
                + " | policy gradient | Spotlight | Spotlight / PG | per seed (± s.e.) "
                + "| seeds Spotlight wins | samples per run | seconds per run (PG / Spotlight) |",
            "|---|---:|" + String(repeating: "---:|", count: baselineNames.count)
                + "---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in rows {
            let baselineCells = baselineNames.map { method in
                row.baselines.first { $0.0 == method }.map { ms($0.1) + ($0.2 ? " (OOM)" : "") }
                    ?? "-"
            }
            let (pg, spotlight) = (row.means["pg"]!, row.means["spotlight"]!)
            let comparison = row.comparison
            let record =
                "\(comparison.wins) of \(bench.seeds)"
                + (comparison.ties > 0 ? " (\(comparison.ties) tied)" : "")
            let cells =
                [row.name, ms(row.lowerBound)] + baselineCells + [
                    ms(pg), ms(spotlight), Units.fixed(spotlight / pg, decimals: 3),
                    OptimizerBench.perSeed(comparison), record, "\(samplesPerRun)",
                    Self.perMethod(row.seconds),
                ]
            lines.append(Self.tableRow(cells))
        }
        lines.append("")
        lines.append(
            "Step times in ms; each method's figure is the mean over \(bench.seeds) seeds of the "
                + "best placement it found. \"Per seed\" is the mean of the seeds' Spotlight / PG "
                + "ratios with its standard error: a mean within about two standard errors of 1 "
                + "does not tell the methods apart.")
        if bench.polish > 0 { lines += polishTable(rows) }
        return lines
    }

    /// A markdown table row of `cells`.
    static func tableRow(_ cells: [String]) -> String {
        "| " + cells.joined(separator: " | ") + " |"
    }

    /// Seconds of the policy gradient and of Spotlight: "1.2 / 3.4".
    static func perMethod(_ seconds: [String: Double]) -> String {
        Units.format1(seconds["pg"]!) + " / " + Units.format1(seconds["spotlight"]!)
    }

    private func polishTable(_ rows: [Row]) -> [String] {
        let ms = OptimizerBench.ms
        var lines = [
            "",
            "| workload | policy gradient | + local search | Spotlight | + local search "
                + "| Spotlight / PG after it, per seed (± s.e.) "
                + "| local search alone, from the start | placements per run "
                + "| seconds per polish (PG / Spotlight) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in rows {
            let cells = [
                row.name, ms(row.means["pg"]!), ms(OptimizerBench.mean(row.polished["pg"]!)),
                ms(row.means["spotlight"]!), ms(OptimizerBench.mean(row.polished["spotlight"]!)),
                OptimizerBench.perSeed(row.polishedComparison),
                row.localSearchAlone.map { ms(OptimizerBench.mean($0)) } ?? "-",
                "\(samplesPerRun) + at most \(bench.polish)",
                Self.perMethod(row.polishSeconds),
            ]
            lines.append(Self.tableRow(cells))
        }
        lines.append("")
        lines.append(
            "After each run, a local search polished its best placement (at most "
                + "\(bench.polish) placements); the local search alone starts from the placement "
                + "both methods start from, with a budget of \(samplesPerRun + bench.polish).")
        return lines
    }
}
