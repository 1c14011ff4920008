/// What a cell shows, by meaning rather than by colour: a theme maps each role to colours and
/// attributes, so panels never name a colour.
public enum Role: UInt8, CaseIterable, Sendable {
    case text, dim, title, border, accent, good, warning, bad, selection, highlight, critical
    case axis, meanCurve, bestCurve, klCurve, maxKLCurve, reference, barEmpty, statusBar, footer,
        key
    case device0, device1, device2, device3, device4, device5, device6, device7

    /// The theme name of the role, as written in theme files.
    public var name: String {
        switch self {
        case .text: "text"
        case .dim: "dim"
        case .title: "title"
        case .border: "border"
        case .accent: "accent"
        case .good: "good"
        case .warning: "warning"
        case .bad: "bad"
        case .selection: "selection"
        case .highlight: "highlight"
        case .critical: "critical"
        case .axis: "axis"
        case .meanCurve: "mean_curve"
        case .bestCurve: "best_curve"
        case .klCurve: "kl_curve"
        case .maxKLCurve: "max_kl_curve"
        case .reference: "reference"
        case .barEmpty: "bar_empty"
        case .statusBar: "status_bar"
        case .footer: "footer"
        case .key: "key"
        case .device0: "device0"
        case .device1: "device1"
        case .device2: "device2"
        case .device3: "device3"
        case .device4: "device4"
        case .device5: "device5"
        case .device6: "device6"
        case .device7: "device7"
        }
    }

    public static let deviceRoles: [Role] = [
        .device0, .device1, .device2, .device3, .device4, .device5, .device6, .device7,
    ]

    /// The colour of device `index` (devices beyond eight reuse the palette).
    public static func device(_ index: Int) -> Role { deviceRoles[((index % 8) + 8) % 8] }
}

/// Text attributes a cell may add to its role's own.
public struct CellAttributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = CellAttributes(rawValue: 1)
    public static let underline = CellAttributes(rawValue: 2)
    public static let reverse = CellAttributes(rawValue: 4)
    public static let dim = CellAttributes(rawValue: 8)
    public static let italic = CellAttributes(rawValue: 16)
}

/// How a cell is drawn: its foreground role, an optional background role (nil: the panel's), and
/// extra attributes.
public struct CellStyle: Sendable, Hashable {
    public var foreground: Role
    public var background: Role?
    public var attributes: CellAttributes

    public init(_ foreground: Role, background: Role? = nil, attributes: CellAttributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public static let text = CellStyle(.text)
    public static let dim = CellStyle(.dim)
}
