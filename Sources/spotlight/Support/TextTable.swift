import SpotlightModel

/// A plain text table: a header, columns padded to their widest cell, numbers right-aligned.
struct TextTable {
    private var rows: [[String]]

    init(_ header: [String]) { rows = [header] }

    /// A row; names from files are escaped (`TerminalSafe`).
    mutating func add(_ row: [String]) { rows.append(row.map(TerminalSafe.escaped)) }

    func render() -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        var output = ""
        for (index, row) in rows.enumerated() {
            var cells: [String] = []
            for column in 0..<columns {
                let cell = column < row.count ? row[column] : ""
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                let numeric =
                    index > 0 && column > 0 && cell.first.map { $0.isNumber || $0 == "-" } == true
                cells.append(numeric ? padding + cell : cell + padding)
            }
            output += cells.joined(separator: "  ").trailingWhitespaceTrimmed + "\n"
        }
        return output
    }
}

extension String {
    var trailingWhitespaceTrimmed: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
