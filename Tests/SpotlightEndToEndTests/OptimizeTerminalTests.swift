import Foundation
import Testing

/// `optimize` on a real terminal: the progress bar redraws one line, even in 80 columns.
@Suite struct OptimizeTerminalTests {
    @Test func theProgressLineFitsAnEightyColumnTerminal() throws {
        let tmux = ExplorerTerminalTests.Tmux()
        defer { tmux.kill() }
        try tmux.start(width: 80, height: 30)
        try tmux.type("cd '\(CommandLineTests.packageRoot.path)' && '\(CommandLineTests.binary)' optimize samples/tiny.graph.json samples/tiny.cluster.json --iterations 40 --samples 4 --hidden 16", "Enter")
        let screen = try tmux.waitFor("the result table") { $0.contains("(best found)") }
        let barLines = screen.split(separator: "\n").filter { $0.contains("█") || $0.contains("░") }
        #expect(barLines.count == 1, "the progress line wrapped:\n\(screen)")
        #expect(barLines.first.map { $0.contains("40/40") } == true)
    }
}
