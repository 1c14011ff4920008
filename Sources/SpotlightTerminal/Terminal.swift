import CNcurses
import Foundation
import SpotlightExplorer
import SpotlightModel
import Synchronization

/// What the terminal reports between frames.
public enum TerminalEvent: Equatable {
    case key(Key)
    /// The window changed size; the new size is `Terminal.size`.
    case resize
}

/// The last SIGINT, SIGTERM or SIGHUP not yet taken by `Terminal.takeSignal()`: set by the signal
/// handler (a lock-free store), read by the UI loop.
private let pendingSignal = Atomic<Int32>(0)

/// The only code that calls ncurses: starts and restores the terminal, puts a cell grid on the
/// screen (only the rows that changed since the last frame), and reads keys and clicks. Use it
/// from one thread only.
public final class Terminal {
    private var started = false
    private var pairs: ColorPairs
    private var previous: CellGrid?
    private var previousTheme: Theme?
    private var rowBuffer: [wchar_t] = []

    public init() {
        pairs = ColorPairs(colors: 0, pairLimit: 0)
    }

    /// Throws, saying why, when $TERM is unset, unknown, or cannot move the cursor (TERM=dumb):
    /// the explorer would otherwise start on a blank screen or curses would exit the process.
    public static func checkUsable() throws(TerminalError) {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        switch spl_terminal_check() {
        case 0: return
        case 1: throw TerminalError(message: "TERM is not set, so the explorer cannot draw")
        case 2:
            throw TerminalError(
                message: "this terminal (TERM=\(TerminalSafe.escaped(term))) is unknown to terminfo"
            )
        default:
            throw TerminalError(
                message: "this terminal (TERM=\(TerminalSafe.escaped(term))) cannot move the cursor"
            )
        }
    }

    /// Takes over the terminal. `color: false` keeps to attributes (for `NO_COLOR`). Also installs
    /// the handlers that restore the terminal on SIGINT, SIGTERM, SIGHUP and fatal signals.
    public func start(color: Bool) throws(TerminalError) {
        guard !started else { return }
        // Touch the flag first: a global's first use runs its initialiser, which a signal handler
        // must not.
        pendingSignal.store(0, ordering: .relaxed)
        spl_install_signal_handlers { number in pendingSignal.store(number, ordering: .relaxed) }
        guard spl_start(color ? 1 : 0) == 0 else {
            throw TerminalError(message: "cannot start the terminal (is TERM set?)")
        }
        started = true
        pairs = ColorPairs(
            colors: color ? Int(spl_colors()) : 0, pairLimit: color ? Int(spl_color_pairs()) : 0)
    }

    /// Starts curses writing to /dev/null as a 256-colour terminal of the given size: the whole
    /// drawing path without a screen, for `spotlight bench explore`.
    public func startOffscreen(width: Int, height: Int) throws(TerminalError) {
        guard !started else { return }
        guard spl_start_offscreen(Int32(width), Int32(height)) == 0 else {
            throw TerminalError(
                message:
                    "cannot start curses on /dev/null (is the xterm-256color terminfo entry installed?)"
            )
        }
        started = true
        pairs = ColorPairs(colors: Int(spl_colors()), pairLimit: Int(spl_color_pairs()))
    }

    /// Gives the terminal back as it was. Safe to call more than once.
    public func stop() {
        guard started else { return }
        spl_stop()
        started = false
    }

    deinit { stop() }

    /// Columns and rows.
    public var size: (width: Int, height: Int) { (Int(spl_columns()), Int(spl_lines())) }

    /// The signal (SIGINT, SIGTERM, SIGHUP) received since the last call, or nil.
    public func takeSignal() -> Int32? {
        let number = pendingSignal.exchange(0, ordering: .relaxed)
        return number == 0 ? nil : number
    }

    /// Waits up to `milliseconds` (0: not at all) for a key, click or resize.
    public func read(timeout milliseconds: Int) -> TerminalEvent? {
        var character: UInt32 = 0
        var row: Int32 = 0
        var column: Int32 = 0
        let kind = Int(spl_read_key(Int32(milliseconds), &character, &row, &column))
        switch kind {
        case Int(SPL_CHARACTER):
            switch character {
            case 3: return .key(.interrupt)
            case 9: return .key(.tab)
            case 27: return escapeSequence()
            default:
                guard let scalar = Unicode.Scalar(character) else { return nil }
                return .key(.character(Character(scalar)))
            }
        case Int(SPL_UP): return .key(.up)
        case Int(SPL_DOWN): return .key(.down)
        case Int(SPL_LEFT): return .key(.left)
        case Int(SPL_RIGHT): return .key(.right)
        case Int(SPL_ENTER): return .key(.enter)
        case Int(SPL_BACKSPACE): return .key(.backspace)
        case Int(SPL_HOME): return .key(.home)
        case Int(SPL_END): return .key(.end)
        case Int(SPL_PAGE_UP): return .key(.pageUp)
        case Int(SPL_PAGE_DOWN): return .key(.pageDown)
        case Int(SPL_MOUSE): return .key(.click(x: Int(column), y: Int(row)))
        case Int(SPL_WHEEL_UP): return .key(.wheel(up: true, x: Int(column), y: Int(row)))
        case Int(SPL_WHEEL_DOWN): return .key(.wheel(up: false, x: Int(column), y: Int(row)))
        case Int(SPL_RESIZE): return .resize
        default: return nil
        }
    }

    /// After an ESC: the rest of a sequence ncurses did not recognise, already waiting, read
    /// whole and decoded (`EscapeSequence`), or swallowed when unknown; ESC alone is Escape.
    private func escapeSequence() -> TerminalEvent? {
        var sequence: [Unicode.Scalar] = []
        var character: UInt32 = 0
        var row: Int32 = 0
        var column: Int32 = 0
        while sequence.count < 32 {
            guard Int(spl_read_key(0, &character, &row, &column)) == Int(SPL_CHARACTER),
                let scalar = Unicode.Scalar(character)
            else { break }
            sequence.append(scalar)
            if EscapeSequence.ends(with: scalar, count: sequence.count, first: sequence.first) {
                break
            }
        }
        if sequence.isEmpty { return .key(.escape) }
        return EscapeSequence.key(sequence).map { .key($0) }
    }

    /// Puts `grid` on the screen in `theme`'s colours. Rows equal to the last frame's are skipped
    /// (ncurses then sends only the cells that changed within the others).
    public func draw(_ grid: CellGrid, theme: Theme) {
        let full =
            previous == nil || previous!.width != grid.width || previous!.height != grid.height
            || previousTheme != theme
        if full {
            if previousTheme != theme { pairs.reset(theme: theme) }
            spl_clear()
        }
        for y in 0..<grid.height {
            if !full, let previous, rowsEqual(previous, grid, y) { continue }
            drawRow(grid, y)
        }
        spl_present()
        previous = grid
        previousTheme = theme
    }

    /// Forgets the last frame, so that the next draw repaints everything (after a resize).
    public func invalidate() { previous = nil }

    private func rowsEqual(_ a: CellGrid, _ b: CellGrid, _ y: Int) -> Bool {
        let start = y * a.width
        for index in start..<start + a.width where a.cells[index] != b.cells[index] { return false }
        return true
    }

    /// Writes row `y` as runs of cells with one style each.
    private func drawRow(_ grid: CellGrid, _ y: Int) {
        let width = grid.width
        // The last cell of the last row is written too; ncurses handles the scroll-free corner.
        var x = 0
        while x < width {
            let style = grid.cells[y * width + x].style
            rowBuffer.removeAll(keepingCapacity: true)
            var end = x
            while end < width, grid.cells[y * width + end].style == style {
                rowBuffer.append(wchar_t(bitPattern: grid.cells[y * width + end].character.value))
                end += 1
            }
            let (pair, attributes) = pairs.resolve(style)
            rowBuffer.withUnsafeBufferPointer { buffer in
                spl_put(
                    Int32(y), Int32(x), buffer.baseAddress, Int32(buffer.count), Int32(pair),
                    UInt32(attributes))
            }
            x = end
        }
    }
}

public struct TerminalError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
