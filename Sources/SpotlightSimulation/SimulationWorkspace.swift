import SpotlightModel

/// The simulator's state for one run, in fixed-size buffers allocated once per (graph, cluster):
/// the event loop touches only raw memory, so it makes no allocation, no copy-on-write check and
/// no bounds check per event.
///
/// Capacities follow from the semantics: a run creates at most one transfer per edge; at most one
/// op per device and one transfer per channel is in flight, which bounds the event queue; and the
/// per-device ready queues share `opCount` slots, split by how many ops each device was given.
final class SimulationWorkspace: @unchecked Sendable {
    let opCount: Int
    let deviceCount: Int
    let channelCount: Int

    // What the loop reads of the graph and cluster, copied once.
    let inputStart: UnsafeMutablePointer<Int32>
    let inputOp: UnsafeMutablePointer<Int32>
    let outputStart: UnsafeMutablePointer<Int32>
    let outputOp: UnsafeMutablePointer<Int32>
    let outputEdgeBytes: UnsafeMutablePointer<Double>
    let outputBytes: UnsafeMutablePointer<Double>
    let persistentBytes: UnsafeMutablePointer<Double>
    let computeTime: UnsafeMutablePointer<Double>
    let channelLatency: UnsafeMutablePointer<Double>
    let channelRate: UnsafeMutablePointer<Double>

    // Per op.
    /// Device of each op; one byte, since clusters have at most 64 devices, to keep the array
    /// in cache when the loop looks up a neighbour's device.
    let assignment: UnsafeMutablePointer<UInt8>
    /// What the loop reads and writes of an op when a neighbour finishes or arrives, in one
    /// 32-byte record so that such a visit costs one cache miss rather than several.
    struct OpState {
        var readyTime = 0.0
        /// Inputs not yet available on the op's device.
        var pending: Int32 = 0
        /// Uses of the op's output still to come: local consumer edges and sends.
        var outputReferences: Int32 = 0
        var readyCauseID: Int32 = -1
        /// The op's sends are transfers `firstTransfer ..< firstTransfer + transferCount`.
        var firstTransfer: Int32 = 0
        var transferCount: UInt8 = 0
        var readyCauseKind: UInt8 = 0
    }
    let opState: UnsafeMutablePointer<OpState>
    let startTime: UnsafeMutablePointer<Double>
    let finishTime: UnsafeMutablePointer<Double>
    let startCauseKind: UnsafeMutablePointer<UInt8>
    let startCauseID: UnsafeMutablePointer<Int>

    // Per device. Device d's ready queue lives in readyTimes/readyKeys from readyBase[d] (its
    // first slot) for as many slots as it has ops: each op is queued once per run, and ops become
    // ready in time order, so the queue is a plain FIFO between readyHead[d] and readyTail[d],
    // kept in (time, op) order by a short insertion among ops ready at the same instant.
    let running: UnsafeMutablePointer<Int>
    let lastOnDevice: UnsafeMutablePointer<Int>
    let memory: UnsafeMutablePointer<Double>
    let peak: UnsafeMutablePointer<Double>
    let busy: UnsafeMutablePointer<Double>
    let sendBytes: UnsafeMutablePointer<Double>
    let deviceIsDirty: UnsafeMutablePointer<Bool>
    let dirtyDevices: UnsafeMutablePointer<Int>
    let readyBase: UnsafeMutablePointer<Int>
    let readyHead: UnsafeMutablePointer<Int>
    let readyTail: UnsafeMutablePointer<Int>
    let readyTimes: UnsafeMutablePointer<Double>
    let readyKeys: UnsafeMutablePointer<Int>

    // Per directed channel.
    let channelHead: UnsafeMutablePointer<Int>
    let channelTail: UnsafeMutablePointer<Int>
    let channelActive: UnsafeMutablePointer<Bool>
    let channelLast: UnsafeMutablePointer<Int>
    let channelBytes: UnsafeMutablePointer<Double>
    let channelBusy: UnsafeMutablePointer<Double>
    let channelIsDirty: UnsafeMutablePointer<Bool>
    let dirtyChannels: UnsafeMutablePointer<Int>

    // Per transfer, in creation order.
    let transferProducer: UnsafeMutablePointer<Int>
    let transferFrom: UnsafeMutablePointer<Int>
    let transferTo: UnsafeMutablePointer<Int>
    let transferBytes: UnsafeMutablePointer<Double>
    let transferStart: UnsafeMutablePointer<Double>
    let transferEnd: UnsafeMutablePointer<Double>
    let transferReferences: UnsafeMutablePointer<Int>
    let transferNext: UnsafeMutablePointer<Int>
    /// -1: started when its producer finished; otherwise the transfer it queued behind.
    let transferCause: UnsafeMutablePointer<Int>

    // Pending finishes and arrivals, a binary heap ordered by (time, key).
    let eventTimes: UnsafeMutablePointer<Double>
    let eventKeys: UnsafeMutablePointer<Int>

    /// The loop's counters, behind a pointer: stored `var`s of a class would cost a dynamic
    /// exclusivity check on every access.
    struct Counters {
        var dirtyDevices = 0
        var dirtyChannels = 0
        var transfers = 0
        var events = 0
        var recording = false
    }
    let counters: UnsafeMutablePointer<Counters>
    var memorySamples: [Timeline.MemorySample] = []

    var transferCount: Int { counters.pointee.transfers }
    var recording: Bool { counters.pointee.recording }

    static let causeNone: UInt8 = 0
    static let causeOp: UInt8 = 1
    static let causeTransfer: UInt8 = 2
    /// Event keys: an op id for a finish, `arrivalFlag | transfer` for an arrival, so that at one
    /// instant finishes are applied first, in file order.
    static let arrivalFlag = 1 << 40

    private let allocations: [UnsafeMutableRawPointer]

    /// Allocates initialised buffers and remembers them for `deinit`.
    private struct Allocator {
        var allocations: [UnsafeMutableRawPointer] = []

        mutating func buffer<T>(_ count: Int, _ initial: T) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: initial, count: max(count, 1))
            allocations.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }

        mutating func copy<T>(_ array: [T]) -> UnsafeMutablePointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
            array.withUnsafeBufferPointer { source in
                if let base = source.baseAddress {
                    pointer.initialize(from: base, count: array.count)
                }
            }
            allocations.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }
    }

    init(graph: OperationGraph, cluster: Cluster, cost: CostModel) {
        precondition(
            graph.count < Int(Int32.max) && graph.edgeCount < Int(Int32.max),
            "graphs are limited to 2^31 ops and edges")
        let ops = graph.count
        let devices = cluster.deviceCount
        let channels = devices * devices
        let edges = graph.edgeCount
        opCount = ops
        deviceCount = devices
        channelCount = channels
        var allocator = Allocator()
        inputStart = allocator.copy(graph.inputStart.map { Int32($0) })
        inputOp = allocator.copy(graph.inputOp.map { Int32($0) })
        outputStart = allocator.copy(graph.outputStart.map { Int32($0) })
        outputOp = allocator.copy(graph.outputOp.map { Int32($0) })
        outputEdgeBytes = allocator.copy(graph.outputEdgeBytes)
        outputBytes = allocator.copy(graph.outputBytes)
        persistentBytes = allocator.copy(graph.persistentBytes)
        computeTime = allocator.copy(cost.computeTime)
        channelLatency = allocator.copy(cluster.channelLatencyMicroseconds)
        channelRate = allocator.copy(cluster.channelBytesPerMicrosecond)

        assignment = allocator.buffer(ops, UInt8(0))
        opState = allocator.buffer(ops, OpState())
        startTime = allocator.buffer(ops, 0.0)
        finishTime = allocator.buffer(ops, 0.0)
        startCauseKind = allocator.buffer(ops, UInt8(0))
        startCauseID = allocator.buffer(ops, -1)

        running = allocator.buffer(devices, -1)
        lastOnDevice = allocator.buffer(devices, -1)
        memory = allocator.buffer(devices, 0.0)
        peak = allocator.buffer(devices, 0.0)
        busy = allocator.buffer(devices, 0.0)
        sendBytes = allocator.buffer(devices, 0.0)
        deviceIsDirty = allocator.buffer(devices, false)
        dirtyDevices = allocator.buffer(devices, 0)
        readyBase = allocator.buffer(devices, 0)
        readyHead = allocator.buffer(devices, 0)
        readyTail = allocator.buffer(devices, 0)
        readyTimes = allocator.buffer(ops, 0.0)
        readyKeys = allocator.buffer(ops, 0)

        channelHead = allocator.buffer(channels, -1)
        channelTail = allocator.buffer(channels, -1)
        channelActive = allocator.buffer(channels, false)
        channelLast = allocator.buffer(channels, -1)
        channelBytes = allocator.buffer(channels, 0.0)
        channelBusy = allocator.buffer(channels, 0.0)
        channelIsDirty = allocator.buffer(channels, false)
        dirtyChannels = allocator.buffer(channels, 0)

        transferProducer = allocator.buffer(edges, 0)
        transferFrom = allocator.buffer(edges, 0)
        transferTo = allocator.buffer(edges, 0)
        transferBytes = allocator.buffer(edges, 0.0)
        transferStart = allocator.buffer(edges, 0.0)
        transferEnd = allocator.buffer(edges, 0.0)
        transferReferences = allocator.buffer(edges, 0)
        transferNext = allocator.buffer(edges, -1)
        transferCause = allocator.buffer(edges, -1)

        eventTimes = allocator.buffer(devices + channels + 1, 0.0)
        eventKeys = allocator.buffer(devices + channels + 1, 0)
        counters = allocator.buffer(1, Counters())
        allocations = allocator.allocations
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }
}
