/// A key press or click, as the explorer's state sees it (the backend translates the terminal's).
public enum Key: Sendable, Equatable {
    case character(Character)
    case up, down, left, right, enter, escape, backspace, tab, home, end, pageUp, pageDown
    /// A left click at a screen cell.
    case click(x: Int, y: Int)
    /// The mouse wheel turned up or down, over screen cell (x, y).
    case wheel(up: Bool, x: Int, y: Int)
    /// Ctrl-C.
    case interrupt
}

/// What a key asks of the world outside the state: the session carries these out.
public enum ExplorerEffect: Sendable, Equatable {
    case pause, resume
    case pinStage(Int, device: Int?)
    case pinOp(Int, device: Int?)
    case savePlacement
    case saveTrace
    /// Save the pins in force (`PinsFile`).
    case savePins
    /// Polish the best placement by local search (`OptimizerActor.polishBest(budget:)`).
    case polish
    case quit
}

/// One line of the help overlay and, for the common ones, of the footer: the single list both
/// are drawn from.
public struct KeyBinding: Sendable, Equatable {
    public var keys: String
    public var action: String
    /// Shown in the footer too (the rest only in the help).
    public var inFooter: Bool
    /// The footer's shorter wording.
    public var shortAction: String

    public static let all: [KeyBinding] = [
        KeyBinding(
            keys: "space", action: "pause or resume the search", inFooter: true,
            shortAction: "pause"),
        KeyBinding(
            keys: "↑↓ / jk", action: "select a stage (in the op list, an op); PgUp PgDn; mouse",
            inFooter: true, shortAction: "move"),
        KeyBinding(
            keys: "←→ / hl", action: "previous or next stage; in the op list, back to stages",
            inFooter: false, shortAction: ""),
        KeyBinding(
            keys: "enter", action: "inspect: move into the selected stage's op list",
            inFooter: true, shortAction: "ops"),
        KeyBinding(
            keys: "esc", action: "back from the op list, a prompt or this help", inFooter: false,
            shortAction: ""),
        KeyBinding(
            keys: "1-9", action: "pin the selected stage (or op) to device N", inFooter: true,
            shortAction: "pin"),
        KeyBinding(
            keys: "u", action: "unpin the selected stage (or op)", inFooter: true,
            shortAction: "unpin"),
        KeyBinding(
            keys: "U z P L", action: "unpin all; undo a pin change; save the pins; list them",
            inFooter: false,
            shortAction: ""),
        KeyBinding(
            keys: "p", action: "polish the best placement by local search (simulator)",
            inFooter: true, shortAction: "polish"),
        KeyBinding(
            keys: "/", action: "find an op by name; n jumps to the next match", inFooter: true,
            shortAction: "find"),
        KeyBinding(
            keys: "s", action: "save the best placement (placement format)", inFooter: true,
            shortAction: "save"),
        KeyBinding(
            keys: "e", action: "save a Chrome trace of the best placement", inFooter: true,
            shortAction: "trace"),
        KeyBinding(
            keys: "c", action: "read the charts iteration by iteration (←→ move, esc back)",
            inFooter: false,
            shortAction: ""),
        KeyBinding(
            keys: "v o g b", action: "the policy, its order; a Gantt chart; compare a baseline",
            inFooter: false, shortAction: ""),
        KeyBinding(keys: "t", action: "next theme", inFooter: true, shortAction: "theme"),
        KeyBinding(keys: "?", action: "this help", inFooter: true, shortAction: "help"),
        KeyBinding(keys: "q", action: "quit (Ctrl-C too)", inFooter: true, shortAction: "quit"),
    ]
}

extension KeyBinding {
    /// The footer's hints for where the person is: `space resume` while paused, `esc stages`
    /// instead of `enter ops` in the op list, and no `p` when placements are measured on hardware
    /// (the polish runs on the simulator only) or under a budget (the climb is part of the run).
    public static func footer(for state: ExplorerState) -> [(keys: String, action: String)] {
        all.filter(\.inFooter).compactMap { binding in
            switch binding.keys {
            case "space":
                let paused = state.statusWord == "paused" || state.statusWord == "pausing"
                return (binding.keys, paused ? "resume" : "pause")
            case "enter":
                return state.focus == .ops ? ("esc", "stages") : (binding.keys, binding.shortAction)
            case "p":
                let polishes = state.model.lowerBound != nil && state.snapshot?.budget == nil
                return polishes ? (binding.keys, binding.shortAction) : nil
            case "1-9":
                return (binding.keys, state.focus == .ops ? "pin op" : "pin")
            default:
                return (binding.keys, binding.shortAction)
            }
        }
    }
}
