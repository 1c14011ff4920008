import SpotlightModel
import Testing

@testable import SpotlightSimulation

/// Small cases whose answers are worked out by hand in the comments.
@Suite struct HandComputedTests {
    @Test func chainOnOneDeviceTakesTheSumOfItsTimes() throws {
        let (_, result) = try simulate(
            [
                op("a", 10, output: 100),
                op("b", 20, inputs: [.init("a")], output: 100),
                op("c", 30, inputs: [.init("b")]),
            ], on: testCluster(devices: 2), [:])
        #expect(result.stepTime == 60)
        #expect(result.deviceBusy == [60, 0])
        #expect(result.transferCount == 0)
        #expect(result.criticalPath == [.op(0), .op(1), .op(2)])
    }

    @Test func twoBranchesOnTwoDevicesTakeTheLongerBranchPlusTheTransfers() throws {
        // src on d0 (0-10); its 1000 B cross to d1 in 5 + 1 = 6 us (arrive 16); b runs 16-66 on d1;
        // b's 2000 B come back in 5 + 2 = 7 us (arrive 73). a runs 10-40 on d0. join: 73-83.
        let (_, result) = try simulate(
            [
                op("src", 10, output: 1000),
                op("a", 30, inputs: [.init("src")], output: 500),
                op("b", 50, inputs: [.init("src")], output: 2000),
                op("join", 10, inputs: [.init("a"), .init("b")]),
            ], on: testCluster(devices: 2), ["b": 1])
        #expect(result.stepTime == 83)
        #expect(result.deviceBusy == [50, 50])
        #expect(result.transferCount == 2)
        #expect(result.channelBytes == [0, 1000, 2000, 0])
        #expect(result.channelBusy == [0, 6, 7, 0])
        #expect(
            result.criticalPath == [
                .op(0), .transfer(0, producer: 0, from: 0, to: 1), .op(2),
                .transfer(1, producer: 2, from: 1, to: 0), .op(3),
            ])
    }

    @Test func twoTensorsOnOneLinkAreSerialised() throws {
        // p1 0-10 and p2 10-20 on d0, each sending 10000 B (5 + 10 = 15 us) to c on d1.
        // p1's send holds the channel 10-25, so p2's waits and runs 25-40; c runs 40-41.
        let (_, result) = try simulate(
            [
                op("p1", 10, output: 10_000),
                op("p2", 10, output: 10_000),
                op("c", 1, inputs: [.init("p1"), .init("p2")]),
            ], on: testCluster(devices: 2), ["c": 1], timeline: true)
        #expect(result.stepTime == 41)
        let transfers = try #require(result.timeline?.transfers)
        #expect(transfers.map(\.start) == [10, 25])
        #expect(transfers.map(\.end) == [25, 40])
        #expect(
            result.criticalPath == [
                .op(0), .transfer(0, producer: 0, from: 0, to: 1),
                .transfer(1, producer: 1, from: 0, to: 1), .op(2),
            ])
    }

    @Test func aTensorWithTwoConsumersOnOneRemoteDeviceIsSentOnce() throws {
        // p 0-10 on d0; one send of the larger edge, 10000 B, in 15 us (arrive 25);
        // c1 25-30, c2 30-35.
        let (_, result) = try simulate(
            [
                op("p", 10, output: 10_000),
                op("c1", 5, inputs: [.init("p")]),
                op("c2", 5, inputs: [.init("p", bytes: 4000)]),
            ], on: testCluster(devices: 2), ["c1": 1, "c2": 1])
        #expect(result.stepTime == 35)
        #expect(result.transferCount == 1)
        #expect(result.channelBytes[1] == 10_000)
    }

    @Test func readyOrderIsFirstReadyThenFilePosition() throws {
        // After r (0-10) both x and y become ready at 10; x comes first in the file even though y's
        // name sorts first. z became ready at 0 and runs before both.
        let (_, result) = try simulate(
            [
                op("r", 10, output: 1),
                op("x", 5, inputs: [.init("r")]),
                op("y", 5, inputs: [.init("r")]),
                op("z", 3),
            ], on: testCluster(devices: 1), [:], timeline: true)
        let timeline = try #require(result.timeline)
        #expect(timeline.opStart == [0, 13, 18, 10])
        #expect(result.stepTime == 23)
    }

    @Test func peakMemoryCountsPersistentBytesAndLiveTensors() throws {
        // One device, persistent 50. a (0-10) holds 100 from its start; b (10-30) adds 200 -> 350;
        // a's output dies when b finishes; c adds nothing. Peak 350.
        let (_, result) = try simulate(
            [
                op("a", 10, output: 100, persistent: 50),
                op("b", 20, inputs: [.init("a")], output: 200),
                op("c", 30, inputs: [.init("b")]),
            ], on: testCluster(devices: 1), [:], timeline: true)
        #expect(result.devicePeakMemory == [350])
        #expect(!result.outOfMemory)
        let memory = try #require(result.timeline?.memory).map(\.bytes)
        #expect(memory == [50, 150, 350, 250, 50])
    }

    @Test func receivedCopiesLiveUntilTheirLastConsumerThere() throws {
        // p (0-10, 1000 B) on d0 is sent to d1 (arrive 16) for c1 (16-26) and c2 (26-36).
        // d0 holds p's output 0-16 (until the send is done); d1 holds the copy 16-36.
        let (_, result) = try simulate(
            [
                op("p", 10, output: 1000),
                op("c1", 10, inputs: [.init("p")]),
                op("c2", 10, inputs: [.init("p")]),
            ], on: testCluster(devices: 2), ["c1": 1, "c2": 1], timeline: true)
        let samples = try #require(result.timeline?.memory)
        #expect(samples.map(\.time) == [0, 16, 16, 36])
        #expect(samples.map(\.device) == [0, 0, 1, 1])
        #expect(samples.map(\.bytes) == [1000, 0, 1000, 0])
    }

    @Test func exceedingMemoryIsFlagged() throws {
        // 1e-6 GB is 1000 bytes; 2000 persistent bytes do not fit.
        let cluster = try testCluster(devices: 2, memoryGBytes: 1e-6)
        let (_, tooBig) = try simulate([op("w", 1, persistent: 2000)], on: cluster, [:])
        #expect(tooBig.outOfMemory)
        #expect(tooBig.devicePeakMemory[0] == 2000)
        let (_, fits) = try simulate([op("w", 1, persistent: 900)], on: cluster, [:])
        #expect(!fits.outOfMemory)
    }

    @Test func colocatedOpsSharingADeviceNeedNoTransfer() throws {
        var update = op("update", 5, inputs: [.init("w"), .init("grad")])
        update.colocateWith = "w"
        let ops = [
            op("w", 0, output: 1_000_000, persistent: 1_000_000), op("grad", 10, output: 1_000_000),
            update,
        ]
        let graph = try OperationGraph(name: "g", ops: ops)
        let cluster = try testCluster(devices: 2)
        let constraints = try PlacementConstraints(graph: graph, cluster: cluster)
        #expect(constraints.colocationRoot[0] == constraints.colocationRoot[2])
        var simulator = Simulator(graph: graph, cluster: cluster)
        // w and update together on d1, grad on d0: one transfer of the gradient, 5 + 1000 us.
        let result = simulator.simulate([1, 0, 1])
        #expect(result.transferCount == 1)
        #expect(result.stepTime == 10 + 1005 + 5)
    }

    @Test func rooflineTimeWhenNothingIsMeasured() throws {
        // 2e6 flops at 1000 GFLOP/s (1e6 flops/us) = 2 us;
        // 1e6 bytes at 100 GB/s (1e5 B/us) = 10 us; the larger, plus a 3 us launch: 13 us.
        var spec = OperationSpec(name: "a", type: "MatMul")
        spec.flops = 2e6
        spec.bytesAccessed = 1e6
        let graph = try OperationGraph(name: "g", ops: [spec])
        let cluster = try Cluster(
            name: "c",
            devices: [
                .init(
                    name: "d", kind: "gpu", gflops: 1000, memoryGBytesPerSecond: 100,
                    memoryGBytes: 1, launchMicroseconds: 3)
            ],
            links: [], defaultLink: nil)
        #expect(CostModel(graph: graph, cluster: cluster).time(op: 0, device: 0) == 13)
    }
}

/// The tiny sample, worked through by hand.
@Suite struct TinySampleTests {
    let graph: OperationGraph
    let cluster: Cluster

    init() throws {
        graph = try OperationGraph.load(samplesDirectory + "/tiny.graph.json")
        cluster = try Cluster.load(samplesDirectory + "/tiny.cluster.json")
    }

    @Test func expertPlacement() throws {
        // input runs 0-50 on the CPU and reaches both GPUs at 160 (10 + 1e6 / 1e4 us). The towers
        // run 160-380 in parallel; tower_b's output reaches gpu:0 at 435 (5 + 1e6 / 2e4); the head
        // and its gradients run on gpu:0 until the split finishes at 765; its gradient reaches
        // gpu:1 at 820, and tower_b's gradients and update finish there at 1070.
        let placement = try Placement.load(
            samplesDirectory + "/tiny.expert.placement.json", graph: graph, cluster: cluster)
        var simulator = Simulator(graph: graph, cluster: cluster)
        let result = simulator.simulate(placement.assignment)
        #expect(result.stepTime == 1070)
        #expect(result.deviceBusy == [50, 830, 470])
        #expect(result.transferCount == 4)
        #expect(result.channelBytes == [0, 1e6, 1e6, 0, 0, 1e6, 0, 1e6, 0])
        #expect(
            result.criticalPath == [
                .op(0), .transfer(1, producer: 0, from: 0, to: 2), .op(6), .op(7),
                .transfer(2, producer: 7, from: 2, to: 1),
                .op(8), .op(9), .op(10), .op(11), .op(12), .op(13),
                .transfer(3, producer: 13, from: 1, to: 2),
                .op(16), .op(17), .op(19),
            ])
        #expect(!result.outOfMemory)
    }

    @Test func everythingOnOneGPU() throws {
        // The input arrives at 160, after which gpu:0 never idles: 160 + 1300 us of GPU work.
        var simulator = Simulator(graph: graph, cluster: cluster)
        let assignment = (0..<graph.count).map { graph.opNames[$0] == "input" ? 0 : 1 }
        #expect(simulator.simulate(assignment).stepTime == 1460)
    }

    @Test func lowerBound() throws {
        // Longest path at K80 speed: input 50 + 200 + 20 + 10 + 100 + 10 + 100 + 10 + 20 + 200 + 30
        // = 750; total work (50 + 1300) / 3 devices = 450. The bound is the larger.
        let constraints = try PlacementConstraints(graph: graph, cluster: cluster)
        let bound = LowerBound.compute(
            cost: CostModel(graph: graph, cluster: cluster), graph: graph, constraints: constraints)
        #expect(bound == 750)
    }
}
