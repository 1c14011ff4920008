import Dispatch

/// Seconds on a clock that never jumps (unlike the wall clock), for timing iterations and frames.
public enum MonotonicClock {
    public static func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}
