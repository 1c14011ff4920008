import SpotlightModel
import Testing

@testable import SpotlightExplorer

@Suite struct CanvasTests {
    @Test func textIsCutWithAnEllipsisAndClipped() {
        var grid = CellGrid(width: 10, height: 2)
        grid.write("placement", x: 0, y: 0, limit: 5)
        #expect(grid.rowText(0) == "plac…")
        grid.write("0123456789abc", x: 3, y: 1)
        #expect(grid.rowText(1) == "   012345…")
        grid.clipped(to: Rect(x: 0, y: 0, width: 2, height: 1)) { $0.write("xyz", x: 0, y: 0) }
        #expect(grid.rowText(0) == "xyac…")
    }

    /// The axis's end ticks are the chart's bounds exactly: a bottom bound of 0 once came out as
    /// a rounding error in scientific notation, wider than the labels' room.
    @Test func aChartsAxisEndsAtItsBoundsExactly() {
        var grid = CellGrid(width: 30, height: 11)
        let chart = LineChart(low: 0, high: 0.914, format: Units.format4, labelWidth: 7)
        chart.draw(
            into: &grid, area: grid.bounds, series: [], references: [], iterations: 0)
        #expect(grid.rowText(0).hasPrefix(" 0.9140┤"), "\(grid.rowText(0))")
        #expect(grid.rowText(9).hasPrefix("      0┤"), "\(grid.rowText(9))")
    }

    @Test func barsHaveEighthBlockPrecision() {
        var grid = CellGrid(width: 4, height: 3)
        grid.bar(x: 0, y: 0, width: 4, fraction: 0.5, style: .text)
        grid.bar(x: 0, y: 1, width: 4, fraction: 0.3, style: .text)  // 9.6 eighths, rounded to 10
        grid.bar(x: 0, y: 2, width: 4, fraction: 7, style: .text)
        #expect(grid.rowText(0) == "██░░")
        #expect(grid.rowText(1) == "█▎░░")
        #expect(grid.rowText(2) == "████")
    }

    @Test func boxesDrawRoundedCornersAndReturnTheirInside() {
        var grid = CellGrid(width: 12, height: 3)
        let inside = grid.box(grid.bounds, title: "ab")
        #expect(inside == Rect(x: 1, y: 1, width: 10, height: 1))
        #expect(grid.text == "╭─ ab ─────╮\n│          │\n╰──────────╯")
    }

    @Test func brailleDotsFollowTheUnicodeNumbering() {
        var canvas = BrailleCanvas(columns: 2, rows: 1)
        canvas.set(x: 0, y: 0, role: .text)  // dot 1
        canvas.set(x: 3, y: 3, role: .text)  // second cell, dot 8
        canvas.set(x: 9, y: 9, role: .text)  // outside: ignored
        var grid = CellGrid(width: 2, height: 1)
        canvas.draw(into: &grid, x: 0, y: 0)
        #expect(grid[0, 0].character == "\u{2801}")
        #expect(grid[1, 0].character == "\u{2880}")
    }

    @Test func linesJoinTheirEnds() {
        var canvas = BrailleCanvas(columns: 3, rows: 1)
        canvas.line(x0: 0, y0: 3, x1: 5, y1: 0, role: .text)
        var grid = CellGrid(width: 3, height: 1)
        canvas.draw(into: &grid, x: 0, y: 0)
        #expect(grid.rowText(0).unicodeScalars.count == 3)
    }

    @Test func chartBinsCombineWhenIterationsOutnumberColumns() {
        let values: [Double?] = (1...8).map(Double.init)
        #expect(LineChart.binned(values, into: 4, combine: LineChart.maximum) == [2, 4, 6, 8])
        #expect(LineChart.binned(values, into: 4, combine: LineChart.mean) == [1.5, 3.5, 5.5, 7.5])
        // Fewer iterations than columns: spread out, with the gaps filled in between.
        #expect(LineChart.binned([0, 3], into: 4, combine: LineChart.mean) == [0, 1, 2, 3])
    }

    @Test func unitsFormatWithoutLocale() {
        #expect(Units.fixed(-0.05, decimals: 1) == "-0.1")
        #expect(Units.fixed(-0.04, decimals: 1) == "0.0")
        #expect(Units.format2(1.005) == "1.00" || Units.format2(1.005) == "1.01")
        #expect(Units.format4(0.012345) == "0.01235" || Units.format4(0.012345) == "0.01234")
        #expect(Units.microseconds(1070) == "1.07 ms")
        let shortForms: [(Double, String)] = [
            (1.5, "1.5"), (0.5, "0.5"), (2, "2"), (128, "128"), (0.0625, "0.0625"),
            (0.001, "0.001"),
            (1.0 / 8192, "1.22e-4"), (1e-4, "1e-4"), (10_000, "10000"), (123_456, "1.23e5"),
            (9.996, "10"), (-0.25, "-0.25"), (0, "0"),
        ]
        for (value, text) in shortForms { #expect(Units.short(value) == text, "\(value)") }
        #expect(Units.microseconds(-250) == "-250.00 us")
        #expect(Units.bytes(12_300_000) == "12.3 MB")
        #expect(Units.grouped(1_234_567) == "1,234,567")
    }

    @Test func ratesKeepTwoSignificantDigitsBelowTen() {
        #expect(Units.rate(1234.4) == "1234")
        #expect(Units.rate(9.96) == "10")
        #expect(Units.rate(9.94) == "9.9")
        #expect(Units.rate(1.0) == "1.0")
        #expect(Units.rate(0.2449) == "0.24")
        #expect(Units.rate(0.0123) == "0.012")
        #expect(Units.rate(0) == "0.000")
    }
}

extension CanvasTests {
    /// An escape sequence in an op's name is drawn as replacement characters, never sent raw.
    @Test func controlCharactersAreNeverWrittenIntoCells() {
        var grid = CellGrid(width: 20, height: 1)
        grid.write("a\u{1B}[2Jb\u{07}", x: 0, y: 0)
        #expect(grid.rowText(0).hasPrefix("a�[2Jb�"))
    }
}
