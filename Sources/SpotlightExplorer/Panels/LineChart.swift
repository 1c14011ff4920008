import SpotlightModel

/// A line chart drawn with braille dots: a y axis with three labelled ticks, iterations (or
/// whatever `caption` names) along x, horizontal reference lines labelled at their right end,
/// then the series on top. Used for the reward and KL curves.
struct LineChart {
    struct Series {
        var values: [Double?]
        var role: Role
        /// How a bin of several iterations becomes one point (mean for means, max for maxima).
        var combine: ([Double]) -> Double
        /// Drawn as steps (across, then up or down) rather than slopes: a value that holds until
        /// it changes, such as the best so far.
        var steps = false
        /// Drawn as separate dots, every other dot column (every value if not `joined`), rather
        /// than a solid line: so that two series tell apart by their look where colour is off
        /// (a monochrome theme, NO_COLOR).
        var dotted = false
        /// Whether columns between two values are filled (a slope, or a step): false for values
        /// that exist only where something happened, such as a batch's mean.
        var joined = true
        /// For a step series, parallel to `values`: the role of the step into each value where
        /// it is not `role` (what made the change, such as the search that found a best).
        var stepRoles: [Role?]? = nil
    }

    struct Reference {
        var value: Double
        var label: String
    }

    var low: Double
    var high: Double
    var format: (Double) -> String
    var labelWidth = 9
    /// What the x axis counts, named in its middle.
    var caption = "iteration"

    /// Draws into `area` (already inside the panel's border).
    /// `cursor`, an index into the iterations, is marked by a dashed column over the plot.
    /// `iterations` entries are drawn, the last of them iteration `lastIteration` (the same
    /// unless the history merged old entries, `IterationHistory`), the first `firstIteration`;
    /// along an axis of another `caption`, the entries are whatever it counts, labelled so.
    func draw(
        into grid: inout CellGrid, area: Rect, series: [Series], references: [Reference],
        iterations: Int, firstIteration: Int = 1,
        lastIteration: Int? = nil, cursor: Int? = nil
    ) {
        guard area.width > labelWidth + 8, area.height >= 3 else { return }
        let plot = plotRect(in: area)
        drawAxes(
            into: &grid, plot: plot,
            iterations: iterations > 0 ? (firstIteration, lastIteration ?? iterations) : nil)
        let labelsByRow = drawReferences(references, into: &grid, plot: plot)
        var canvas = BrailleCanvas(columns: plot.width, rows: plot.height)
        for line in series { draw(line, on: &canvas) }
        canvas.draw(into: &grid, x: plot.x, y: plot.y)
        if let cursor, iterations > 0 {
            let column =
                plot.x
                + Self.dotColumn(of: cursor, count: iterations, dotWidth: canvas.dotWidth) / 2
            for y in plot.y..<plot.maxY where grid[column, y].character == " " {
                grid[column, y] = Cell("┆", style: CellStyle(.highlight))
            }
            grid[column, plot.maxY] = Cell("▲", style: CellStyle(.highlight, attributes: .bold))
        }
        for (row, labels) in labelsByRow {
            // A label wider than the plot loses its leading words ("max target" becomes "target"),
            // then is cut, so that it never covers the axis.
            var words = labels.joined(separator: ", ").split(separator: " ").map(String.init)
            while words.count > 1 && words.joined(separator: " ").count + 2 > plot.width {
                words.removeFirst()
            }
            let text = String((" " + words.joined(separator: " ") + " ").prefix(max(plot.width, 0)))
            let style = CellStyle(.reference, attributes: .bold)
            // At the right end, where the latest values are, unless the label would hide a
            // series there and not at the left end.
            let right = plot.maxX - text.count
            if Self.holdsDots(grid, from: right, to: plot.maxX, y: row),
                !Self.holdsDots(grid, from: plot.x, to: plot.x + text.count, y: row)
            {
                grid.write(text, x: plot.x, y: row, style: style)
            } else {
                grid.writeRight(text, maxX: plot.maxX, y: row, style: style)
            }
        }
    }

    /// Whether any cell of row `y` from `start` up to `end` holds a series' braille dots.
    private static func holdsDots(_ grid: CellGrid, from start: Int, to end: Int, y: Int) -> Bool {
        (start..<max(start, end)).contains { x in BrailleCanvas.holdsDots(grid[x, y].character) }
    }

    /// Where the series are drawn in `area`: right of the y axis's labels, above the x axis.
    func plotRect(in area: Rect) -> Rect {
        Rect(
            x: area.x + labelWidth + 1, y: area.y, width: area.width - labelWidth - 1,
            height: area.height - 1)
    }

    /// Dot columns across the plot in `area`: series of as many values are drawn a value a
    /// column.
    func dotWidth(in area: Rect) -> Int {
        max(plotRect(in: area).width, 0) * BrailleCanvas.dotsPerCell
    }

    /// The y axis left of `plot` with three labelled ticks, and the x axis under it labelled
    /// with the first and last iterations (none without iterations).
    private func drawAxes(into grid: inout CellGrid, plot: Rect, iterations: (Int, Int)?) {
        let axisX = plot.x - 1
        let axisStyle = CellStyle(.axis)
        for y in plot.y..<plot.maxY { grid[axisX, y] = Cell("│", style: axisStyle) }
        let tickRows = [plot.y, plot.y + (plot.height - 1) / 2, plot.maxY - 1]
        for (index, row) in tickRows.enumerated() {
            // Interpolated so that the end ticks are `high` and `low` exactly: high - high * k / k
            // need not be 0 in floating point, and a rounding error prints wide.
            let fraction = Double(row - plot.y) / Double(max(plot.height - 1, 1))
            let value = high * (1 - fraction) + low * fraction
            grid[axisX, row] = Cell("┤", style: axisStyle)
            if index == 1 && (row == tickRows[0] || row == tickRows[2]) { continue }
            grid.writeRight(format(value), maxX: axisX, y: row, style: axisStyle)
        }
        let bottom = plot.maxY
        grid[axisX, bottom] = Cell("└", style: axisStyle)
        for x in plot.x..<plot.maxX { grid[x, bottom] = Cell("─", style: axisStyle) }
        guard let (first, last) = iterations else { return }
        grid.write(" \(first) ", x: plot.x, y: bottom, style: axisStyle)
        grid.writeRight(" \(last) ", maxX: plot.maxX, y: bottom, style: axisStyle)
        let title = " \(caption) "
        if plot.width > title.count + 19 {
            grid.write(
                title, x: plot.x + (plot.width - title.count) / 2, y: bottom, style: axisStyle)
        }
    }

    /// A dotted row per reference in range; returns each row's labels, drawn last on top.
    private func drawReferences(_ references: [Reference], into grid: inout CellGrid, plot: Rect)
        -> [(row: Int, labels: [String])]
    {
        var labelsByRow: [(row: Int, labels: [String])] = []
        for reference in references where reference.value >= low && reference.value <= high {
            let row =
                plot.y
                + Int(((high - reference.value) / (high - low) * Double(plot.height - 1)).rounded())
            for x in stride(from: plot.x, to: plot.maxX, by: 2) {
                grid[x, row] = Cell("·", style: CellStyle(.reference))
            }
            if let index = labelsByRow.firstIndex(where: { $0.row == row }) {
                labelsByRow[index].labels.append(reference.label)
            } else {
                labelsByRow.append((row, [reference.label]))
            }
        }
        return labelsByRow
    }

    /// One series on the canvas: binned to its dot columns, as a line, steps or separate dots.
    private func draw(_ line: Series, on canvas: inout BrailleCanvas) {
        let dotHeight = canvas.dotHeight
        func dotY(_ value: Double) -> Int {
            let fraction = (high - value) / (high - low)
            return min(max(Int((fraction * Double(dotHeight - 1)).rounded()), 0), dotHeight - 1)
        }
        let points = Self.binned(
            line.values, into: canvas.dotWidth, combine: line.combine, steps: line.steps,
            joined: line.joined)
        let stepRoles = line.stepRoles.map { Self.binnedRoles($0, into: canvas.dotWidth) } ?? []
        var colouredSteps: [(x: Int, from: Int, to: Int, role: Role)] = []
        var previous: (Int, Int)?
        for (x, value) in points.enumerated() {
            guard let value, value.isFinite else {
                previous = nil
                continue
            }
            let y = dotY(value)
            if line.dotted {
                // Every other column of a joined line; every value of one that is not, which
                // has a value only where something happened.
                if x % 2 == 0 || !line.joined { canvas.set(x: x, y: y, role: line.role) }
                continue
            }
            if let (px, py) = previous {
                if line.steps {
                    canvas.line(x0: px, y0: py, x1: x, y1: py, role: line.role)
                    canvas.line(x0: x, y0: py, x1: x, y1: y, role: line.role)
                    if stepRoles.indices.contains(x), let role = stepRoles[x] {
                        colouredSteps.append((x, py, y, role))
                    }
                } else {
                    canvas.line(x0: px, y0: py, x1: x, y1: y, role: line.role)
                }
            } else {
                canvas.set(x: x, y: y, role: line.role)
            }
            previous = (x, y)
        }
        // After the line, so that the cells a step shares with it take the step's role.
        for step in colouredSteps {
            canvas.line(x0: step.x, y0: step.from, x1: step.x, y1: step.to, role: step.role)
        }
    }

    /// The dot column iteration `index` of `count` is drawn at, as `binned` places it.
    static func dotColumn(of index: Int, count: Int, dotWidth: Int) -> Int {
        guard count > 1, dotWidth > 1 else { return 0 }
        if count <= dotWidth { return index * (dotWidth - 1) / (count - 1) }
        return min(index * dotWidth / count, dotWidth - 1)
    }

    /// One value per dot column: iterations spread over the width when fewer than it (the
    /// columns between them filled unless not `joined`), else combined per bin of consecutive
    /// iterations.
    static func binned(
        _ values: [Double?], into width: Int, combine: ([Double]) -> Double, steps: Bool = false,
        joined: Bool = true
    ) -> [Double?] {
        let points = columns(of: values, width: width, combine: combine)
        // Columns between spread-out iterations stay empty; a line between their points fills
        // them.
        guard joined, values.count <= width else { return points }
        return Self.compacted(points, steps: steps)
    }

    /// `roles` on the dot columns `binned` puts their values in: spread out when fewer than
    /// `width` (none between), else the last role of each bin of consecutive values.
    static func binnedRoles(_ roles: [Role?], into width: Int) -> [Role?] {
        columns(of: roles, width: width) { $0.last }
    }

    /// `values` spread over `width` columns when at most as many, else each bin of
    /// consecutive values combined from those present. O(width + values).
    private static func columns<Value>(
        of values: [Value?], width: Int, combine: ([Value]) -> Value?
    ) -> [Value?] {
        guard width > 0, !values.isEmpty else { return [] }
        if values.count <= width {
            var points = [Value?](repeating: nil, count: width)
            let span = max(values.count - 1, 1)
            for (index, value) in values.enumerated() {
                points[values.count == 1 ? 0 : index * (width - 1) / span] = value
            }
            return points
        }
        return (0..<width).map { bin in
            let start = bin * values.count / width
            let end = max((bin + 1) * values.count / width, start + 1)
            let present = values[start..<end].compactMap { $0 }
            return present.isEmpty ? nil : combine(present)
        }
    }

    /// Drops the empty columns between spread-out points so that consecutive points are joined:
    /// the x positions are kept by returning nil only for columns before the first point. With
    /// `steps`, a gap holds the value before it instead of a slope.
    private static func compacted(_ points: [Double?], steps: Bool) -> [Double?] {
        var result = points
        var last: Double?
        var lastIndex = -1
        for index in points.indices {
            guard let value = points[index] else { continue }
            if let last, lastIndex >= 0, index - lastIndex > 1 {
                for fill in (lastIndex + 1)..<index {
                    let t = Double(fill - lastIndex) / Double(index - lastIndex)
                    result[fill] = steps ? last : last + (value - last) * t
                }
            }
            last = value
            lastIndex = index
        }
        return result
    }

    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
    static func maximum(_ values: [Double]) -> Double { values.max() ?? 0 }

    /// The `fraction` quantile of `values` (nearest rank).
    static func quantile(_ values: [Double], _ fraction: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[
            min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count - 1)).rounded())))]
    }
}
