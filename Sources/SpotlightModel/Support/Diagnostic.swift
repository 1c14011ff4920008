/// One problem with an input: which file, where in it (a JSON path such as `$.ops[3].inputs[0]`),
/// and what is wrong.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    /// One line, with any control character from a file's names escaped and a huge path or
    /// message shortened in the middle (`TerminalSafe`).
    public var description: String {
        let message = TerminalSafe.shortened(message)
        let path = TerminalSafe.shortened(path)
        return TerminalSafe.escaped(
            path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)")
    }
}

/// The error thrown when an input is invalid: every problem found, not just the first.
public struct InputError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public init(file: String, path: String = "", message: String) {
        self.diagnostics = [Diagnostic(file: file, path: path, message: message)]
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Collects diagnostics for one file while it is read and checked.
public struct DiagnosticLog: Sendable {
    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []
    /// Beyond this many problems in one file, further ones are counted but not kept.
    public static let limit = 100
    private var dropped = 0

    public init(file: String) { self.file = file }

    public var isEmpty: Bool { diagnostics.isEmpty }

    public mutating func add(_ path: String, _ message: String) {
        if diagnostics.count < Self.limit {
            diagnostics.append(Diagnostic(file: file, path: path, message: message))
        } else {
            dropped += 1
        }
    }

    /// Throws every collected problem, if there is any.
    public func throwIfAny() throws(InputError) {
        guard diagnostics.isEmpty else { throw failure() }
    }

    /// The collected problems as an error (a generic one if, unexpectedly, there are none).
    public func failure() -> InputError {
        var all = diagnostics
        if all.isEmpty { all.append(Diagnostic(file: file, path: "", message: "invalid document")) }
        if dropped > 0 {
            all.append(
                Diagnostic(file: file, path: "", message: "\(dropped) more problems not shown"))
        }
        return InputError(all)
    }
}

/// JSON path building: `$`, `$.ops`, `$.ops[3]`.
public enum JSONPath {
    public static let root = "$"
    public static func member(_ base: String, _ key: String) -> String { base + "." + key }
    public static func element(_ base: String, _ index: Int) -> String { base + "[\(index)]" }
}
