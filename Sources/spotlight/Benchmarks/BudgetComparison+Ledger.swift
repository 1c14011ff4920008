import SpotlightModel
import SpotlightSearch

extension BudgetComparison {
    /// Where each method's placements went, per workload: for each part of a run that measured
    /// any (`BudgetedSearch.Ledger`), the mean over seeds of its placements and of the change it
    /// made to the best step time (placements, then `Units.signedPercent`), "-" where a
    /// method's runs had no such part.
    /// Nil when no part of any run measured anything.
    func ledgerTable(_ rows: [Row]) -> String? {
        let methods = bench.methodList
        let ledgers = rows.flatMap { row in methods.flatMap { row.ledgers[$0] ?? [] } }
        let parts = BudgetedSearch.Ledger.Part.allCases.filter { part in
            ledgers.contains { $0[part].measured > 0 }
        }
        guard !parts.isEmpty else { return nil }
        var lines = [
            "| workload | method | " + parts.map(\.label).joined(separator: " | ") + " |",
            "|---|---|" + String(repeating: "---:|", count: parts.count),
        ]
        for row in rows {
            for method in methods {
                let runs = row.ledgers[method] ?? []
                let cells = parts.map { Self.ledgerCell(runs, part: $0) }
                let name = BudgetBench.methodNames[method] ?? method
                lines.append("| \(row.name) | \(name) | " + cells.joined(separator: " | ") + " |")
            }
        }
        lines.append("")
        lines.append(
            "Where the placements went: each part's placements measured and its change to the "
                + "best step time, means over the seeds' runs.")
        return lines.joined(separator: "\n")
    }

    /// One part's mean placements and mean change over `runs`; "-" when none measured any.
    static func ledgerCell(_ runs: [BudgetedSearch.Ledger], part: BudgetedSearch.Ledger.Part)
        -> String
    {
        guard runs.contains(where: { $0[part].measured > 0 }) else { return "-" }
        let count = Double(runs.count)
        let placements = runs.reduce(0.0) { $0 + Double($1[part].measured) } / count
        let change = runs.reduce(0.0) { $0 + $1[part].change } / count
        return Units.whole(placements) + ", " + Units.signedPercent(change, decimals: 1)
    }
}
