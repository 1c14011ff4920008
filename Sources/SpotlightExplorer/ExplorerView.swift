/// Draws the whole screen for a state into a cell grid: the only entry point the backend and the
/// snapshot tests use.
public enum ExplorerView {
    public static func render(_ state: ExplorerState) -> CellGrid {
        var grid = CellGrid(width: state.width, height: state.height)
        render(state, into: &grid)
        return grid
    }

    /// Draws into an existing grid of the state's size (reused between frames by the backend).
    public static func render(_ state: ExplorerState, into grid: inout CellGrid) {
        if grid.width != state.width || grid.height != state.height {
            grid = CellGrid(width: state.width, height: state.height)
        }
        grid.fill(grid.bounds)
        let layout = state.layout
        guard layout.fits else {
            tooSmall(into: &grid, state: state)
            return
        }
        StatusLine.draw(into: &grid, rect: layout.status, state: state)
        if state.showsGantt {
            GanttPanel.draw(into: &grid, rect: layout.graph, state: state)
        } else if state.showsPolicy {
            PolicyPanel.draw(into: &grid, rect: layout.graph, state: state)
        } else {
            GraphPanel.draw(into: &grid, rect: layout.graph, state: state)
        }
        CurvesPanel.drawReward(into: &grid, rect: layout.reward, state: state)
        CurvesPanel.drawKL(into: &grid, rect: layout.kl, state: state)
        DevicesPanel.draw(
            into: &grid, rect: layout.devices, state: state, detailed: layout.detailedDevices)
        InspectorPanel.draw(into: &grid, rect: layout.inspector, state: state)
        Footer.draw(into: &grid, rect: layout.footer, state: state)
        if state.overlay == .help { HelpOverlay.draw(into: &grid, state: state) }
        if state.overlay == .pins { PinsOverlay.draw(into: &grid, state: state) }
    }

    private static func tooSmall(into grid: inout CellGrid, state: ExplorerState) {
        let lines = [
            "The terminal is \(state.width)×\(state.height);",
            "Spotlight needs at least \(ExplorerLayout.minimumWidth)×\(ExplorerLayout.minimumHeight).",
            "Enlarge the window, or press q to quit.",
        ]
        let top = max(0, (state.height - lines.count) / 2)
        for (index, line) in lines.enumerated() where top + index < state.height {
            let x = max(0, (state.width - line.count) / 2)
            grid.write(
                line, x: x, y: top + index,
                style: index == 1 ? CellStyle(.warning, attributes: .bold) : .text)
        }
    }
}
