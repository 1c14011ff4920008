import SpotlightModel

/// Reading the theme file format (documented in `themes/README.md`):
///
///     # comment
///     name = dark
///     background = 234/black
///     text = 252/white
///     selection = 255/brightwhite on 24/blue bold
///     critical = 203/brightred bold underline
///
/// A colour is `N/NAME` (a 256-colour index and a 16-colour fallback), `N` alone, `NAME` alone, or
/// `default`. Every role must be given once; unknown roles and attributes are errors, so that a
/// typo does not pass silently.
extension Theme {
    public static func parse(_ text: String, file: String) throws(InputError) -> Theme {
        var draft = Draft(file: file)
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let line =
                rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map(String.init) ?? ""
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                draft.problem("expected `role = colour`, got \"\(trimmed)\"", line: offset + 1)
                continue
            }
            draft.set(
                String(trimmed[..<equals]).trimmingSpaces,
                to: String(trimmed[trimmed.index(after: equals)...]).trimmingSpaces,
                line: offset + 1)
        }
        return try draft.theme()
    }

    /// A theme as its file is read: what each line set, and what was wrong.
    private struct Draft {
        static let roleByName = Dictionary(
            uniqueKeysWithValues: Role.allCases.map { ($0.name, $0) })
        let file: String
        var name: String?
        var background = ThemeColor.terminalDefault
        var styles = [RoleStyle?](repeating: nil, count: Role.allCases.count)
        var problems: [Diagnostic] = []

        init(file: String) { self.file = file }

        mutating func problem(_ message: String, line: Int) {
            problems.append(Diagnostic(file: file, path: "line \(line)", message: message))
        }

        /// `key = value` from line `line`: the name, the background, or a role's style.
        mutating func set(_ key: String, to value: String, line: Int) {
            switch key {
            case "name":
                if value.isEmpty { problem("the name is empty", line: line) } else { name = value }
            case "background":
                do throws(ThemeValueError) { background = try parseColor(value) } catch {
                    problem(error.message, line: line)
                }
            default:
                guard let role = Self.roleByName[key] else {
                    let roles = Role.allCases.map(\.name).joined(separator: ", ")
                    problem("unknown role \"\(key)\"; roles are \(roles)", line: line)
                    return
                }
                if styles[Int(role.rawValue)] != nil {
                    problem("role \"\(key)\" is given twice", line: line)
                }
                do throws(ThemeValueError) {
                    styles[Int(role.rawValue)] = try parseStyle(value)
                } catch { problem(error.message, line: line) }
            }
        }

        /// The theme, or every problem found, with the roles and the name that are missing.
        func theme() throws(InputError) -> Theme {
            var problems = self.problems
            let missing = Role.allCases.filter { styles[Int($0.rawValue)] == nil }.map(\.name)
            if !missing.isEmpty {
                let roles = "role\(missing.count == 1 ? "" : "s")"
                problems.append(
                    Diagnostic(
                        file: file, path: "",
                        message: "missing \(roles): \(missing.joined(separator: ", "))"))
            }
            if name == nil {
                problems.append(Diagnostic(file: file, path: "", message: "missing `name = ...`"))
            }
            guard problems.isEmpty, let name else { throw InputError(problems) }
            return Theme(name: name, background: background, styles: styles.map { $0! })
        }
    }

    struct ThemeValueError: Error {
        var message: String
    }

    static func parseStyle(_ value: String) throws(ThemeValueError) -> RoleStyle {
        var words = value.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard !words.isEmpty else { throw ThemeValueError(message: "expected a colour") }
        let foreground = try parseColor(words.removeFirst())
        var style = RoleStyle(foreground: foreground)
        while !words.isEmpty {
            let word = words.removeFirst()
            switch word {
            case "on":
                guard !words.isEmpty else {
                    throw ThemeValueError(message: "`on` needs a background colour after it")
                }
                style.background = try parseColor(words.removeFirst())
            case "bold": style.attributes.insert(.bold)
            case "underline": style.attributes.insert(.underline)
            case "reverse": style.attributes.insert(.reverse)
            case "dim": style.attributes.insert(.dim)
            case "italic": style.attributes.insert(.italic)
            default:
                throw ThemeValueError(
                    message:
                        "unknown word \"\(word)\"; after the colour come `on COLOUR` and bold, underline, reverse, dim, italic"
                )
            }
        }
        return style
    }

    static func parseColor(_ value: String) throws(ThemeValueError) -> ThemeColor {
        if value == "default" { return .terminalDefault }
        let parts = value.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ThemeValueError(
                message:
                    "\"\(value)\" is not a colour; write N/NAME (for example 39/brightblue), N, NAME or default"
            )
        }
        var index256: Int?
        var fallback: Int?
        for part in parts {
            if let number = Int(part) {
                guard (0...255).contains(number), index256 == nil else {
                    throw ThemeValueError(
                        message:
                            "\"\(value)\": a colour index is a number from 0 to 255, given once")
                }
                index256 = number
            } else if let basic = ThemeColor.basicNames.firstIndex(of: part) {
                guard fallback == nil else {
                    throw ThemeValueError(message: "\"\(value)\" names two basic colours")
                }
                fallback = basic
            } else {
                throw ThemeValueError(
                    message:
                        "unknown colour \"\(part)\"; basic colours are \(ThemeColor.basicNames.joined(separator: ", "))"
                )
            }
        }
        // A 256-colour index below 16 is a basic colour; a basic colour alone serves both.
        if let index256, fallback == nil, index256 < 16 { fallback = index256 }
        if index256 == nil, let fallback { index256 = fallback }
        return ThemeColor(index256: index256, fallback16: fallback)
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" {
            scalars.removeFirst()
        }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" {
            scalars.removeLast()
        }
        return String(scalars)
    }
}
