/// A binary min-heap of (time, key) pairs in two flat arrays, ordered by time and then key.
///
/// The simulator's event queue and per-device ready queues; written out rather than generic so
/// that the hot loop has no protocol dispatch and no per-entry allocation.
struct TimedQueue: Sendable {
    private(set) var times: [Double] = []
    private(set) var keys: [Int] = []

    var isEmpty: Bool { times.isEmpty }
    var count: Int { times.count }
    var minimumTime: Double { times[0] }

    mutating func removeAll() {
        times.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func less(_ timeA: Double, _ keyA: Int, _ timeB: Double, _ keyB: Int) -> Bool {
        timeA < timeB || (timeA == timeB && keyA < keyB)
    }

    mutating func push(time: Double, key: Int) {
        times.append(time)
        keys.append(key)
        var child = times.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            guard less(time, key, times[parent], keys[parent]) else { break }
            times[child] = times[parent]
            keys[child] = keys[parent]
            child = parent
        }
        times[child] = time
        keys[child] = key
    }

    /// Removes and returns the smallest entry. The queue must not be empty.
    mutating func pop() -> (time: Double, key: Int) {
        let top = (times[0], keys[0])
        let lastTime = times.removeLast()
        let lastKey = keys.removeLast()
        let count = times.count
        guard count > 0 else { return top }
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count, less(times[child + 1], keys[child + 1], times[child], keys[child]) { child += 1 }
            guard less(times[child], keys[child], lastTime, lastKey) else { break }
            times[parent] = times[child]
            keys[parent] = keys[child]
            parent = child
        }
        times[parent] = lastTime
        keys[parent] = lastKey
        return top
    }
}
