import SpotlightModel
import Testing

@testable import SpotlightSimulation

/// Invariants on random graphs and random valid placements.
@Suite struct SimulatorPropertyTests {
    static let cases: [(ops: Int, devices: Int, seed: UInt64)] = [
        (40, 2, 1), (200, 3, 2), (500, 4, 3), (1500, 8, 4), (3000, 5, 5),
    ]

    static func cluster(devices: Int) throws -> Cluster {
        try Cluster(
            name: "c",
            devices: [
                .init(
                    name: "cpu:0", kind: "cpu", gflops: 300, memoryGBytesPerSecond: 40,
                    memoryGBytes: 64)
            ]
                + (1..<devices).map {
                    .init(
                        name: "gpu:\($0 - 1)", kind: "gpu", gflops: 4000 + 500 * Double($0),
                        memoryGBytesPerSecond: 300, memoryGBytes: 12, launchMicroseconds: 5)
                },
            links: [], defaultLink: .init(gbytesPerSecond: 12, latencyMicroseconds: 10))
    }

    /// A random placement that respects `devices` and `colocate_with`.
    static func randomPlacement(_ constraints: PlacementConstraints, seed: UInt64) -> [Int] {
        var random = SplitMix64(seed: seed)
        var deviceOfRoot = [Int](repeating: -1, count: constraints.allowedDevices.count)
        return constraints.allowedDevices.indices.map { op in
            let root = constraints.colocationRoot[op]
            if deviceOfRoot[root] < 0 {
                let allowed = (0..<constraints.deviceCount).filter {
                    constraints.allows(op: root, device: $0)
                }
                deviceOfRoot[root] = allowed[random.nextInt(in: 0...(allowed.count - 1))]
            }
            return deviceOfRoot[root]
        }
    }

    @Test(arguments: cases)
    func stepTimeIsAtLeastTheLowerBound(ops: Int, devices: Int, seed: UInt64) throws {
        let graph = SyntheticGraph(opCount: ops, seed: seed).graph()
        let cluster = try Self.cluster(devices: devices)
        let constraints = try PlacementConstraints(graph: graph, cluster: cluster)
        var simulator = Simulator(graph: graph, cluster: cluster)
        let bound = LowerBound.compute(cost: simulator.cost, graph: graph, constraints: constraints)
        #expect(bound > 0)
        for trial in 0..<5 {
            let result = simulator.simulate(
                Self.randomPlacement(constraints, seed: seed &* 31 &+ UInt64(trial)))
            #expect(result.stepTime >= bound * (1 - 1e-12))
        }
    }

    @Test(arguments: cases)
    func sameInputSameOutput(ops: Int, devices: Int, seed: UInt64) throws {
        let graph = SyntheticGraph(opCount: ops, seed: seed).graph()
        let cluster = try Self.cluster(devices: devices)
        let assignment = Self.randomPlacement(
            try PlacementConstraints(graph: graph, cluster: cluster), seed: seed)
        var first = Simulator(graph: graph, cluster: cluster)
        var second = Simulator(graph: graph, cluster: cluster)
        let once = first.simulate(assignment, recordTimeline: true)
        // Reusing a simulator's scratch space after another placement changes nothing.
        _ = first.simulate(
            Self.randomPlacement(
                try PlacementConstraints(graph: graph, cluster: cluster), seed: seed + 99))
        #expect(first.simulate(assignment, recordTimeline: true) == once)
        #expect(second.simulate(assignment, recordTimeline: true) == once)
    }

    @Test(arguments: cases)
    func oneDeviceTakesTheSumOfOpTimes(ops: Int, devices: Int, seed: UInt64) throws {
        // With every op on one device nothing waits on a link and the device never idles while
        // work remains, so the step time is the sum of op times, whatever the branching.
        let specs = SyntheticGraph(opCount: ops, seed: seed).generate().map {
            spec -> OperationSpec in
            var spec = spec
            spec.deviceKinds = nil
            return spec
        }
        let graph = try OperationGraph(name: "g", ops: specs)
        let cluster = try Self.cluster(devices: devices)
        var simulator = Simulator(graph: graph, cluster: cluster)
        for device in [0, devices - 1] {
            let result = simulator.simulate([Int](repeating: device, count: graph.count))
            let total = (0..<graph.count).reduce(0.0) {
                $0 + simulator.cost.time(op: $1, device: device)
            }
            #expect(abs(result.stepTime - total) <= 1e-9 * total)
            #expect(result.transferCount == 0)
            #expect(result.devicePeakMemory[device] >= graph.totalPersistentBytes)
        }
    }

    @Test(arguments: cases)
    func timelineIsConsistent(ops: Int, devices: Int, seed: UInt64) throws {
        let graph = SyntheticGraph(opCount: ops, seed: seed).graph()
        let cluster = try Self.cluster(devices: devices)
        let assignment = Self.randomPlacement(
            try PlacementConstraints(graph: graph, cluster: cluster), seed: seed)
        var simulator = Simulator(graph: graph, cluster: cluster)
        let result = simulator.simulate(assignment, recordTimeline: true)
        let timeline = try #require(result.timeline)
        // Every op starts after its inputs are available on its device.
        var arrival: [Int: Double] = [:]
        for transfer in timeline.transfers {
            arrival[transfer.producer * 64 + transfer.to] = transfer.end
        }
        for op in 0..<graph.count {
            let duration = timeline.opFinish[op] - timeline.opStart[op]
            #expect(
                abs(duration - simulator.cost.time(op: op, device: assignment[op])) <= 1e-9
                    * max(timeline.opFinish[op], 1))
            for producer in graph.inputs(of: op) {
                let available =
                    assignment[producer] == assignment[op]
                    ? timeline.opFinish[producer] : arrival[producer * 64 + assignment[op]]
                #expect(available != nil && timeline.opStart[op] >= available!)
            }
        }
        // No device runs two ops at once; no channel carries two transfers at once.
        for device in 0..<devices {
            let intervals = (0..<graph.count).filter { assignment[$0] == device }
                .map { (timeline.opStart[$0], timeline.opFinish[$0]) }.sorted { $0 < $1 }
            for (a, b) in zip(intervals, intervals.dropFirst()) { #expect(a.1 <= b.0) }
        }
        var byChannel: [Int: [(Double, Double)]] = [:]
        for transfer in timeline.transfers {
            byChannel[transfer.from * devices + transfer.to, default: []].append(
                (transfer.start, transfer.end))
        }
        for intervals in byChannel.values {
            for (a, b) in zip(intervals, intervals.dropFirst()) {
                #expect(a.1 <= b.0, "FIFO order and no overlap")
            }
        }
        // The critical path is a chain ending at the step time, starting at time 0.
        guard case .op(let last) = result.criticalPath.last,
            case .op(let first) = result.criticalPath.first
        else {
            Issue.record("critical path must start and end with an op")
            return
        }
        #expect(timeline.opFinish[last] == result.stepTime)
        #expect(timeline.opStart[first] == 0)
        // Busy time adds up.
        for device in 0..<devices {
            let total = (0..<graph.count).filter { assignment[$0] == device }.reduce(0.0) {
                $0 + timeline.opFinish[$1] - timeline.opStart[$1]
            }
            #expect(abs(total - result.deviceBusy[device]) <= 1e-6 * max(total, 1))
        }
        // Memory returns to the persistent bytes at the end.
        for device in 0..<devices {
            let persistent = (0..<graph.count).filter { assignment[$0] == device }.reduce(0.0) {
                $0 + graph.persistentBytes[$1]
            }
            let final = timeline.memory.last { $0.device == device }?.bytes ?? 0
            #expect(abs(final - persistent) <= 1e-6 * max(persistent, 1))
        }
    }
}
