/// A colour as a theme gives it: a 256-colour index for terminals that have them and one of the
/// 16 basic colours for those that do not; `nil` in both is the terminal's own default colour.
public struct ThemeColor: Sendable, Hashable {
    public var index256: Int?
    public var fallback16: Int?

    public init(index256: Int?, fallback16: Int?) {
        self.index256 = index256
        self.fallback16 = fallback16
    }

    public static let terminalDefault = ThemeColor(index256: nil, fallback16: nil)
    public var isDefault: Bool { index256 == nil && fallback16 == nil }

    /// The colour number to use on a terminal with `colors` colours (-1: the default colour);
    /// past 256 (direct colour, numbered 0xRRGGBB) the 256-colour index's RGB value.
    public func resolved(colors: Int) -> Int {
        if colors > 256, let index256 { return Self.rgb(ofIndex: index256).packed }
        if colors >= 256, let index256 { return index256 }
        guard let fallback16 else { return -1 }
        return colors >= 16 ? fallback16 : fallback16 % 8
    }

    /// The names of the 16 basic colours, by number.
    public static let basicNames = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "brightblack", "brightred", "brightgreen", "brightyellow", "brightblue",
        "brightmagenta", "brightcyan", "brightwhite",
    ]
}

/// How one role is drawn.
public struct RoleStyle: Sendable, Hashable {
    public var foreground: ThemeColor
    public var background: ThemeColor?
    public var attributes: CellAttributes

    public init(
        foreground: ThemeColor, background: ThemeColor? = nil, attributes: CellAttributes = []
    ) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }
}

/// A named set of colours and attributes, one per `Role`, read from a `.theme` file (see
/// `themes/README.md`). A theme without any colour is drawn with attributes only, and the graph
/// panel then tells devices apart by number instead of by colour.
public struct Theme: Sendable, Hashable {
    public var name: String
    /// The colour behind everything (the terminal's own when default).
    public var background: ThemeColor
    /// Indexed by `Role.rawValue`.
    public var styles: [RoleStyle]

    public init(name: String, background: ThemeColor = .terminalDefault, styles: [RoleStyle]) {
        precondition(styles.count == Role.allCases.count, "a theme needs one style per role")
        self.name = name
        self.background = background
        self.styles = styles
    }

    public subscript(role: Role) -> RoleStyle { styles[Int(role.rawValue)] }

    /// True when any role or the background has a colour.
    public var usesColor: Bool {
        !background.isDefault
            || styles.contains { !$0.foreground.isDefault || !($0.background?.isDefault ?? true) }
    }

    /// The same theme with every colour removed and attributes kept: what `NO_COLOR` asks for.
    public func withoutColor() -> Theme {
        var plain = self
        plain.background = .terminalDefault
        plain.styles = styles.map {
            RoleStyle(
                foreground: .terminalDefault,
                background: $0.background.map { _ in .terminalDefault }, attributes: $0.attributes)
        }
        return plain
    }

    /// Attributes only, for when no theme file can be found: selection reversed, titles bold.
    public static let builtInMonochrome: Theme = {
        let styles = Role.allCases.map { role -> RoleStyle in
            switch role {
            case .title, .accent, .key, .bestCurve, .critical, .bad:
                RoleStyle(foreground: .terminalDefault, attributes: .bold)
            case .selection, .statusBar:
                RoleStyle(
                    foreground: .terminalDefault, background: .terminalDefault, attributes: .reverse
                )
            case .dim, .barEmpty, .border, .axis, .reference, .footer:
                RoleStyle(foreground: .terminalDefault, attributes: .dim)
            case .highlight, .warning:
                RoleStyle(foreground: .terminalDefault, attributes: .underline)
            default: RoleStyle(foreground: .terminalDefault)
            }
        }
        return Theme(name: "built-in monochrome", styles: styles)
    }()
}
