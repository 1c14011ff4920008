import Foundation
import SpotlightModel

/// Writing to the standard streams.
enum Output {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func report(_ failure: InputError) {
        for diagnostic in failure.diagnostics { error("error: \(diagnostic)") }
    }

    static func json(_ value: JSONValue) {
        print(JSONWriter.string(value, inlineDepth: 3), terminator: "")
    }
}
