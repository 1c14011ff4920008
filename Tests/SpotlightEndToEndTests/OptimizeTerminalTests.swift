import Foundation
import SpotlightTestSupport
import Testing

/// `optimize` on a real terminal: the progress bar redraws one line, and a narrow terminal loses
/// whole parts of it, the least important first, never the best time.
@Suite(.tags(.slow), .skippedInQuickLoop) struct OptimizeTerminalTests {
    @Test(arguments: [(80, 3), (44, 1)])
    func theProgressLineFitsTheTerminal(columns: Int, parts: Int) throws {
        let tmux = ExplorerTerminalTests.Tmux()
        defer { tmux.kill() }
        try tmux.start(width: columns, height: 30)
        try tmux.type(
            "cd '\(CommandLineTests.packageRoot.path)' && '\(CommandLineTests.binary)' optimize samples/tiny.graph.json samples/tiny.cluster.json --iterations 40 --samples 4 --hidden 16 --polish 0",
            "Enter")
        let screen = try tmux.waitFor("the result table") { $0.contains("(best found)") }
        let barLines = screen.split(separator: "\n").filter { $0.contains("█") || $0.contains("░") }
        #expect(barLines.count == 1, "the progress line wrapped:\n\(screen)")
        let line = String(barLines.first ?? "").trimmingCharacters(in: .whitespaces)
        let whole = [
            " 40/40", "  best [0-9.]+ [mu]s", "  mean [0-9.]+ [mu]s",
            "  KL [0-9.e-]+ \\(max [0-9.e-]+\\)", "  [0-9.k]+ samples/s",
        ]
        let pattern = "^[█░]{8,24}" + whole.prefix(1 + parts).joined() + "$"
        #expect(
            line.wholeMatch(of: try Regex(pattern)) != nil,
            "expected \(parts) whole parts in \"\(line)\"")
    }

    /// With several measuring workers on a terminal, the bar says how many placements are in
    /// flight while a batch is measured, not only between batches.
    @Test func theBarShowsPlacementsInFlight() throws {
        let tmux = ExplorerTerminalTests.Tmux()
        defer { tmux.kill() }
        try tmux.start(width: 120, height: 30)
        try tmux.type(
            "cd '\(CommandLineTests.packageRoot.path)' && '\(CommandLineTests.binary)' optimize samples/tiny.graph.json samples/tiny.cluster.json --budget 16 --samples 8 --hidden 16 --remeasure 0 --confirm 0 --evaluate-workers 2 --evaluate-command 'sleep 0.6; echo 1000'",
            "Enter")
        let screen = try tmux.waitFor("placements in flight") { $0.contains("2 in flight") }
        #expect(screen.contains("/16  best "), "\(screen)")
        _ = try tmux.waitFor("the result table") { $0.contains("(best sampled)") }
    }
}
