import Dispatch
import SpotlightModel

/// The discrete-event simulator: turns a placement into the step time of one training step,
/// with per-device busy time and peak memory, per-channel traffic, the critical path and, on
/// request, the full timeline.
///
/// Semantics (DESIGN.md, "Simulator semantics"):
/// - each device runs one op at a time; an op is ready on its device once every input is there (a
///   local producer has finished, a remote producer's tensor has arrived);
/// - an idle device starts, among its ready ops, the one that became ready first, ties going to the
///   op that comes first in the graph file; all events of one instant are applied before anything
///   starts at that instant;
/// - a finished op's tensor is sent once per remote destination device, carrying the largest
///   `bytes` of its edges to that device, over that directed channel; each channel is a FIFO
///   that a transfer holds for `latency + bytes / rate`, and sends queue in the order their
///   producers finished (ties: producer's file position, then destination's cluster position);
/// - memory on a device is the persistent bytes of its ops plus live tensors: an output from its
///   op's start until its local consumers and its sends are done, a received copy from its
///   arrival until its consumers there are done.
///
/// A `Simulator` keeps its scratch space (a `SimulationWorkspace`) between runs, so simulating a
/// placement allocates only the result. It is a value: a copy gets its own scratch space the first
/// time it simulates, so each thread can use its own copy.
public struct Simulator: Sendable {
    public let graph: OperationGraph
    public let cluster: Cluster
    public let cost: CostModel
    private var workspace: SimulationWorkspace

    /// A simulator of `graph` on `cluster`; pass `cost` when it has been worked out already (a
    /// placement problem holds one), to share it instead of computing it again.
    public init(graph: OperationGraph, cluster: Cluster, cost: CostModel? = nil) {
        let cost = cost ?? CostModel(graph: graph, cluster: cluster)
        precondition(
            cost.deviceCount == cluster.deviceCount
                && cost.computeTime.count == graph.count * cluster.deviceCount,
            "the cost model is of another graph or cluster")
        self.graph = graph
        self.cluster = cluster
        self.cost = cost
        self.workspace = SimulationWorkspace(graph: graph, cluster: cluster, cost: cost)
    }

    /// Simulates one training step with op `i` on device `assignment[i]`.
    ///
    /// The assignment must give every op a device of the cluster; constraints (`devices`,
    /// `colocate_with`) are the caller's to respect, and the simulator does not check them.
    public mutating func simulate(_ assignment: [Int], recordTimeline: Bool = false)
        -> SimulationResult
    {
        precondition(assignment.count == graph.count, "the assignment must give every op a device")
        if !isKnownUniquelyReferenced(&workspace) {
            workspace = SimulationWorkspace(graph: graph, cluster: cluster, cost: cost)
        }
        let deviceCount = cluster.deviceCount
        for op in 0..<graph.count {
            let device = assignment[op]
            precondition(
                device >= 0 && device < deviceCount,
                "op \(op) is on device \(device), not one of the cluster's")
            workspace.assignment[op] = UInt8(device)
        }
        workspace.run(recordTimeline: recordTimeline)
        return result(assignment)
    }

    private func result(_ assignment: [Int]) -> SimulationResult {
        let work = workspace
        let devices = cluster.deviceCount
        let channels = devices * devices
        var stepTime = 0.0
        var last = -1
        for op in 0..<graph.count where last < 0 || work.finishTime[op] > stepTime {
            stepTime = work.finishTime[op]
            last = op
        }
        var path: [CriticalPathStep] = []
        var kind = SimulationWorkspace.causeOp
        var id = last
        while id >= 0 {
            if kind == SimulationWorkspace.causeOp {
                path.append(.op(id))
                (kind, id) = (work.startCauseKind[id], work.startCauseID[id])
                if kind == SimulationWorkspace.causeNone { break }
            } else {
                path.append(
                    .transfer(
                        id, producer: work.transferProducer[id], from: work.transferFrom[id],
                        to: work.transferTo[id]))
                if work.transferCause[id] < 0 {
                    (kind, id) = (SimulationWorkspace.causeOp, work.transferProducer[id])
                } else {
                    id = work.transferCause[id]
                }
            }
        }
        path.reverse()
        let peak = Array(UnsafeBufferPointer(start: work.peak, count: devices))
        var outOfMemory = false
        for device in 0..<devices where peak[device] > cluster.memoryCapacityBytes[device] {
            outOfMemory = true
        }
        var timeline: Timeline?
        if work.recording {
            timeline = Timeline(
                assignment: assignment,
                opStart: Array(UnsafeBufferPointer(start: work.startTime, count: graph.count)),
                opFinish: Array(UnsafeBufferPointer(start: work.finishTime, count: graph.count)),
                transfers: (0..<work.transferCount).map {
                    .init(
                        producer: work.transferProducer[$0], from: work.transferFrom[$0],
                        to: work.transferTo[$0],
                        bytes: work.transferBytes[$0], start: work.transferStart[$0],
                        end: work.transferEnd[$0])
                },
                memory: work.memorySamples)
        }
        return SimulationResult(
            stepTime: stepTime, outOfMemory: outOfMemory,
            deviceBusy: Array(UnsafeBufferPointer(start: work.busy, count: devices)),
            devicePeakMemory: peak,
            channelBytes: Array(UnsafeBufferPointer(start: work.channelBytes, count: channels)),
            channelBusy: Array(UnsafeBufferPointer(start: work.channelBusy, count: channels)),
            transferCount: work.transferCount, criticalPath: path, timeline: timeline)
    }
}

/// A buffer that parallel workers write to, each at its own indices.
package struct SharedBuffer<Element>: @unchecked Sendable {  // Workers own disjoint indices.
    package let buffer: UnsafeMutableBufferPointer<Element>

    package init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

extension Simulator {
    /// `assignment(i)` simulated for each i below `count`, over `workers` threads, each with its
    /// own copy of this simulator; results in order, the same for any number of workers.
    public func simulateAll(
        count: Int, workers: Int, assignment: @Sendable (Int) -> [Int]
    ) -> [SimulationResult] {
        let results = SharedBuffer(
            UnsafeMutableBufferPointer<SimulationResult>.allocate(
                capacity: count))
        defer {
            results.buffer.baseAddress!.deinitialize(count: count)
            results.buffer.deallocate()
        }
        let workers = max(1, min(workers, count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var simulator = self
            for index in stride(from: worker, to: count, by: workers) {
                (results.buffer.baseAddress! + index).initialize(
                    to: simulator.simulate(assignment(index)))
            }
        }
        return Array(results.buffer)
    }
}
