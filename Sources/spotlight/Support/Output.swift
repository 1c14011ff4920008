import Foundation
import SpotlightModel

/// Writing to the standard streams.
enum Output {
    /// Writes `line` to standard error: its leading newlines (which end a progress bar's line)
    /// as they are, and any control character after them escaped (`TerminalSafe`), since lines
    /// quote names from files.
    static func error(_ line: String) {
        let breaks = line.prefix { $0 == "\n" }
        FileHandle.standardError.write(
            Data((breaks + TerminalSafe.escaped(String(line.dropFirst(breaks.count))) + "\n").utf8))
    }

    /// Writes `line` to standard output with every control character escaped (`TerminalSafe`):
    /// for one line that quotes names from files.
    static func line(_ line: String) {
        print(TerminalSafe.escaped(line))
    }

    /// Writes a report of several lines to standard output as it is, each line's control
    /// characters escaped (`TerminalSafe`); tables escape their own cells.
    static func lines(_ text: String) {
        let escaped = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            TerminalSafe.escaped(String($0))
        }
        print(escaped.joined(separator: "\n"), terminator: "")
    }

    static func report(_ failure: InputError) {
        for diagnostic in failure.diagnostics { error("error: \(diagnostic)") }
    }

    static func json(_ value: JSONValue) {
        print(JSONWriter.string(value, inlineDepth: 3), terminator: "")
    }
}
