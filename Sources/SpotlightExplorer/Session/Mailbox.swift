import Foundation

/// A one-slot box between threads: `put` replaces what is there, `take` empties it. What the
/// explorer's loop uses to pick up the newest snapshot, or the newest failure reason, at its own
/// pace without waiting on the writer.
public final class Mailbox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?

    public init() {}

    public func put(_ value: Value) { lock.withLock { self.value = value } }

    /// What was put since the last call, if anything.
    public func take() -> Value? {
        lock.withLock {
            defer { value = nil }
            return value
        }
    }
}
