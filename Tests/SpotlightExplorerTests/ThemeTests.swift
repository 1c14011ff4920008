@testable import SpotlightExplorer
import SpotlightModel
import Testing

@Suite struct ThemeTests {
    @Test func theShippedThemesAllLoad() {
        let catalog = Fixture.themes
        #expect(catalog.problems.isEmpty)
        #expect(catalog.names == ["dark", "light", "monochrome"])
        let dark = catalog.themes[0]
        #expect(dark.usesColor)
        #expect(dark[.text].foreground == ThemeColor(index256: 252, fallback16: 7))
        #expect(dark[.selection].background == ThemeColor(index256: 237, fallback16: 4))
        #expect(!catalog.themes[2].usesColor)
        #expect(catalog.themes[2][.selection].attributes.contains(.reverse))
    }

    @Test func coloursFallBackOnSmallerTerminals() {
        let color = ThemeColor(index256: 75, fallback16: 12)
        #expect(color.resolved(colors: 256) == 75)
        #expect(color.resolved(colors: 16) == 12)
        #expect(color.resolved(colors: 8) == 4)
        #expect(ThemeColor.terminalDefault.resolved(colors: 256) == -1)
    }

    func complete(_ extra: String, omitting omitted: Role? = nil) -> String {
        var lines = ["name = test"]
        for role in Role.allCases where role != omitted { lines.append("\(role.name) = 7/white") }
        return lines.joined(separator: "\n") + "\n" + extra
    }

    @Test func styleWordsParse() throws {
        let style = try Theme.parseStyle("255/brightwhite on 24 bold underline")
        #expect(style.foreground == ThemeColor(index256: 255, fallback16: 15))
        #expect(style.background == ThemeColor(index256: 24, fallback16: nil))
        #expect(style.attributes == [.bold, .underline])
        #expect(try Theme.parseColor("blue") == ThemeColor(index256: 4, fallback16: 4))
    }

    @Test func mistakesAreReportedWithTheirLine() {
        #expect(throws: InputError.self) { try Theme.parse(complete("txet = 7"), file: "t.theme") }
        do {
            _ = try Theme.parse(complete("text = 300/white\ntitle = 7/purple\ndim = 7 blink\nnonsense"), file: "t.theme")
            Issue.record("expected an error")
        } catch {
            let messages = error.diagnostics.map(\.description).joined(separator: "\n")
            #expect(messages.contains("t.theme: line \(Role.allCases.count + 2)"))
            #expect(messages.contains("0 to 255"))
            #expect(messages.contains("unknown colour \"purple\""))
            #expect(messages.contains("unknown word \"blink\""))
            #expect(messages.contains("given twice"))
            #expect(messages.contains("expected `role = colour`"))
        }
    }

    @Test func everyRoleMustBeGiven() {
        do {
            _ = try Theme.parse(complete("", omitting: .critical), file: "t.theme")
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.map(\.message).joined().contains("missing role: critical"))
        }
    }

    @Test func aMissingDirectoryGivesTheBuiltInTheme() {
        let catalog = ThemeCatalog.load(directory: "/nonexistent/themes")
        #expect(catalog.themes.count == 1)
        #expect(!catalog.problems.isEmpty)
        #expect(ThemeCatalog.load(directory: nil).themes == [Theme.builtInMonochrome])
    }
}
