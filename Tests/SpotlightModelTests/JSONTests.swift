import Testing

@testable import SpotlightModel

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(
            #"{"a": [1, -2.5e3, true, false, null], "b": {"c": "d\"\\\/\n\u00e9\ud83d\ude00"}}"#)
        #expect(
            value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d\"\\/\né😀"))
    }

    @Test func keepsKeyOrder() throws {
        guard case .object(let members) = try JSONParser.parse(#"{"z": 1, "a": 2, "m": 3}"#) else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["z", "a", "m"])
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9, "expected a string key"),
        ("{\"a\" 1}", 1, 6, "expected ':'"),
        ("[1, 2", 1, 6, "expected ',' or ']'"),
        ("{\n  \"a\": tru\n}", 2, 8, "invalid literal"),
        ("\"abc", 1, 1, "unterminated string"),
        ("01", 1, 2, "leading zero"),
        ("1 2", 1, 3, "unexpected text after"),
        ("", 1, 1, "unexpected end of input"),
        ("\"\\q\"", 1, 3, "invalid escape"),
        ("1e999", 1, 1, "out of range"),
    ])
    func reportsSyntaxErrorsWithPosition(text: String, line: Int, column: Int, reason: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    @Test func rejectsDeepNestingWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try JSONParser.parse(fine) }
    }

    @Test func writerRoundTrips() throws {
        let value = JSONValue.object([
            ("name", .string("tab\there \"quoted\" \u{01}")),
            (
                "numbers",
                .array([.number(0), .number(1e20), .number(0.1), .number(-3), .number(1_234_567)])
            ),
            ("nested", .object([("x", .array([.object([("y", .null)])]))])),
        ])
        for text in [
            JSONWriter.string(value), JSONWriter.compactString(value),
            JSONWriter.string(value, inlineDepth: 0),
        ] {
            #expect(try JSONParser.parse(text) == value)
        }
        #expect(JSONWriter.format(1_234_567) == "1234567")
        #expect(JSONWriter.format(0.5) == "0.5")
    }
}
