import Foundation

/// Human-readable quantities for tables.
enum Units {
    static func scaled(_ value: Double, units: [String], base: Double) -> String {
        var scaled = value
        var index = 0
        while abs(scaled) >= base && index < units.count - 1 {
            scaled /= base
            index += 1
        }
        let text = index == 0 ? String(Int(scaled.rounded())) : String(format1(scaled))
        return text + " " + units[index]
    }

    static func bytes(_ value: Double) -> String { scaled(value, units: ["B", "kB", "MB", "GB", "TB"], base: 1000) }
    static func flops(_ value: Double) -> String { scaled(value, units: ["FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP"], base: 1000) }

    /// A duration given in microseconds, in the unit that reads best.
    static func microseconds(_ value: Double) -> String {
        if value >= 1e6 { return format2(value / 1e6) + " s" }
        if value >= 1e3 { return format2(value / 1e3) + " ms" }
        return format2(value) + " us"
    }

    /// Four significant decimals for small statistics such as KL divergences.
    static func format4(_ value: Double) -> String {
        value == 0 ? "0" : String(format: "%.4g", value)
    }

    static func percent(_ fraction: Double) -> String { String(Int((fraction * 100).rounded())) + "%" }

    static func format2(_ value: Double) -> String {
        let hundredths = (value * 100).rounded()
        let whole = Int(hundredths / 100)
        let fraction = abs(Int(hundredths) % 100)
        return "\(whole)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    static func format1(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let whole = Int(tenths / 10)
        let fraction = abs(Int(tenths) % 10)
        return "\(whole).\(fraction)"
    }
}
