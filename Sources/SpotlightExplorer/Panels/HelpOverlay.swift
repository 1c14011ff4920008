/// `?`: every key, and what the graph's symbols mean, in a box over the middle of the screen.
enum HelpOverlay {
    static func draw(into grid: inout CellGrid, state: ExplorerState) {
        let keyWidth = KeyBinding.all.map(\.keys.count).max()! + 2
        let legend = [
            "\(Glyph.oneOp) \(Glyph.severalOps)  one or several ops of a stage at that depth, coloured by device",
            "\(Glyph.critical)    an op on the best placement's critical path",
            "\(Glyph.stagePinned)    a pinned stage; the inspector says to which device",
            state.snapshot?.budget == nil
                ? "The reward axis is labelled in step time (reward = −√step time);"
                : "Reward (−√step time, labelled in step time) along placements measured;",
            state.model.lowerBound == nil
                ? "dotted lines are the baselines, as measured before the search."
                : "dotted lines are the baselines and the lower bound.",
        ]
        let width = min(
            grid.width - 4,
            max(
                KeyBinding.all.map { $0.action.count }.max()! + keyWidth, legend.map(\.count).max()!
            ) + 6)
        // At the smallest size the box may cover the status line and the footer to fit whole.
        let height = min(grid.height, KeyBinding.all.count + legend.count + 3)
        let rect = Rect(
            x: (grid.width - width) / 2, y: (grid.height - height) / 2, width: width, height: height
        )
        grid.fill(rect)
        let inner = grid.box(rect, title: "keys · any key closes", style: CellStyle(.accent))
        var y = inner.y
        for binding in KeyBinding.all where y < inner.maxY {
            grid.write(
                binding.keys, x: inner.x + 2, y: y, style: CellStyle(.key, attributes: .bold))
            grid.write(
                binding.action, x: inner.x + 2 + keyWidth, y: y, style: .text,
                limit: inner.width - keyWidth - 3)
            y += 1
        }
        // A blank line before the legend when there is room for it and the whole legend.
        if inner.height > KeyBinding.all.count + legend.count { y += 1 }
        for line in legend where y < inner.maxY {
            grid.write(line, x: inner.x + 2, y: y, style: .dim, limit: inner.width - 3)
            y += 1
        }
    }
}
