import Foundation
import SpotlightModel
import Testing

@testable import SpotlightSimulation

/// The machine a benchmark measures on when the model is to be wrong about it.
@Suite struct ModelErrorTests {
    func mixedCluster() throws -> Cluster {
        let devices: [Cluster.Device] = [
            .init(
                name: "cpu", kind: "cpu", type: "c", gflops: 100, memoryGBytesPerSecond: 50,
                memoryGBytes: 64),
            .init(
                name: "g0", kind: "gpu", type: "t", gflops: 1000, memoryGBytesPerSecond: 100,
                memoryGBytes: 16),
            .init(
                name: "g1", kind: "gpu", type: "t", gflops: 1000, memoryGBytesPerSecond: 100,
                memoryGBytes: 16),
        ]
        return try Cluster(
            name: "mixed", devices: devices,
            links: [.init(between: (1, 2), speed: .init(gbytesPerSecond: 8))],
            defaultLink: .init(gbytesPerSecond: 2, latencyMicroseconds: 3))
    }

    func graph(ops: Int) throws -> OperationGraph {
        try OperationGraph(name: "g", ops: (0..<ops).map { op("op\($0)", Double(10 + $0)) })
    }

    @Test func noSpreadChangesNothing() throws {
        let cluster = try mixedCluster()
        let cost = CostModel(graph: try graph(ops: 20), cluster: cluster)
        let error = ModelError(spread: 0, seed: 3)
        #expect(error.cost(cost, cluster: cluster).computeTime == cost.computeTime)
        let same = try error.cluster(cluster)
        #expect(same.channelBytesPerMicrosecond == cluster.channelBytesPerMicrosecond)
        #expect(same.channelLatencyMicroseconds == cluster.channelLatencyMicroseconds)
    }

    /// One factor per op and device type, the same for a seed, centred on 1 in the log; links
    /// keep their latency and stay symmetric.
    @Test func factorsAreSharedByATypeAndCentredOnOne() throws {
        let cluster = try mixedCluster()
        let cost = CostModel(graph: try graph(ops: 2000), cluster: cluster)
        let error = ModelError(spread: 0.25, seed: 7)
        let wrong = error.cost(cost, cluster: cluster)
        #expect(wrong.computeTime == error.cost(cost, cluster: cluster).computeTime)
        #expect(
            wrong.computeTime
                != ModelError(spread: 0.25, seed: 8).cost(cost, cluster: cluster)
                .computeTime)
        var logs: [Double] = []
        for op in 0..<2000 {
            #expect(
                wrong.time(op: op, device: 1) / cost.time(op: op, device: 1)
                    == wrong.time(op: op, device: 2) / cost.time(op: op, device: 2))
            logs.append(log(wrong.time(op: op, device: 1) / cost.time(op: op, device: 1)))
        }
        let mean = logs.reduce(0, +) / Double(logs.count)
        let deviation = sqrt(logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2000)
        #expect(abs(mean) < 0.02 && abs(deviation - 0.25) < 0.02)
        let links = try error.cluster(cluster)
        #expect(links.channelLatencyMicroseconds == cluster.channelLatencyMicroseconds)
        #expect(links.channelBytesPerMicrosecond != cluster.channelBytesPerMicrosecond)
        for from in 0..<3 {
            for to in 0..<3 where from != to {
                #expect(
                    links.channelBytesPerMicrosecond[from * 3 + to]
                        == links.channelBytesPerMicrosecond[to * 3 + from])
            }
        }
    }
}
