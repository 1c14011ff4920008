import SpotlightModel

/// Text, fills, boxes and bars: the primitives every panel is made of.
extension CellGrid {
    /// Fills `rect` with `cell`.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        for y in rect.y..<rect.maxY { for x in rect.x..<rect.maxX { self[x, y] = cell } }
    }

    /// Sets the background role of every cell in `rect`, keeping characters and foregrounds.
    public mutating func paintBackground(_ rect: Rect, _ role: Role) {
        for y in max(rect.y, clip.y)..<min(rect.maxY, clip.maxY) {
            for x in max(rect.x, clip.x)..<min(rect.maxX, clip.maxX) {
                var cell = self[x, y]
                cell.style.background = role
                self[x, y] = cell
            }
        }
    }

    /// Writes `text` from (x, y) rightwards, at most `limit` cells (cut with "…" when longer).
    /// Returns the column after the last cell written.
    @discardableResult
    public mutating func write(
        _ text: String, x: Int, y: Int, style: CellStyle = .text, limit: Int? = nil
    ) -> Int {
        let room = limit ?? (width - x)
        guard room > 0 else { return x }
        let scalars = Array(text.unicodeScalars)
        var column = x
        for (index, scalar) in scalars.enumerated() {
            if index == room - 1 && scalars.count > room {
                self[column, y] = Cell("…", style: style)
                return column + 1
            }
            if index >= room { break }
            // A control character (from a name in a file) must never reach the terminal.
            self[column, y] = Cell(TerminalSafe.isControl(scalar) ? "�" : scalar, style: style)
            column += 1
        }
        return column
    }

    /// Writes `text` in at most `limit` columns, cutting the middle rather than the end when it
    /// is longer (`nmt/enc…/lstm_cell/MatMul`): names tell apart by their tails. Returns the
    /// column after it.
    @discardableResult
    public mutating func writeMiddle(
        _ text: String, x: Int, y: Int, style: CellStyle = .text, limit: Int
    ) -> Int {
        write(Self.middleTruncated(text, to: limit), x: x, y: y, style: style, limit: limit)
    }

    /// `text` cut to `width` scalars by an ellipsis a third of the way in.
    public static func middleTruncated(_ text: String, to width: Int) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > width, width >= 5 else { return text }
        let head = (width - 1) / 3
        let tail = width - 1 - head
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[..<head])
        view.append("…")
        view.append(contentsOf: scalars[(scalars.count - tail)...])
        return String(view)
    }

    /// The cells `text` takes when written: one per Unicode scalar, as `write` places them.
    public static func columns(of text: String) -> Int { text.unicodeScalars.count }

    /// Writes `text` so that it ends at column `maxX` (exclusive).
    @discardableResult
    public mutating func writeRight(_ text: String, maxX: Int, y: Int, style: CellStyle = .text)
        -> Int
    {
        write(text, x: maxX - Self.columns(of: text), y: y, style: style)
    }

    /// Writes a sequence of styled pieces one after another; returns the column after them.
    @discardableResult
    public mutating func write(_ pieces: [(String, CellStyle)], x: Int, y: Int, limit: Int) -> Int {
        var column = x
        for (text, style) in pieces {
            let room = x + limit - column
            guard room > 0 else { break }
            column = write(text, x: column, y: y, style: style, limit: room)
        }
        return column
    }

    /// The most columns of title that `box` shows uncut on a box `width` wide: the edge less its
    /// corners, a rule and a space on each side.
    public static func titleRoom(inBoxOfWidth width: Int) -> Int { width - 6 }

    /// The first of `titles` (longest first) that fits a box of `width`, else the last.
    public static func fittingTitle(_ titles: [String], inBoxOfWidth width: Int) -> String {
        let room = titleRoom(inBoxOfWidth: width)
        return titles.first { columns(of: $0) <= room } ?? titles.last ?? ""
    }

    /// A rounded box around `rect` with `title` in its top edge; returns the inside.
    @discardableResult
    public mutating func box(
        _ rect: Rect, title: String = "", style: CellStyle = CellStyle(.border),
        titleStyle: CellStyle = CellStyle(.title, attributes: .bold)
    ) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else {
            return Rect(x: rect.x, y: rect.y, width: 0, height: 0)
        }
        let right = rect.maxX - 1
        let bottom = rect.maxY - 1
        for x in rect.x + 1..<right {
            self[x, rect.y] = Cell("─", style: style)
            self[x, bottom] = Cell("─", style: style)
        }
        for y in rect.y + 1..<bottom {
            self[rect.x, y] = Cell("│", style: style)
            self[right, y] = Cell("│", style: style)
        }
        self[rect.x, rect.y] = Cell("╭", style: style)
        self[right, rect.y] = Cell("╮", style: style)
        self[rect.x, bottom] = Cell("╰", style: style)
        self[right, bottom] = Cell("╯", style: style)
        if !title.isEmpty && rect.width > 6 {
            write(
                " " + title + " ", x: rect.x + 2, y: rect.y, style: titleStyle,
                limit: Self.titleRoom(inBoxOfWidth: rect.width) + 2)
        }
        return rect.inset(by: 1)
    }

    /// A horizontal bar `width` cells wide, filled to `fraction` (0...1) with eighth-block
    /// precision: "█████▌░░░░".
    public mutating func bar(
        x: Int, y: Int, width: Int, fraction: Double, style: CellStyle,
        emptyStyle: CellStyle = CellStyle(.barEmpty)
    ) {
        guard width > 0 else { return }
        let clamped = fraction.isFinite ? min(max(fraction, 0), 1) : 0
        let eighths = Int((clamped * Double(width * 8)).rounded())
        let partials: [Unicode.Scalar] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        for column in 0..<width {
            let filled = eighths - column * 8
            if filled >= 8 {
                self[x + column, y] = Cell("█", style: style)
            } else if filled > 0 {
                self[x + column, y] = Cell(partials[filled - 1], style: style)
            } else {
                self[x + column, y] = Cell("░", style: emptyStyle)
            }
        }
    }
}
