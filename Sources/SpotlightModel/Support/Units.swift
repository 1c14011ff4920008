/// Human-readable quantities for tables and the explorer, with no locale and no Foundation
/// formatting, so that output is the same on every machine.
public enum Units {
    /// `value` divided by `base` until it is below it, with the matching unit: "12.3 MB".
    public static func scaled(_ value: Double, units: [String], base: Double) -> String {
        var scaled = value
        var index = 0
        while abs(scaled) >= base && index < units.count - 1 {
            scaled /= base
            index += 1
        }
        let text = index == 0 ? whole(scaled) : String(format1(scaled))
        return text + " " + units[index]
    }

    public static func bytes(_ value: Double) -> String {
        scaled(value, units: ["B", "kB", "MB", "GB", "TB"], base: 1000)
    }
    public static func flops(_ value: Double) -> String {
        scaled(value, units: ["FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP"], base: 1000)
    }

    /// A duration given in microseconds, in the unit that reads best.
    public static func microseconds(_ value: Double) -> String {
        if abs(value) >= 1e6 { return format2(value / 1e6) + " s" }
        if abs(value) >= 1e3 { return format2(value / 1e3) + " ms" }
        return format2(value) + " us"
    }

    /// Four significant digits for small statistics such as KL divergences.
    public static func format4(_ value: Double) -> String {
        guard value != 0, value.isFinite else { return value == 0 ? "0" : String(value) }
        let (scaled, exponent) = scientific(abs(value))
        let decimals = max(0, 3 - exponent)
        if decimals > 8 {
            return (value < 0 ? "-" : "") + fixed(scaled, decimals: 3) + "e" + String(exponent)
        }
        return fixed(value, decimals: decimals)
    }

    /// Up to three significant digits with trailing zeros dropped, and a power of ten below 0.001
    /// or from 100,000: a weight that halves and doubles over many decades, such as Spotlight's
    /// beta ("1.5", "0.0625", "1.22e-4", "10000").
    public static func short(_ value: Double) -> String {
        guard value != 0, value.isFinite else { return value == 0 ? "0" : String(value) }
        var (scaled, exponent) = scientific(abs(value))
        if (scaled * 100).rounded() >= 1000 {
            scaled /= 10
            exponent += 1
        }
        func trimmed(_ text: String) -> String {
            guard text.contains(".") else { return text }
            var text = Substring(text)
            while text.hasSuffix("0") { text = text.dropLast() }
            if text.hasSuffix(".") { text = text.dropLast() }
            return String(text)
        }
        let sign = value < 0 ? "-" : ""
        if exponent < -3 || exponent >= 5 {
            return sign + trimmed(fixed(scaled, decimals: 2)) + "e" + String(exponent)
        }
        return sign + trimmed(fixed(abs(value), decimals: max(0, 2 - exponent)))
    }

    /// A positive finite `value` as `mantissa * 10^exponent` with the mantissa in [1, 10).
    static func scientific(_ value: Double) -> (mantissa: Double, exponent: Int) {
        var exponent = 0
        var mantissa = value
        while mantissa >= 10 {
            mantissa /= 10
            exponent += 1
        }
        while mantissa < 1 {
            mantissa *= 10
            exponent -= 1
        }
        return (mantissa, exponent)
    }

    /// A rate such as samples per second: whole numbers from 10 up, written by `wholeNumber` (a
    /// caller may group the digits), two significant digits below (a search measuring on hardware
    /// may do 0.24 samples per second).
    public static func rate(_ value: Double, wholeNumber: (Int) -> String = { String($0) })
        -> String
    {
        guard value.isFinite, value < 9.95 else {
            return value.isFinite && value < 9e18 ? wholeNumber(Int(value.rounded())) : whole(value)
        }
        if value >= 0.995 { return fixed(value, decimals: 1) }
        return fixed(value, decimals: value >= 0.0995 ? 2 : 3)
    }

    public static func percent(_ fraction: Double) -> String { whole(fraction * 100) + "%" }

    /// `fraction` as a percentage with `decimals` places and its sign: "+" for a rise, `minus`
    /// for a fall ("-" in plain output, "−" on screen), none where it rounds to zero. Never
    /// traps: a non-finite percentage is written as `String` writes it, then "%".
    public static func signedPercent(_ fraction: Double, decimals: Int, minus: String = "-")
        -> String
    {
        let percent = fraction * 100
        let magnitude = fixed(abs(percent), decimals: decimals)
        guard percent.isFinite, magnitude.contains(where: { ("1"..."9").contains($0) }) else {
            return (percent.isFinite ? magnitude : String(percent)) + "%"
        }
        return (percent < 0 ? minus : "+") + magnitude + "%"
    }

    /// `value` rounded to a whole number; never traps: "inf", "nan" and magnitudes past an `Int`
    /// are written as `String(value)` does.
    public static func whole(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 9e18 else { return String(value) }
        return String(Int(value.rounded()))
    }

    public static func format2(_ value: Double) -> String { fixed(value, decimals: 2) }

    /// 12345 as "12,345".
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (value < 0 ? "-" : "") + result
    }

    public static func format1(_ value: Double) -> String { fixed(value, decimals: 1) }

    /// `value` rounded to `decimals` places, trailing zeros kept: fixed(-0.05, 1) is "-0.1".
    public static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return String(value) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaledValue = (abs(value) * scale).rounded()
        guard scaledValue < 9e18 else { return String(value) }
        let units = UInt64(scaledValue)
        let divisor = UInt64(scale)
        let sign = value < 0 && units != 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(units) }
        var fraction = String(units % divisor)
        fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
        return sign + String(units / divisor) + "." + fraction
    }
}
