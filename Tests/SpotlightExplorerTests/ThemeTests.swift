import SpotlightModel
import Testing

@testable import SpotlightExplorer

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
            _ = try Theme.parse(
                complete("text = 300/white\ntitle = 7/purple\ndim = 7 blink\nnonsense"),
                file: "t.theme")
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

/// Every shipped theme keeps its roles readable at every colour depth, against what each is
/// drawn on (`Role.minimumContrast(colors:)`).
@Suite struct ThemeContrastTests {
    /// The roles the panels draw on the status line's and the footer's backgrounds, and whether
    /// they draw them bold.
    static let onStatusBar: [(Role, Bool)] = [
        (.good, true), (.warning, true), (.bad, false), (.accent, true),
        (.title, true), (.dim, false), (.highlight, false),
    ]
    static let onFooter: [(Role, Bool)] = [
        (.key, true), (.text, true), (.accent, false), (.dim, false),
        (.warning, false), (.bad, false),
    ]

    /// Each (role, background role, bold) a panel draws, nil for the theme's background.
    static var pairs: [(Role, Role?, Bool)] {
        Role.allCases.map { ($0, nil, false) } + onStatusBar.map { ($0.0, .statusBar, $0.1) }
            + onFooter.map { ($0.0, .footer, $0.1) }
    }

    @Test func everyRoleReadsAtEveryColourDepth() {
        var failures: [String] = []
        for theme in Fixture.themes.themes where theme.usesColor {
            for depth in Theme.colorDepths {
                for (role, background, bold) in Self.pairs {
                    guard
                        let ratio = theme.contrast(
                            of: role, over: background, colors: depth, bold: bold)
                    else { continue }
                    let minimum = role.minimumContrast(colors: depth)
                    if ratio < minimum {
                        failures.append(
                            "\(theme.name) at \(depth) colours: \(role.name)"
                                + (background.map { " on \($0.name)" } ?? "")
                                + " \(Units.fixed(ratio, decimals: 2)):1 < \(minimum):1")
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// The light theme's dim text and axis labels were 3.0:1 and 2.6:1 on 256 colours.
    @Test func theLightThemesQuietTextReads() throws {
        let light = try #require(Fixture.themes.themes.first { $0.name == "light" })
        for role in [Role.dim, .axis] {
            #expect(try #require(light.contrast(of: role, colors: 256)) >= 4.5)
        }
    }

    @Test func contrastMatchesWCAGForKnownPairs() throws {
        let black = ThemeColor.RGB(0, 0, 0)
        let white = ThemeColor.RGB(255, 255, 255)
        #expect(abs(black.contrast(with: white) - 21) < 1e-9)
        #expect(abs(white.contrast(with: white) - 1) < 1e-9)
        // #777777 on white is the classic 4.48:1.
        #expect(abs(ThemeColor.RGB(0x77, 0x77, 0x77).contrast(with: white) - 4.478) < 0.01)
        #expect(ThemeColor.rgb(ofIndex: 16) == ThemeColor.RGB(0, 0, 0))
        #expect(ThemeColor.rgb(ofIndex: 231) == ThemeColor.RGB(255, 255, 255))
        #expect(ThemeColor.rgb(ofIndex: 75) == ThemeColor.RGB(95, 175, 255))
        #expect(ThemeColor.rgb(ofIndex: 244) == ThemeColor.RGB(128, 128, 128))
    }

    /// Direct-colour terminals number colours by their RGB value, not by palette index.
    @Test func directColourUsesThePalettesRGB() {
        let color = ThemeColor(index256: 75, fallback16: 12)
        #expect(color.resolved(colors: 1 << 24) == 0x5FAFFF)
        #expect(color.rgb(colors: 1 << 24) == ThemeColor.RGB(95, 175, 255))
    }

    /// On 8 colours bright black falls on black: it is drawn white there instead.
    @Test func aForegroundOnItsOwnBackgroundColourIsMovedOff() {
        let theme = Theme(
            name: "t", background: ThemeColor(index256: 234, fallback16: 0),
            styles: Role.allCases.map { _ in
                RoleStyle(foreground: ThemeColor(index256: 243, fallback16: 8))
            })
        #expect(theme.colorPair(theme[.dim], colors: 8) == (7, 0))
        #expect(theme.colorPair(theme[.dim], colors: 16) == (8, 0))
    }
}
