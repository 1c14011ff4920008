import Foundation
import SpotlightModel

/// Writing to the standard streams.
enum Output {
    /// Writes `line` to standard error: its leading newlines (which end a progress bar's line)
    /// as they are, and any control character after them escaped (`TerminalSafe`), since lines
    /// quote names from files.
    static func error(_ line: String) {
        let breaks = line.prefix { $0 == "\n" }
        FileHandle.standardError.write(Data((breaks + TerminalSafe.escaped(String(line.dropFirst(breaks.count))) + "\n").utf8))
    }

    static func report(_ failure: InputError) {
        for diagnostic in failure.diagnostics { error("error: \(diagnostic)") }
    }

    static func json(_ value: JSONValue) {
        print(JSONWriter.string(value, inlineDepth: 3), terminator: "")
    }
}
