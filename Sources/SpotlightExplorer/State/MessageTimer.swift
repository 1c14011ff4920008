/// How long the footer's message stays: `duration` seconds from when it was first drawn, not
/// from the key that asked for it, so that a message set at the end of a long action (a polish)
/// is seen for as long as any other.
public struct MessageTimer: Sendable {
    public var duration: Double
    private var shown: StatusMessage?
    private var since = 0.0

    public init(duration: Double = 8) { self.duration = duration }

    /// Called before each frame with the message about to be drawn: true when it has been up for
    /// its whole duration and should go. A message that differs from the last one starts its time.
    public mutating func hasExpired(_ message: StatusMessage?, at time: Double) -> Bool {
        guard message == shown else {
            shown = message
            since = time
            return false
        }
        return message != nil && time - since > duration
    }

    /// Starts the time again for a message repeated with the same text (a failure that recurs).
    public mutating func renew(at time: Double) { since = time }
}
