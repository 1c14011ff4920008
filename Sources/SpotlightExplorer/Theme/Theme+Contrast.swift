import Foundation

/// How a theme's colours come out on terminals of each colour depth, and how far apart a role's
/// foreground and background are: the WCAG 2 contrast ratio of their relative luminances.
extension ThemeColor {
    /// An RGB colour, 0-255 per channel.
    public struct RGB: Sendable, Equatable {
        public var red: Int, green: Int, blue: Int

        public init(_ red: Int, _ green: Int, _ blue: Int) {
            self.red = red
            self.green = green
            self.blue = blue
        }

        /// The colour as a direct-colour terminal numbers it: 0xRRGGBB.
        public var packed: Int { red << 16 | green << 8 | blue }

        /// WCAG 2 relative luminance, 0 (black) to 1 (white).
        public var luminance: Double {
            func linear(_ channel: Int) -> Double {
                let value = Double(channel) / 255
                return value <= 0.039_28
                    ? value / 12.92 : Foundation.pow((value + 0.055) / 1.055, 2.4)
            }
            return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
        }

        /// WCAG 2 contrast ratio with `other`: 1 (none) to 21 (black on white).
        public func contrast(with other: RGB) -> Double {
            let (light, dark) =
                luminance >= other.luminance
                ? (luminance, other.luminance) : (other.luminance, luminance)
            return (light + 0.05) / (dark + 0.05)
        }
    }

    /// The 16 basic colours as xterm draws them by default.
    public static let basicPalette: [RGB] = [
        RGB(0, 0, 0), RGB(205, 0, 0), RGB(0, 205, 0), RGB(205, 205, 0),
        RGB(0, 0, 238), RGB(205, 0, 205), RGB(0, 205, 205), RGB(229, 229, 229),
        RGB(127, 127, 127), RGB(255, 0, 0), RGB(0, 255, 0), RGB(255, 255, 0),
        RGB(92, 92, 255), RGB(255, 0, 255), RGB(0, 255, 255), RGB(255, 255, 255),
    ]

    /// xterm's colour for a 256-colour index: the basic 16, the 6×6×6 cube, then 24 greys.
    public static func rgb(ofIndex index: Int) -> RGB {
        if index < 16 { return basicPalette[index] }
        if index >= 232 {
            let level = 8 + 10 * (index - 232)
            return RGB(level, level, level)
        }
        let cube = index - 16
        func level(_ step: Int) -> Int { step == 0 ? 0 : 55 + 40 * step }
        return RGB(level(cube / 36), level(cube / 6 % 6), level(cube % 6))
    }

    /// The colour as a terminal with `colors` colours shows it, or nil for the terminal's own.
    /// Past 256 colours (direct colour) the 256-colour index's RGB value is used.
    public func rgb(colors: Int) -> RGB? {
        let number = resolved(colors: colors)
        return number >= 0 ? Self.rgb(ofNumber: number, colors: colors) : nil
    }

    /// The RGB of colour number `number` (as `resolved(colors:)` gives it) on a terminal with
    /// `colors` colours: a packed 0xRRGGBB past 256 colours, else a palette index.
    public static func rgb(ofNumber number: Int, colors: Int) -> RGB {
        colors > 256 ? RGB(number >> 16, number >> 8 & 0xFF, number & 0xFF) : rgb(ofIndex: number)
    }
}

extension Theme {
    /// The colour depths a theme must read well at: 8 and 16 basic colours, 256, direct colour.
    public static let colorDepths = [8, 16, 256, 1 << 24]

    /// The foreground and background colour numbers of `style` on a terminal with `colors`
    /// colours, over `background` (a role's own, else the theme's). On 8 colours, a foreground
    /// that falls on its background's colour (bright black on black) becomes black or white,
    /// whichever stands out from the background.
    public func colorPair(_ style: RoleStyle, over background: ThemeColor? = nil, colors: Int) -> (
        Int, Int
    ) {
        let back = (background ?? style.background ?? self.background).resolved(colors: colors)
        var fore = style.foreground.resolved(colors: colors)
        if colors < 16, fore >= 0, fore == back {
            let behind = ThemeColor.basicPalette[back]
            fore =
                behind.contrast(with: ThemeColor.basicPalette[0])
                    > behind.contrast(with: ThemeColor.basicPalette[7]) ? 0 : 7
        }
        return (fore, back)
    }

    /// The attributes a cell drawn in `style` gets: its roles' and its own together. With
    /// `colors(of:colors:)`, what the backend draws and the screen snapshots of every theme
    /// record.
    public func attributes(of style: CellStyle) -> CellAttributes {
        var attributes = self[style.foreground].attributes.union(style.attributes)
        if let background = style.background { attributes.formUnion(self[background].attributes) }
        return attributes
    }

    /// The foreground and background colour numbers (-1: the terminal's own) of a cell drawn in
    /// `style` on a terminal with `colors` colours, as `colorPair` gives them.
    public func colors(of style: CellStyle, colors: Int) -> (foreground: Int, background: Int) {
        let (fore, back) = colorPair(
            self[style.foreground], over: style.background.flatMap { self[$0].background },
            colors: colors)
        return (fore, back)
    }

    /// The contrast ratio of `role` on its background at `colors` colours, as `colorPair` draws
    /// it; nil where either is the terminal's own colour (unknown here). Below 16 colours a bold
    /// role (or one drawn `bold`) counts at the lower of its colour and its bright form, since
    /// many such terminals show bold text in the bright colour.
    public func contrast(
        of role: Role, over background: Role? = nil, colors: Int, bold: Bool = false
    ) -> Double? {
        let style = self[role]
        let (fore, back) = colorPair(
            style, over: background.flatMap { self[$0].background }, colors: colors)
        guard fore >= 0, back >= 0 else { return nil }
        let behind = ThemeColor.rgb(ofNumber: back, colors: colors)
        var ratio = ThemeColor.rgb(ofNumber: fore, colors: colors).contrast(with: behind)
        if colors < 16, fore < 8, bold || style.attributes.contains(.bold) {
            ratio = min(ratio, ThemeColor.basicPalette[fore + 8].contrast(with: behind))
        }
        return ratio
    }
}

extension Role {
    /// The least contrast the role needs with its background on a terminal with `colors`
    /// colours. Text: 4.5:1 (WCAG AA) from 256 colours up, where a theme picks any colour; 3:1
    /// (AA for bold and large text) on 8 and 16, whose basic palette has few colours that read on
    /// black or white. Curves and device colours: 3:1 (WCAG's graphics), 2:1 on 8 and 16. Borders
    /// and empty bars are quiet on purpose, but visible: 1.5:1 and 1.2:1.
    public func minimumContrast(colors: Int) -> Double {
        let full = colors >= 256
        switch self {
        case .meanCurve, .bestCurve, .klCurve, .maxKLCurve, .device0, .device1, .device2, .device3,
            .device4, .device5, .device6, .device7:
            return full ? 3 : 2
        case .border: return 1.5
        case .barEmpty: return 1.2
        default: return full ? 4.5 : 3
        }
    }
}
