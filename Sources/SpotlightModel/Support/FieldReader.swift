/// Typed reads of an object's members that record a diagnostic (with the JSON path) for every
/// missing or mistyped value instead of failing at the first one.
public struct FieldReader {
    public let members: [(key: String, value: JSONValue)]
    public let path: String

    /// Reads `value` as an object, or records that it is not one.
    public init?(_ value: JSONValue, path: String, log: inout DiagnosticLog) {
        guard case .object(let members) = value else {
            log.add(path, "expected an object, found \(value.kindDescription)")
            return nil
        }
        self.members = members
        self.path = path
    }

    public subscript(key: String) -> JSONValue? {
        members.first(where: { $0.key == key })?.value
    }

    public func memberPath(_ key: String) -> String { JSONPath.member(path, key) }

    public func has(_ key: String) -> Bool {
        if let value = self[key], value != .null { return true }
        return false
    }

    public func string(_ key: String, required: Bool, log: inout DiagnosticLog) -> String? {
        guard let value = self[key], value != .null else {
            if required { log.add(memberPath(key), "missing required key \"\(key)\"") }
            return nil
        }
        guard case .string(let text) = value else {
            log.add(memberPath(key), "expected a string, found \(value.kindDescription)")
            return nil
        }
        return text
    }

    /// A number in `0...maximum` (sizes, times). Every number a file gives has a physical
    /// ceiling (`NumberRange`), so that no sum, product or quotient the simulator forms from
    /// them can reach infinity or NaN.
    public func nonNegativeNumber(
        _ key: String, required: Bool = false, maximum: Double, log: inout DiagnosticLog
    ) -> Double? {
        guard let value = self[key], value != .null else {
            if required { log.add(memberPath(key), "missing required key \"\(key)\"") }
            return nil
        }
        return Self.nonNegative(value, path: memberPath(key), maximum: maximum, log: &log)
    }

    /// A number in `minimum...maximum` with a positive `minimum` (capacities and rates that
    /// divide: a rate of 5e-324 would make every transfer take forever).
    public func positiveNumber(
        _ key: String, required: Bool = false, minimum: Double, maximum: Double,
        log: inout DiagnosticLog
    ) -> Double? {
        guard let number = nonNegativeNumber(key, required: required, maximum: maximum, log: &log)
        else { return nil }
        if number < minimum {
            log.add(
                memberPath(key),
                number == 0
                    ? "must be greater than zero"
                    : "must be at least \(JSONWriter.format(minimum)) (found \(JSONWriter.format(number)))"
            )
            return nil
        }
        return number
    }

    public static func nonNegative(
        _ value: JSONValue, path: String, maximum: Double, log: inout DiagnosticLog
    ) -> Double? {
        guard case .number(let number) = value else {
            log.add(path, "expected a number, found \(value.kindDescription)")
            return nil
        }
        if number < 0 {
            log.add(path, "must not be negative (found \(JSONWriter.format(number)))")
            return nil
        }
        if !(number <= maximum) {
            log.add(
                path,
                "must be at most \(JSONWriter.format(maximum)) (found \(JSONWriter.format(number)))"
            )
            return nil
        }
        return number
    }

    public func array(_ key: String, required: Bool, log: inout DiagnosticLog) -> [JSONValue]? {
        guard let value = self[key], value != .null else {
            if required { log.add(memberPath(key), "missing required key \"\(key)\"") }
            return nil
        }
        guard case .array(let elements) = value else {
            log.add(memberPath(key), "expected an array, found \(value.kindDescription)")
            return nil
        }
        return elements
    }

    public func stringArray(_ key: String, log: inout DiagnosticLog) -> [String]? {
        guard let elements = array(key, required: false, log: &log) else { return nil }
        var strings: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                log.add(
                    JSONPath.element(memberPath(key), index),
                    "expected a string, found \(element.kindDescription)")
                continue
            }
            strings.append(text)
        }
        return strings
    }

    /// Checks the `format` key against the expected identifier.
    public func checkFormat(_ expected: String, log: inout DiagnosticLog) -> Bool {
        guard let format = string("format", required: true, log: &log) else { return false }
        guard format == expected else {
            log.add(memberPath("format"), "expected \"\(expected)\", found \"\(format)\"")
            return false
        }
        return true
    }
}
