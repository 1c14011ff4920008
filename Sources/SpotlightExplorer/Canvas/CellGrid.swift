/// One character cell of the screen: a single-width character and how to draw it.
public struct Cell: Sendable, Hashable {
    public var character: Unicode.Scalar
    public var style: CellStyle

    public init(_ character: Unicode.Scalar = " ", style: CellStyle = .text) {
        self.character = character
        self.style = style
    }

    public static let blank = Cell()
}

/// A rectangle of cells, in (column, row) screen coordinates.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }

    public func contains(x column: Int, y row: Int) -> Bool {
        column >= x && column < maxX && row >= y && row < maxY
    }

    /// The rectangle shrunk by `amount` on every side (a panel's inside, within its border).
    public func inset(by amount: Int) -> Rect {
        Rect(x: x + amount, y: y + amount, width: width - 2 * amount, height: height - 2 * amount)
    }

    /// Splits off the top `rows` rows: (top, rest).
    public func splitTop(_ rows: Int) -> (Rect, Rect) {
        let top = min(max(rows, 0), height)
        return (
            Rect(x: x, y: y, width: width, height: top),
            Rect(x: x, y: y + top, width: width, height: height - top)
        )
    }

    /// Splits off the left `columns` columns: (left, rest).
    public func splitLeft(_ columns: Int) -> (Rect, Rect) {
        let left = min(max(columns, 0), width)
        return (
            Rect(x: x, y: y, width: left, height: height),
            Rect(x: x + left, y: y, width: width - left, height: height)
        )
    }

    public var description: String { "\(width)x\(height)+\(x)+\(y)" }
}

/// The in-memory screen every widget draws into: a flat row-major array of cells. Only the
/// terminal backend turns it into terminal output, so every screen can be rendered and checked in
/// a test without a terminal. Writes outside the grid, or outside the clip rectangle, are dropped.
public struct CellGrid: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Drawing is confined to this rectangle (the whole grid unless a widget narrows it).
    public var clip: Rect

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
        clip = Rect(x: 0, y: 0, width: self.width, height: self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard clip.contains(x: x, y: y), x < width, y < height, x >= 0, y >= 0 else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Runs `body` with drawing confined to `rect` (within the current clip).
    public mutating func clipped(to rect: Rect, _ body: (inout CellGrid) -> Void) {
        let saved = clip
        let x0 = max(rect.x, saved.x)
        let y0 = max(rect.y, saved.y)
        clip = Rect(
            x: x0, y: y0, width: min(rect.maxX, saved.maxX) - x0,
            height: min(rect.maxY, saved.maxY) - y0)
        body(&self)
        clip = saved
    }

    /// The characters of row `y`, trailing blanks removed.
    public func rowText(_ y: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for x in 0..<width { scalars.append(cells[y * width + x].character) }
        var text = String(scalars)
        while text.last == " " { text.removeLast() }
        return text
    }

    /// The whole grid as text, one line per row: what snapshot tests compare.
    public var text: String { (0..<height).map(rowText).joined(separator: "\n") }
}
