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
/// A `Simulator` keeps its scratch arrays between runs, so simulating a placement allocates only
/// the result. It is a value: give each thread its own copy.
public struct Simulator: Sendable {
    public let graph: OperationGraph
    public let cluster: Cluster
    public let cost: CostModel
    private let deviceCount: Int

    // Per op.
    private var pending: [Int]
    private var readyTime: [Double]
    private var startTime: [Double]
    private var finishTime: [Double]
    private var outputReferences: [Int]
    private var readyCauseKind: [UInt8]
    private var readyCauseID: [Int]
    private var startCauseKind: [UInt8]
    private var startCauseID: [Int]
    private var firstTransfer: [Int]
    private var transfersOfOp: [Int]

    // Per device.
    private var ready: [TimedQueue]
    private var running: [Int]
    private var lastOnDevice: [Int]
    private var memory: [Double]
    private var peak: [Double]
    private var busy: [Double]
    private var sendBytes: [Double]
    private var dirtyDevices: [Int] = []
    private var deviceIsDirty: [Bool]

    // Per directed channel, `from * deviceCount + to`.
    private var channelHead: [Int]
    private var channelTail: [Int]
    private var channelActive: [Bool]
    private var channelLast: [Int]
    private var channelBytes: [Double]
    private var channelBusy: [Double]
    private var dirtyChannels: [Int] = []
    private var channelIsDirty: [Bool]

    // Per transfer, in creation order.
    private var transferProducer: [Int] = []
    private var transferFrom: [Int] = []
    private var transferTo: [Int] = []
    private var transferBytes: [Double] = []
    private var transferStart: [Double] = []
    private var transferEnd: [Double] = []
    private var transferReferences: [Int] = []
    private var transferNext: [Int] = []
    /// -1: started when its producer finished; otherwise the transfer it queued behind.
    private var transferCause: [Int] = []

    private var events = TimedQueue()
    private var recording = false
    private var memorySamples: [Timeline.MemorySample] = []

    private static let causeNone: UInt8 = 0
    private static let causeOp: UInt8 = 1
    private static let causeTransfer: UInt8 = 2
    private static let arrivalFlag = 1 << 40

    public init(graph: OperationGraph, cluster: Cluster) {
        self.graph = graph
        self.cluster = cluster
        self.cost = CostModel(graph: graph, cluster: cluster)
        let ops = graph.count, devices = cluster.deviceCount, channels = devices * devices
        deviceCount = devices
        pending = [Int](repeating: 0, count: ops)
        readyTime = [Double](repeating: 0, count: ops)
        startTime = [Double](repeating: 0, count: ops)
        finishTime = [Double](repeating: 0, count: ops)
        outputReferences = [Int](repeating: 0, count: ops)
        readyCauseKind = [UInt8](repeating: 0, count: ops)
        readyCauseID = [Int](repeating: -1, count: ops)
        startCauseKind = [UInt8](repeating: 0, count: ops)
        startCauseID = [Int](repeating: -1, count: ops)
        firstTransfer = [Int](repeating: 0, count: ops)
        transfersOfOp = [Int](repeating: 0, count: ops)
        ready = [TimedQueue](repeating: TimedQueue(), count: devices)
        running = [Int](repeating: -1, count: devices)
        lastOnDevice = [Int](repeating: -1, count: devices)
        memory = [Double](repeating: 0, count: devices)
        peak = [Double](repeating: 0, count: devices)
        busy = [Double](repeating: 0, count: devices)
        sendBytes = [Double](repeating: 0, count: devices)
        deviceIsDirty = [Bool](repeating: false, count: devices)
        channelHead = [Int](repeating: -1, count: channels)
        channelTail = [Int](repeating: -1, count: channels)
        channelActive = [Bool](repeating: false, count: channels)
        channelLast = [Int](repeating: -1, count: channels)
        channelBytes = [Double](repeating: 0, count: channels)
        channelBusy = [Double](repeating: 0, count: channels)
        channelIsDirty = [Bool](repeating: false, count: channels)
    }

    /// Simulates one training step with op `i` on device `assignment[i]`.
    ///
    /// The assignment must give every op a device of the cluster; constraints (`devices`,
    /// `colocate_with`) are the caller's to respect, and the simulator does not check them.
    public mutating func simulate(_ assignment: [Int], recordTimeline: Bool = false) -> SimulationResult {
        precondition(assignment.count == graph.count, "the assignment must give every op a device")
        reset(recordTimeline: recordTimeline)
        assignment.withUnsafeBufferPointer { placed in
            for op in 0..<graph.count {
                let device = placed[op]
                precondition(device >= 0 && device < deviceCount, "op \(op) is on device \(device), not one of the cluster's")
                memory[device] += graph.persistentBytes[op]
                let inputs = graph.inputStart[op + 1] - graph.inputStart[op]
                pending[op] = inputs
                if inputs == 0 { makeReady(op, device: device, at: 0, causeKind: Self.causeNone, causeID: -1) }
            }
            for device in 0..<deviceCount {
                peak[device] = memory[device]
                if recording, memory[device] > 0 { memorySamples.append(.init(time: 0, device: device, bytes: memory[device])) }
            }
            var now = 0.0
            while true {
                startWork(at: now, placed)
                if events.isEmpty { break }
                now = events.minimumTime
                repeat {
                    let event = events.pop()
                    if event.key & Self.arrivalFlag != 0 {
                        arrive(event.key & (Self.arrivalFlag - 1), at: now, placed)
                    } else {
                        finish(event.key, at: now, placed)
                    }
                } while !events.isEmpty && events.minimumTime == now
            }
        }
        return result(assignment)
    }

    private mutating func reset(recordTimeline: Bool) {
        recording = recordTimeline
        memorySamples.removeAll(keepingCapacity: true)
        for device in 0..<deviceCount {
            ready[device].removeAll()
            running[device] = -1
            lastOnDevice[device] = -1
            memory[device] = 0
            busy[device] = 0
        }
        for channel in 0..<channelHead.count {
            channelHead[channel] = -1
            channelTail[channel] = -1
            channelActive[channel] = false
            channelLast[channel] = -1
            channelBytes[channel] = 0
            channelBusy[channel] = 0
        }
        transferProducer.removeAll(keepingCapacity: true)
        transferFrom.removeAll(keepingCapacity: true)
        transferTo.removeAll(keepingCapacity: true)
        transferBytes.removeAll(keepingCapacity: true)
        transferStart.removeAll(keepingCapacity: true)
        transferEnd.removeAll(keepingCapacity: true)
        transferReferences.removeAll(keepingCapacity: true)
        transferNext.removeAll(keepingCapacity: true)
        transferCause.removeAll(keepingCapacity: true)
        events.removeAll()
    }

    @inline(__always)
    private mutating func markDevice(_ device: Int) {
        if !deviceIsDirty[device] {
            deviceIsDirty[device] = true
            dirtyDevices.append(device)
        }
    }

    @inline(__always)
    private mutating func markChannel(_ channel: Int) {
        if !channelIsDirty[channel] {
            channelIsDirty[channel] = true
            dirtyChannels.append(channel)
        }
    }

    @inline(__always)
    private mutating func makeReady(_ op: Int, device: Int, at time: Double, causeKind: UInt8, causeID: Int) {
        readyTime[op] = time
        readyCauseKind[op] = causeKind
        readyCauseID[op] = causeID
        ready[device].push(time: time, key: op)
        markDevice(device)
    }

    @inline(__always)
    private mutating func allocate(_ bytes: Double, on device: Int, at time: Double) {
        guard bytes > 0 else { return }
        memory[device] += bytes
        if memory[device] > peak[device] { peak[device] = memory[device] }
        if recording { memorySamples.append(.init(time: time, device: device, bytes: memory[device])) }
    }

    @inline(__always)
    private mutating func release(_ bytes: Double, on device: Int, at time: Double) {
        guard bytes > 0 else { return }
        memory[device] -= bytes
        if recording { memorySamples.append(.init(time: time, device: device, bytes: memory[device])) }
    }

    /// Starts what can start now: an op on every idle device with ready work, a transfer on
    /// every idle channel with queued sends.
    private mutating func startWork(at now: Double, _ placed: UnsafeBufferPointer<Int>) {
        var index = 0
        while index < dirtyDevices.count {
            let device = dirtyDevices[index]
            deviceIsDirty[device] = false
            index += 1
            guard running[device] < 0, !ready[device].isEmpty else { continue }
            let op = ready[device].pop().key
            running[device] = op
            startTime[op] = now
            let duration = cost.computeTime[op * deviceCount + device]
            events.push(time: now + duration, key: op)
            busy[device] += duration
            allocate(graph.outputBytes[op], on: device, at: now)
            if now > readyTime[op] {
                startCauseKind[op] = Self.causeOp
                startCauseID[op] = lastOnDevice[device]
            } else {
                startCauseKind[op] = readyCauseKind[op]
                startCauseID[op] = readyCauseID[op]
            }
        }
        dirtyDevices.removeAll(keepingCapacity: true)

        index = 0
        while index < dirtyChannels.count {
            let channel = dirtyChannels[index]
            channelIsDirty[channel] = false
            index += 1
            let transfer = channelHead[channel]
            guard !channelActive[channel], transfer >= 0 else { continue }
            channelHead[channel] = transferNext[transfer]
            if channelHead[channel] < 0 { channelTail[channel] = -1 }
            channelActive[channel] = true
            let duration = cluster.channelLatencyMicroseconds[channel] + transferBytes[transfer] / cluster.channelBytesPerMicrosecond[channel]
            transferStart[transfer] = now
            transferEnd[transfer] = now + duration
            transferCause[transfer] = now == finishTime[transferProducer[transfer]] ? -1 : channelLast[channel]
            channelLast[channel] = transfer
            channelBytes[channel] += transferBytes[transfer]
            channelBusy[channel] += duration
            events.push(time: now + duration, key: Self.arrivalFlag | transfer)
        }
        dirtyChannels.removeAll(keepingCapacity: true)
    }

    private mutating func finish(_ op: Int, at now: Double, _ placed: UnsafeBufferPointer<Int>) {
        let device = placed[op]
        running[device] = -1
        lastOnDevice[device] = op
        finishTime[op] = now
        markDevice(device)

        // Inputs this op was the last to need are freed.
        for edge in graph.inputStart[op]..<graph.inputStart[op + 1] {
            let producer = graph.inputOp[edge]
            if placed[producer] == device {
                releaseOutput(of: producer, at: now, placed)
            } else {
                releaseReceived(from: producer, on: device, at: now)
            }
        }

        // Local consumers get the tensor now; remote devices get one send each.
        var localEdges = 0
        var remote: UInt64 = 0
        for edge in graph.outputStart[op]..<graph.outputStart[op + 1] {
            let consumer = graph.outputOp[edge]
            let target = placed[consumer]
            if target == device {
                localEdges += 1
                pending[consumer] -= 1
                if pending[consumer] == 0 { makeReady(consumer, device: target, at: now, causeKind: Self.causeOp, causeID: op) }
            } else {
                let bit: UInt64 = 1 << UInt64(target)
                if remote & bit == 0 {
                    remote |= bit
                    sendBytes[target] = graph.outputEdgeBytes[edge]
                } else if graph.outputEdgeBytes[edge] > sendBytes[target] {
                    sendBytes[target] = graph.outputEdgeBytes[edge]
                }
            }
        }
        let sends = remote.nonzeroBitCount
        firstTransfer[op] = transferProducer.count
        transfersOfOp[op] = sends
        outputReferences[op] = localEdges + sends
        while remote != 0 {
            let target = remote.trailingZeroBitCount
            remote &= remote - 1
            enqueueTransfer(of: op, from: device, to: target, bytes: sendBytes[target])
        }
        if outputReferences[op] == 0 { release(graph.outputBytes[op], on: device, at: now) }
    }

    private mutating func enqueueTransfer(of producer: Int, from: Int, to: Int, bytes: Double) {
        let transfer = transferProducer.count
        transferProducer.append(producer)
        transferFrom.append(from)
        transferTo.append(to)
        transferBytes.append(bytes)
        transferStart.append(0)
        transferEnd.append(0)
        transferReferences.append(0)
        transferNext.append(-1)
        transferCause.append(-1)
        let channel = from * deviceCount + to
        if channelTail[channel] >= 0 { transferNext[channelTail[channel]] = transfer } else { channelHead[channel] = transfer }
        channelTail[channel] = transfer
        markChannel(channel)
    }

    private mutating func arrive(_ transfer: Int, at now: Double, _ placed: UnsafeBufferPointer<Int>) {
        let producer = transferProducer[transfer], from = transferFrom[transfer], to = transferTo[transfer]
        let channel = from * deviceCount + to
        channelActive[channel] = false
        markChannel(channel)
        releaseOutput(of: producer, at: now, placed)
        allocate(transferBytes[transfer], on: to, at: now)
        var references = 0
        for edge in graph.outputStart[producer]..<graph.outputStart[producer + 1] {
            let consumer = graph.outputOp[edge]
            guard placed[consumer] == to else { continue }
            references += 1
            pending[consumer] -= 1
            if pending[consumer] == 0 {
                makeReady(consumer, device: to, at: now, causeKind: Self.causeTransfer, causeID: transfer)
            }
        }
        transferReferences[transfer] = references
    }

    @inline(__always)
    private mutating func releaseOutput(of producer: Int, at now: Double, _ placed: UnsafeBufferPointer<Int>) {
        outputReferences[producer] -= 1
        if outputReferences[producer] == 0 { release(graph.outputBytes[producer], on: placed[producer], at: now) }
    }

    @inline(__always)
    private mutating func releaseReceived(from producer: Int, on device: Int, at now: Double) {
        var transfer = firstTransfer[producer]
        let end = transfer + transfersOfOp[producer]
        while transfer < end && transferTo[transfer] != device { transfer += 1 }
        transferReferences[transfer] -= 1
        if transferReferences[transfer] == 0 { release(transferBytes[transfer], on: device, at: now) }
    }

    private func result(_ assignment: [Int]) -> SimulationResult {
        var stepTime = 0.0
        var last = -1
        for op in 0..<graph.count where last < 0 || finishTime[op] > stepTime {
            stepTime = finishTime[op]
            last = op
        }
        var path: [CriticalPathStep] = []
        var kind = Self.causeOp, id = last
        while id >= 0 {
            if kind == Self.causeOp {
                path.append(.op(id))
                (kind, id) = (startCauseKind[id], startCauseID[id])
                if kind == Self.causeNone { break }
            } else {
                path.append(.transfer(id, producer: transferProducer[id], from: transferFrom[id], to: transferTo[id]))
                if transferCause[id] < 0 {
                    (kind, id) = (Self.causeOp, transferProducer[id])
                } else {
                    id = transferCause[id]
                }
            }
        }
        path.reverse()
        var outOfMemory = false
        for device in 0..<deviceCount where peak[device] > cluster.memoryCapacityBytes[device] { outOfMemory = true }
        var timeline: Timeline?
        if recording {
            timeline = Timeline(
                assignment: assignment, opStart: startTime, opFinish: finishTime,
                transfers: transferProducer.indices.map {
                    .init(producer: transferProducer[$0], from: transferFrom[$0], to: transferTo[$0],
                          bytes: transferBytes[$0], start: transferStart[$0], end: transferEnd[$0])
                },
                memory: memorySamples)
        }
        return SimulationResult(
            stepTime: stepTime, outOfMemory: outOfMemory, deviceBusy: busy, devicePeakMemory: peak,
            channelBytes: channelBytes, channelBusy: channelBusy, transferCount: transferProducer.count,
            criticalPath: path, timeline: timeline)
    }
}
