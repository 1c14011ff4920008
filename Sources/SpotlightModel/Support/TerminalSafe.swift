/// Text from files (op, device and graph names) made safe to print: every control character
/// (C0, DEL, C1) written as a visible escape such as `\u{1B}`, so that a name cannot retitle,
/// clear or break the lines of the terminal it is printed on. O(length).
public enum TerminalSafe {
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result.append(
                    contentsOf: ("\\u{" + String(repeating: "0", count: max(0, 2 - hex.count)) + hex
                        + "}").unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// `text` with its middle elided past `limit` characters (`abc … (1,234 more) … xyz`), so
    /// that a huge name from a file cannot flood the terminal. O(length).
    public static func shortened(_ text: String, limit: Int = 300) -> String {
        guard text.count > limit else { return text }
        let head = limit * 2 / 3
        let tail = limit / 4
        let elided = text.count - head - tail
        return "\(text.prefix(head)) … (\(Units.grouped(elided)) more) … \(text.suffix(tail))"
    }

    /// C0 controls (including newline and tab), DEL, and C1 controls.
    @inline(__always)
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
