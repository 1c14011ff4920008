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

    static func format1(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let whole = Int(tenths / 10)
        let fraction = abs(Int(tenths) % 10)
        return "\(whole).\(fraction)"
    }
}
