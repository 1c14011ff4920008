/// The event loop. See `Simulator` for the semantics it implements.
extension SimulationWorkspace {
    /// Runs one step for the assignment already written into `assignment`.
    func run(recordTimeline: Bool) {
        reset(recordTimeline: recordTimeline)
        // Split the ready-queue slots by device, then seed persistent memory and the sources.
        for op in 0..<opCount { readyBase[Int(assignment[op])] += 1 }
        var offset = 0
        for device in 0..<deviceCount {
            let count = readyBase[device]
            readyBase[device] = offset
            readyHead[device] = offset
            readyTail[device] = offset
            offset += count
        }
        for op in 0..<opCount {
            let device = Int(assignment[op])
            memory[device] += persistentBytes[op]
            let inputs = inputStart[op + 1] - inputStart[op]
            opState[op].pending = inputs
            if inputs == 0 {
                makeReady(op, device: device, at: 0, causeKind: Self.causeNone, causeID: -1)
            }
        }
        for device in 0..<deviceCount {
            peak[device] = memory[device]
            if recording, memory[device] > 0 {
                memorySamples.append(.init(time: 0, device: device, bytes: memory[device]))
            }
        }
        var now = 0.0
        while true {
            startWork(at: now)
            if counters.pointee.events == 0 { break }
            now = eventTimes[0]
            repeat {
                let key = popEvent()
                if key & Self.arrivalFlag != 0 {
                    arrive(key & (Self.arrivalFlag - 1), at: now)
                } else {
                    finish(key, at: now)
                }
            } while counters.pointee.events > 0 && eventTimes[0] == now
        }
    }

    private func reset(recordTimeline: Bool) {
        memorySamples.removeAll(keepingCapacity: true)
        for device in 0..<deviceCount {
            running[device] = -1
            lastOnDevice[device] = -1
            memory[device] = 0
            busy[device] = 0
            readyBase[device] = 0
        }
        for channel in 0..<channelCount {
            channelHead[channel] = -1
            channelTail[channel] = -1
            channelActive[channel] = false
            channelLast[channel] = -1
            channelBytes[channel] = 0
            channelBusy[channel] = 0
        }
        counters.pointee = Counters(recording: recordTimeline)
    }

    // MARK: The event heap

    @inline(__always)
    private func less(_ timeA: Double, _ keyA: Int, _ timeB: Double, _ keyB: Int) -> Bool {
        timeA < timeB || (timeA == timeB && keyA < keyB)
    }

    /// Adds (time, key) to the heap of `count` entries at `times`/`keys`.
    @inline(__always)
    private func heapPush(
        _ times: UnsafeMutablePointer<Double>, _ keys: UnsafeMutablePointer<Int>, count: Int,
        time: Double, key: Int
    ) {
        var child = count
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

    /// Removes the top of a heap of `count` entries (count > 0) and returns its key.
    @inline(__always)
    private func heapPop(
        _ times: UnsafeMutablePointer<Double>, _ keys: UnsafeMutablePointer<Int>, count: Int
    ) -> Int {
        let top = keys[0]
        let remaining = count - 1
        guard remaining > 0 else { return top }
        let lastTime = times[remaining]
        let lastKey = keys[remaining]
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < remaining else { break }
            if child + 1 < remaining,
                less(times[child + 1], keys[child + 1], times[child], keys[child])
            {
                child += 1
            }
            guard less(times[child], keys[child], lastTime, lastKey) else { break }
            times[parent] = times[child]
            keys[parent] = keys[child]
            parent = child
        }
        times[parent] = lastTime
        keys[parent] = lastKey
        return top
    }

    @inline(__always)
    private func pushEvent(time: Double, key: Int) {
        heapPush(eventTimes, eventKeys, count: counters.pointee.events, time: time, key: key)
        counters.pointee.events += 1
    }

    @inline(__always)
    private func popEvent() -> Int {
        let key = heapPop(eventTimes, eventKeys, count: counters.pointee.events)
        counters.pointee.events -= 1
        return key
    }

    // MARK: Events

    @inline(__always)
    private func markDevice(_ device: Int) {
        if !deviceIsDirty[device] {
            deviceIsDirty[device] = true
            dirtyDevices[counters.pointee.dirtyDevices] = device
            counters.pointee.dirtyDevices += 1
        }
    }

    @inline(__always)
    private func markChannel(_ channel: Int) {
        if !channelIsDirty[channel] {
            channelIsDirty[channel] = true
            dirtyChannels[counters.pointee.dirtyChannels] = channel
            counters.pointee.dirtyChannels += 1
        }
    }

    @inline(__always)
    private func makeReady(_ op: Int, device: Int, at time: Double, causeKind: UInt8, causeID: Int)
    {
        opState[op].readyTime = time
        opState[op].readyCauseKind = causeKind
        opState[op].readyCauseID = Int32(truncatingIfNeeded: causeID)
        let head = readyHead[device]
        var slot = readyTail[device]
        while slot > head && readyTimes[slot - 1] == time && readyKeys[slot - 1] > op {
            readyTimes[slot] = readyTimes[slot - 1]
            readyKeys[slot] = readyKeys[slot - 1]
            slot -= 1
        }
        readyTimes[slot] = time
        readyKeys[slot] = op
        readyTail[device] += 1
        markDevice(device)
    }

    @inline(__always)
    private func allocate(_ bytes: Double, on device: Int, at time: Double) {
        guard bytes > 0 else { return }
        memory[device] += bytes
        if memory[device] > peak[device] { peak[device] = memory[device] }
        if recording {
            memorySamples.append(.init(time: time, device: device, bytes: memory[device]))
        }
    }

    @inline(__always)
    private func release(_ bytes: Double, on device: Int, at time: Double) {
        guard bytes > 0 else { return }
        memory[device] -= bytes
        if recording {
            memorySamples.append(.init(time: time, device: device, bytes: memory[device]))
        }
    }

    /// Starts what can start now: an op on every idle device with ready work, a transfer on every
    /// idle channel with queued sends.
    private func startWork(at now: Double) {
        for index in 0..<counters.pointee.dirtyDevices {
            let device = dirtyDevices[index]
            deviceIsDirty[device] = false
            let head = readyHead[device]
            guard running[device] < 0, head < readyTail[device] else { continue }
            let op = readyKeys[head]
            readyHead[device] = head + 1
            running[device] = op
            startTime[op] = now
            let duration = computeTime[op * deviceCount + device]
            pushEvent(time: now + duration, key: op)
            busy[device] += duration
            allocate(outputBytes[op], on: device, at: now)
            if now > opState[op].readyTime {
                startCauseKind[op] = Self.causeOp
                startCauseID[op] = lastOnDevice[device]
            } else {
                startCauseKind[op] = opState[op].readyCauseKind
                startCauseID[op] = Int(opState[op].readyCauseID)
            }
        }
        counters.pointee.dirtyDevices = 0

        for index in 0..<counters.pointee.dirtyChannels {
            let channel = dirtyChannels[index]
            channelIsDirty[channel] = false
            let transfer = channelHead[channel]
            guard !channelActive[channel], transfer >= 0 else { continue }
            channelHead[channel] = transferNext[transfer]
            if channelHead[channel] < 0 { channelTail[channel] = -1 }
            channelActive[channel] = true
            let duration = channelLatency[channel] + transferBytes[transfer] / channelRate[channel]
            transferStart[transfer] = now
            transferEnd[transfer] = now + duration
            transferCause[transfer] =
                now == finishTime[transferProducer[transfer]] ? -1 : channelLast[channel]
            channelLast[channel] = transfer
            channelBytes[channel] += transferBytes[transfer]
            channelBusy[channel] += duration
            pushEvent(time: now + duration, key: Self.arrivalFlag | transfer)
        }
        counters.pointee.dirtyChannels = 0
    }

    private func finish(_ op: Int, at now: Double) {
        let device = Int(assignment[op])
        running[device] = -1
        lastOnDevice[device] = op
        finishTime[op] = now
        markDevice(device)

        // Inputs this op was the last to need are freed.
        for edge in Int(inputStart[op])..<Int(inputStart[op + 1]) {
            let producer = Int(inputOp[edge])
            if Int(assignment[producer]) == device {
                releaseOutput(of: producer, at: now)
            } else {
                releaseReceived(from: producer, on: device, at: now)
            }
        }

        // Local consumers get the tensor now; each remote device gets one send.
        var localEdges = 0
        var remote: UInt64 = 0
        for edge in Int(outputStart[op])..<Int(outputStart[op + 1]) {
            let consumer = Int(outputOp[edge])
            let target = Int(assignment[consumer])
            if target == device {
                localEdges += 1
                opState[consumer].pending &-= 1
                if opState[consumer].pending == 0 {
                    makeReady(
                        consumer, device: target, at: now, causeKind: Self.causeOp, causeID: op)
                }
            } else {
                let bit: UInt64 = 1 << UInt64(target)
                if remote & bit == 0 {
                    remote |= bit
                    sendBytes[target] = outputEdgeBytes[edge]
                } else if outputEdgeBytes[edge] > sendBytes[target] {
                    sendBytes[target] = outputEdgeBytes[edge]
                }
            }
        }
        let sends = remote.nonzeroBitCount
        opState[op].firstTransfer = Int32(truncatingIfNeeded: counters.pointee.transfers)
        opState[op].transferCount = UInt8(truncatingIfNeeded: sends)
        opState[op].outputReferences = Int32(truncatingIfNeeded: localEdges + sends)
        while remote != 0 {
            let target = remote.trailingZeroBitCount
            remote &= remote - 1
            enqueueTransfer(of: op, from: device, to: target, bytes: sendBytes[target])
        }
        if opState[op].outputReferences == 0 { release(outputBytes[op], on: device, at: now) }
    }

    @inline(__always)
    private func enqueueTransfer(of producer: Int, from: Int, to: Int, bytes: Double) {
        let transfer = counters.pointee.transfers
        counters.pointee.transfers += 1
        transferProducer[transfer] = producer
        transferFrom[transfer] = from
        transferTo[transfer] = to
        transferBytes[transfer] = bytes
        transferReferences[transfer] = 0
        transferNext[transfer] = -1
        transferCause[transfer] = -1
        let channel = from * deviceCount + to
        if channelTail[channel] >= 0 {
            transferNext[channelTail[channel]] = transfer
        } else {
            channelHead[channel] = transfer
        }
        channelTail[channel] = transfer
        markChannel(channel)
    }

    private func arrive(_ transfer: Int, at now: Double) {
        let producer = transferProducer[transfer]
        let to = transferTo[transfer]
        let channel = transferFrom[transfer] * deviceCount + to
        channelActive[channel] = false
        markChannel(channel)
        releaseOutput(of: producer, at: now)
        allocate(transferBytes[transfer], on: to, at: now)
        var references = 0
        let target = UInt8(to)
        for edge in Int(outputStart[producer])..<Int(outputStart[producer + 1]) {
            let consumer = Int(outputOp[edge])
            guard assignment[consumer] == target else { continue }
            references += 1
            opState[consumer].pending &-= 1
            if opState[consumer].pending == 0 {
                makeReady(
                    consumer, device: to, at: now, causeKind: Self.causeTransfer, causeID: transfer)
            }
        }
        transferReferences[transfer] = references
    }

    @inline(__always)
    private func releaseOutput(of producer: Int, at now: Double) {
        opState[producer].outputReferences &-= 1
        if opState[producer].outputReferences == 0 {
            release(outputBytes[producer], on: Int(assignment[producer]), at: now)
        }
    }

    @inline(__always)
    private func releaseReceived(from producer: Int, on device: Int, at now: Double) {
        var transfer = Int(opState[producer].firstTransfer)
        let end = transfer + Int(opState[producer].transferCount)
        while transfer < end && transferTo[transfer] != device { transfer += 1 }
        transferReferences[transfer] -= 1
        if transferReferences[transfer] == 0 {
            release(transferBytes[transfer], on: device, at: now)
        }
    }
}
