/// A plot surface with 2x4 dots per cell, drawn with Unicode braille patterns (U+2800...U+28FF),
/// as btop and ratatui do: four times the vertical resolution of block characters. Each cell keeps
/// the role of the last series drawn into it.
public struct BrailleCanvas: Sendable {
    public let columns: Int
    public let rows: Int
    private var bits: [UInt8]
    private var roles: [Role?]

    public init(columns: Int, rows: Int) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        bits = Array(repeating: 0, count: self.columns * self.rows)
        roles = Array(repeating: nil, count: self.columns * self.rows)
    }

    /// Dots across one cell.
    public static let dotsPerCell = 2

    /// Whether `character` is a cell with dots set, as `draw` writes them.
    public static func holdsDots(_ character: Unicode.Scalar) -> Bool {
        (0x2801...0x28FF).contains(character.value)
    }

    /// Dots across and down.
    public var dotWidth: Int { columns * Self.dotsPerCell }
    public var dotHeight: Int { rows * 4 }

    /// Sets the dot at (x, y), y growing downwards; dots outside are ignored.
    public mutating func set(x: Int, y: Int, role: Role) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        // Braille dot numbering: columns of 1,2,3,7 and 4,5,6,8.
        let masks: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
        let index = (y / 4) * columns + x / 2
        bits[index] |= masks[x % 2][y % 4]
        roles[index] = role
    }

    /// A straight line of dots from (x0, y0) to (x1, y1) (Bresenham).
    public mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, role: Role) {
        var x = x0
        var y = y0
        let dx = abs(x1 - x0)
        let dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1
        let sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
            set(x: x, y: y, role: role)
            if x == x1 && y == y1 { break }
            let doubled = 2 * error
            if doubled >= dy {
                error += dy
                x += sx
            }
            if doubled <= dx {
                error += dx
                y += sy
            }
        }
    }

    /// Copies the dotted cells into `grid` at (x, y); empty cells are left as they are.
    public func draw(into grid: inout CellGrid, x: Int, y: Int) {
        for row in 0..<rows {
            for column in 0..<columns {
                let index = row * columns + column
                guard bits[index] != 0, let role = roles[index] else { continue }
                grid[x + column, y + row] = Cell(
                    Unicode.Scalar(0x2800 + UInt32(bits[index]))!, style: CellStyle(role))
            }
        }
    }
}
