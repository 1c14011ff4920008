import Foundation
import SpotlightModel

/// The themes a session can switch between with `t`: every `*.theme` file of a directory, in
/// name order, or the built-in monochrome theme when there is none.
public struct ThemeCatalog: Sendable {
    public private(set) var themes: [Theme]
    /// Files that could not be read, with why; shown to the user, never fatal for the others.
    public private(set) var problems: [Diagnostic]

    public init(themes: [Theme], problems: [Diagnostic] = []) {
        self.themes = themes.isEmpty ? [.builtInMonochrome] : themes
        self.problems = problems
    }

    /// Reads every `*.theme` file in `directory` (nil: only the built-in theme).
    public static func load(directory: String?) -> ThemeCatalog {
        guard let directory else { return ThemeCatalog(themes: []) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
                $0.hasSuffix(".theme")
            }.sorted()
        } catch {
            return ThemeCatalog(
                themes: [],
                problems: [
                    Diagnostic(
                        file: directory, path: "", message: "cannot list the themes directory")
                ])
        }
        var themes: [Theme] = []
        var problems: [Diagnostic] = []
        for name in names {
            let path = directory + "/" + name
            do throws(InputError) {
                let text = try FileIO.readText(path)
                themes.append(try Theme.parse(text, file: path))
            } catch {
                problems += error.diagnostics
            }
        }
        return ThemeCatalog(themes: themes, problems: problems)
    }

    /// The index of the theme called `name`, if there is one.
    public func index(named name: String) -> Int? { themes.firstIndex { $0.name == name } }

    public var names: [String] { themes.map(\.name) }
}
