import SpotlightSearch
import Testing

@testable import SpotlightExplorer

/// Every view of the explorer as a whole screen at 200×60, 120×40 and 80×24, each in the dark,
/// light and monochrome themes: one snapshot per view and size holds the text of each theme
/// (once where they agree) and how each theme draws every cell at 256 colours, so that a change
/// of layout, glyph or colour in any of them shows in review.
@Suite struct ThemedScreenTests {
    static let sizes = [(200, 60), (120, 40), (80, 24)]
    static let themes = ["dark", "light", "monochrome"]

    /// A view: the snapshot's name, and how to reach it from a fresh fixture.
    struct View: Sendable, CustomStringConvertible {
        var name: String
        var snapshot: @Sendable () -> OptimizerSnapshot = { Fixture.snapshot() }
        var keys: [Key] = []
        var expected: String
        var description: String { name }
    }

    static let views: [View] = [
        View(name: "graph", expected: "op graph"),
        View(name: "policy", keys: [.down, .down, .character("v")], expected: "stage 2: q over"),
        View(name: "gantt", keys: [.character("g")], expected: "step of the best placement"),
        View(name: "compare", keys: [.character("b")], expected: "stages moved"),
        View(name: "chart-cursor", keys: [.character("c"), .left], expected: "iteration 39"),
        View(name: "ops", keys: [.down, .enter], expected: "tower_a"),
        View(name: "help", keys: [.character("?")], expected: "pin"),
        View(
            name: "pinned",
            snapshot: {
                var snapshot = Fixture.snapshot(stagePins: [-1, -1, 0, -1, -1, -1, -1, -1])
                snapshot.unpinnedBestStepTime = 1000
                return snapshot
            }, expected: "with pins"),
        View(
            name: "pin-list",
            snapshot: { Fixture.snapshot(stagePins: [-1, -1, 0, -1, -1, -1, -1, -1]) },
            keys: [.character("L")], expected: "stage 2"),
        View(
            name: "settled",
            snapshot: {
                var snapshot = Fixture.snapshot(iterations: 60)
                let best = snapshot.history.last!.bestSoFar
                for index in snapshot.history.indices {
                    snapshot.history[index].entropy = 0.01
                    if index >= 5 { snapshot.history[index].bestSoFar = best }
                }
                return snapshot
            }, expected: "settled"),
    ]

    @Test(arguments: views)
    func everyViewInEveryThemeAndSize(view: View) {
        for (width, height) in Self.sizes {
            var sections: [String] = []
            var texts: [String: [String]] = [:]
            for theme in Self.themes {
                var state = Fixture.state(
                    width: width, height: height, theme: theme, snapshot: view.snapshot())
                for key in view.keys { _ = state.handle(key) }
                let grid = ExplorerView.render(state)
                texts[grid.text, default: []].append(theme)
                sections.append(StyleDump.dump(grid, theme: state.theme, named: theme))
                if width == 200 {
                    #expect(grid.text.contains(view.expected), "\(view.name) in \(theme)")
                }
            }
            let textSections = texts.sorted { $0.value.first! < $1.value.first! }.map {
                "== text: \($0.value.joined(separator: ", ")) ==\n\($0.key)"
            }
            expectSnapshot(
                (textSections + sections).joined(separator: "\n"),
                named: "themed/\(view.name)-\(width)x\(height)")
        }
    }
}

/// How a theme draws a grid, for snapshots: for each row, the runs of cells that look alike as
/// `key×count`, and a legend of keys (foreground and background colour numbers at 256 colours,
/// -1 the terminal's own, and attributes).
enum StyleDump {
    static let keys = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    struct Look: Hashable {
        var foreground: Int
        var background: Int
        var attributes: UInt8
    }

    static func dump(_ grid: CellGrid, theme: Theme, named name: String) -> String {
        var looks: [Look] = []
        var keyOf: [CellStyle: Int] = [:]
        var rows: [String] = []
        for y in 0..<grid.height {
            var runs: [String] = []
            var current: (key: Int, count: Int)?
            for x in 0..<grid.width {
                let style = grid[x, y].style
                let key =
                    keyOf[style]
                    ?? {
                        let colors = theme.colors(of: style, colors: 256)
                        let look = Look(
                            foreground: colors.foreground, background: colors.background,
                            attributes: theme.attributes(of: style).rawValue)
                        let key = looks.firstIndex(of: look) ?? looks.count
                        if key == looks.count { looks.append(look) }
                        keyOf[style] = key
                        return key
                    }()
                if let run = current, run.key == key {
                    current = (key, run.count + 1)
                } else {
                    if let run = current { runs.append(label(run)) }
                    current = (key, 1)
                }
            }
            if let run = current { runs.append(label(run)) }
            rows.append(runs.joined(separator: " "))
        }
        let legend = looks.enumerated().map { key, look in
            "\(symbol(key)) fg \(look.foreground) bg \(look.background) attributes \(look.attributes)"
        }
        return (["== look: \(name) =="] + rows + ["-- legend --"] + legend).joined(separator: "\n")
    }

    static func symbol(_ key: Int) -> String {
        key < keys.count ? String(keys[key]) : "{\(key)}"
    }

    static func label(_ run: (key: Int, count: Int)) -> String {
        run.count == 1 ? symbol(run.key) : "\(symbol(run.key))×\(run.count)"
    }
}
