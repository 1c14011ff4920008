import Synchronization

/// A one-slot box between threads: `put` replaces what is there, `take` empties it. What the
/// explorer's loop uses to pick up the newest snapshot, or the newest failure reason, at its own
/// pace without waiting on the writer.
public final class Mailbox<Value: Sendable>: Sendable {
    private let slot = Mutex<Value?>(nil)

    public init() {}

    public func put(_ value: Value) { slot.withLock { $0 = value } }

    /// What was put since the last call, if anything.
    public func take() -> Value? {
        slot.withLock { slot in
            defer { slot = nil }
            return slot
        }
    }
}
