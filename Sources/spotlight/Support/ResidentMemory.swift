import Foundation

/// The process's resident memory, for benchmarks.
enum ResidentMemory {
    /// Megabytes resident now, from `/proc/self/statm` (Linux); nil where it cannot be read.
    static func megabytes() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
            return nil
        }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return nil }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1e6
    }
}
