/// The keys behind the escape sequences terminals send, for those the terminal description does
/// not list (under tmux with TERM=xterm-256color, Home arrives as `ESC [ 1 ~`, which ncurses then
/// passes on as four characters, the `1` of which would pin a stage to device 1).
public enum EscapeSequence {
    /// Whether `scalar`, the `count`-th character after ESC (from 1), ends a sequence: the one
    /// after `O` (SS3), a CSI's final byte (0x40-0x7E) after `[`, or anything after another
    /// first character (Alt and a key).
    public static func ends(with scalar: Unicode.Scalar, count: Int, first: Unicode.Scalar?) -> Bool
    {
        if count == 1 { return scalar != "[" && scalar != "O" }
        if first == "O" { return true }
        return (0x40...0x7E).contains(scalar.value)
    }

    /// The key a complete sequence after ESC stands for, or nil to swallow it whole: an unknown
    /// sequence, or Alt with a key, must never act as the keys it is made of.
    public static func key(_ sequence: [Unicode.Scalar]) -> Key? {
        switch String(String.UnicodeScalarView(sequence)) {
        case "[A", "OA": .up
        case "[B", "OB": .down
        case "[C", "OC": .right
        case "[D", "OD": .left
        case "[H", "OH", "[1~", "[7~": .home
        case "[F", "OF", "[4~", "[8~": .end
        case "[5~": .pageUp
        case "[6~": .pageDown
        case "OM": .enter
        default: nil
        }
    }
}
