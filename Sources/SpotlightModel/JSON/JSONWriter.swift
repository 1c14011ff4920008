/// Writes `JSONValue`s as text: pretty-printed with two-space indents, keys in the order given,
/// and numbers in their shortest exact form (integers without a fraction), so that the same
/// document always gives the same bytes.
public enum JSONWriter {
    /// The document as text. Arrays whose elements are all scalars stay on one line, as do objects
    /// nested deeper than `inlineDepth`, which keeps per-op lines of a graph file compact.
    public static func string(_ value: JSONValue, inlineDepth: Int = 2) -> String {
        var output = ""
        write(value, into: &output, indent: 0, inlineDepth: inlineDepth)
        output.append("\n")
        return output
    }

    /// The document on one line.
    public static func compactString(_ value: JSONValue) -> String {
        var output = ""
        write(value, into: &output, indent: 0, inlineDepth: 0)
        return output
    }

    /// A number as JSON text.
    public static func format(_ number: Double) -> String {
        guard number.isFinite else { return "null" }
        if number == number.rounded(), abs(number) < 1e15 {
            return String(Int64(number))
        }
        var text = "\(number)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    private static func write(
        _ value: JSONValue, into output: inout String, indent: Int, inlineDepth: Int
    ) {
        switch value {
        case .null: output.append("null")
        case .bool(let flag): output.append(flag ? "true" : "false")
        case .number(let number): output.append(format(number))
        case .string(let text): writeString(text, into: &output)
        case .array(let elements):
            if elements.isEmpty {
                output.append("[]")
                return
            }
            let inline = indent >= inlineDepth || elements.allSatisfy(\.isScalar)
            output.append("[")
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(inline ? ", " : ",") }
                if !inline { newline(into: &output, indent: indent + 1) }
                write(element, into: &output, indent: indent + 1, inlineDepth: inlineDepth)
            }
            if !inline { newline(into: &output, indent: indent) }
            output.append("]")
        case .object(let members):
            if members.isEmpty {
                output.append("{}")
                return
            }
            let inline = indent >= inlineDepth
            output.append("{")
            for (position, member) in members.enumerated() {
                if position > 0 { output.append(inline ? ", " : ",") }
                if !inline { newline(into: &output, indent: indent + 1) }
                writeString(member.key, into: &output)
                output.append(": ")
                write(member.value, into: &output, indent: indent + 1, inlineDepth: inlineDepth)
            }
            if !inline { newline(into: &output, indent: indent) }
            output.append("}")
        }
    }

    private static func newline(into output: inout String, indent: Int) {
        output.append("\n")
        output.append(String(repeating: "  ", count: indent))
    }

    private static func writeString(_ text: String, into output: inout String) {
        output.append("\"")
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output.append("\\\"")
            case "\\": output.append("\\\\")
            case "\n": output.append("\\n")
            case "\r": output.append("\\r")
            case "\t": output.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output.append("\"")
    }
}

extension JSONValue {
    var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }
}
