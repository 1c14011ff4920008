import CNcurses
import SpotlightExplorer

/// Maps cell styles to ncurses colour pairs and attribute bits for one theme. Pairs are defined
/// on first use, one per (foreground role, background role) combination, up to the terminal's
/// limit; past it a style falls back to its foreground's plain pair.
struct ColorPairs {
    private let colors: Int
    private let pairLimit: Int
    private var theme = Theme.builtInMonochrome
    /// Pair number by foreground role * (roles + 1) + background role (+1; 0 = none).
    private var pairByCombination: [Int32]
    private var nextPair: Int32 = 1

    init(colors: Int, pairLimit: Int) {
        self.colors = colors
        self.pairLimit = pairLimit
        pairByCombination = Array(
            repeating: -1, count: Role.allCases.count * (Role.allCases.count + 1))
    }

    mutating func reset(theme: Theme) {
        self.theme = theme
        for index in pairByCombination.indices { pairByCombination[index] = -1 }
        nextPair = 1
    }

    /// The pair number and SPL_* attribute bits for `style`.
    mutating func resolve(_ style: CellStyle) -> (Int32, UInt32) {
        let attributes = theme.attributes(of: style)
        guard colors > 0 else { return (0, UInt32(attributes.rawValue)) }
        let combination =
            Int(style.foreground.rawValue) * (Role.allCases.count + 1)
            + Int(style.background.map { $0.rawValue + 1 } ?? 0)
        var pair = pairByCombination[combination]
        if pair < 0 {
            if Int(nextPair) < pairLimit {
                pair = nextPair
                nextPair += 1
                let (fore, back) = theme.colors(of: style, colors: colors)
                _ = spl_define_pair(pair, Int32(fore), Int32(back))
            } else {
                pair = 0
            }
            pairByCombination[combination] = pair
        }
        return (pair, UInt32(attributes.rawValue))
    }
}
