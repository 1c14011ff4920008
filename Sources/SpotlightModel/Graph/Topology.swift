import HeapModule

/// Topological order, depths and cycle detection over a graph's input lists.
struct Topology {
    /// Ops in dependency order (Kahn's algorithm; among ready ops the lowest id goes first).
    /// Holds fewer than `count` ops when the graph has a cycle.
    var order: [Int] = []
    var depth: [Int]
    /// One cycle, as op ids in edge order, if the graph has any.
    var cycle: [Int]?

    init(count: Int, inputStart: [Int], inputOp: [Int]) {
        var pending = [Int](repeating: 0, count: count)
        var consumerStart = [Int](repeating: 0, count: count + 1)
        for op in 0..<count {
            pending[op] = inputStart[op + 1] - inputStart[op]
        }
        for producer in inputOp { consumerStart[producer + 1] += 1 }
        for op in 0..<count { consumerStart[op + 1] += consumerStart[op] }
        var fill = consumerStart
        var consumers = [Int](repeating: 0, count: inputOp.count)
        for consumer in 0..<count {
            for edge in inputStart[consumer]..<inputStart[consumer + 1] {
                consumers[fill[inputOp[edge]]] = consumer
                fill[inputOp[edge]] += 1
            }
        }

        depth = [Int](repeating: 0, count: count)
        order.reserveCapacity(count)
        var ready = Heap<Int>((0..<count).filter { pending[$0] == 0 })
        while let op = ready.popMin() {
            order.append(op)
            for index in consumerStart[op]..<consumerStart[op + 1] {
                let consumer = consumers[index]
                depth[consumer] = max(depth[consumer], depth[op] + 1)
                pending[consumer] -= 1
                if pending[consumer] == 0 { ready.insert(consumer) }
            }
        }
        if order.count < count {
            cycle = Self.findCycle(pending: pending, inputStart: inputStart, inputOp: inputOp)
        }
    }

    /// Every op left with unfinished inputs has a producer that is also left, so walking back
    /// through such producers must revisit an op; the ops between the two visits form a cycle.
    private static func findCycle(pending: [Int], inputStart: [Int], inputOp: [Int]) -> [Int] {
        guard var current = pending.firstIndex(where: { $0 > 0 }) else { return [] }
        var visitedAt = [Int: Int]()
        var walk: [Int] = []
        while visitedAt[current] == nil {
            visitedAt[current] = walk.count
            walk.append(current)
            let producers = inputOp[inputStart[current]..<inputStart[current + 1]]
            guard let next = producers.first(where: { pending[$0] > 0 }) else { return walk }
            current = next
        }
        // `walk` follows edges backwards; reverse the loop so it reads producer -> consumer.
        return Array(walk[visitedAt[current]!...].reversed())
    }
}
