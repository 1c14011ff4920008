import Foundation
import SpotlightModel

@testable import SpotlightSimulation

let samplesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("samples").path

/// An op with a measured time on device type "t" (every test device has that type).
func op(
    _ name: String, _ time: Double, inputs: [OperationSpec.Input] = [], output: Double = 0,
    persistent: Double = 0
) -> OperationSpec {
    var spec = OperationSpec(name: name, type: "Op")
    spec.measuredTimes = [.init(deviceType: "t", microseconds: time)]
    spec.inputs = inputs
    spec.outputBytes = output
    spec.persistentBytes = persistent
    return spec
}

/// `count` devices of type "t", every pair joined at 1 GB/s (1000 bytes per microsecond) with
/// the given latency.
func testCluster(devices count: Int, latency: Double = 5, memoryGBytes: Double = 100) throws
    -> Cluster
{
    try Cluster(
        name: "test",
        devices: (0..<count).map {
            .init(
                name: "d\($0)", kind: "gpu", type: "t", gflops: 1000, memoryGBytesPerSecond: 100,
                memoryGBytes: memoryGBytes)
        },
        links: [], defaultLink: .init(gbytesPerSecond: 1, latencyMicroseconds: latency))
}

func simulate(
    _ ops: [OperationSpec], on cluster: Cluster, _ devices: [String: Int], timeline: Bool = false
) throws -> (OperationGraph, SimulationResult) {
    let graph = try OperationGraph(name: "g", ops: ops)
    var simulator = Simulator(graph: graph, cluster: cluster)
    let assignment = graph.opNames.map { devices[$0] ?? 0 }
    return (graph, simulator.simulate(assignment, recordTimeline: timeline))
}
