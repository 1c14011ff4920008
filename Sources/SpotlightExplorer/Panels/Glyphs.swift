/// The few symbols the panels share, in one place so that the help's legend matches the screen.
enum Glyph {
    static let selected = "▶"
    static let stagePinned: Unicode.Scalar = "▣"
    static let stage: Unicode.Scalar = "■"
    static let oneOp: Unicode.Scalar = "▪"
    static let severalOps: Unicode.Scalar = "■"
    static let critical: Unicode.Scalar = "◆"
    static let selectedOp: Unicode.Scalar = "●"
    static let separator = " · "
}
