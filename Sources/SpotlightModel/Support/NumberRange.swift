/// The largest (and, for rates, smallest) value each number in the file formats may take: far
/// beyond any real model or machine, and small enough that the simulator's sums and quotients of
/// them stay finite (a step of a million ops of 1e18 flops on a device of 1e-6 GFLOP/s is about
/// 1e27 us, well inside a Double). FORMATS.md lists them.
public enum NumberRange {
    /// Bytes of a tensor, of memory accessed, or of persistent state: a petabyte.
    public static let bytes = 1e15
    /// Floating-point operations of one op.
    public static let flops = 1e18
    /// Microseconds of one op, launch or latency, or of a measured step: about eleven days.
    public static let microseconds = 1e12
    /// Device throughput in GFLOP/s.
    public static let gflops = 1e9
    /// Memory and link bandwidth in GB/s.
    public static let gbytesPerSecond = 1e6
    /// Device memory in GB.
    public static let memoryGBytes = 1e6
    /// The smallest throughput or bandwidth accepted, in GFLOP/s or GB/s.
    public static let smallestRate = 1e-6
}
