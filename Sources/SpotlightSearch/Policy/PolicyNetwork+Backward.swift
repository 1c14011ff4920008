import RealModule

extension PolicyNetwork {
    /// Backpropagation through time: the gradient of a loss with respect to every parameter,
    /// given the loss's gradient with respect to the output logits of each (stage, sample)
    /// (`logitGradient[(stage * K + sample) * devices + device]`). Pinned stages pass no gradient
    /// through their output; masked devices carry none.
    ///
    /// The walk back over the stages does only what is sequential, for groups of samples on up to
    /// `parallelism` cores: each row's gate gradients and, from a stage's, the gradient of the
    /// previous hidden states. Every weight gradient is a sum over all rows of those gradients
    /// times the rows' inputs, taken afterwards as a few large matrix products.
    @_specialize(where Scalar == Float)
    public func backward(
        _ trace: PolicyTrace<Scalar>, logitGradient: [Scalar],
        parallelism: Int = ProcessInfoCores.count
    ) -> [Scalar] {
        let stages = trace.stageCount
        let samples = trace.sampleCount
        let hiddenSize = hiddenSize
        let gateWidth = 4 * hiddenSize
        precondition(
            logitGradient.count == stages * samples * deviceCount,
            "a logit gradient for every row and device")
        var gradient = [Scalar](repeating: 0, count: parameterCount)
        let gateGradients = UnsafeMutablePointer<Scalar>.allocate(
            capacity: max(stages * samples * gateWidth, 1))
        let recurrentTransposed = UnsafeMutablePointer<Scalar>.allocate(
            capacity: hiddenSize * gateWidth)
        defer {
            gateGradients.deallocate()
            recurrentTransposed.deallocate()
        }
        parameters.withUnsafeBufferPointer { theta in
            transpose(
                theta.baseAddress! + recurrentWeightsOffset, rows: gateWidth, columns: hiddenSize,
                stride: hiddenSize,
                into: recurrentTransposed)
            logitGradient.withUnsafeBufferPointer { logitGradient in
                let walk = BackwardWalk(
                    network: self, trace: trace, theta: theta.baseAddress!,
                    logitGradient: logitGradient.baseAddress!,
                    recurrentTransposed: recurrentTransposed, gateGradients: gateGradients)
                WorkSplit(count: samples, parallelism: parallelism, minimumPart: 4).runInParallel {
                    walk.run(samples: $0)
                }
                gradient.withUnsafeMutableBufferPointer { grad in
                    accumulateWeightGradients(
                        trace: trace, logitGradient: logitGradient.baseAddress!,
                        gateGradients: gateGradients,
                        theta: theta.baseAddress!, gradient: grad.baseAddress!,
                        parallelism: parallelism)
                }
            }
        }
        return gradient
    }

    /// The weight gradients from the gradients at every row's logits and gates: the output layer's
    /// from the logit gradients and hidden states, the stage logits' their sums per stage; `b`'s,
    /// the sum of the gate gradients; `U`'s, their products with the rows' previous hidden states;
    /// the feature part of `W`, the products of each stage's summed gradients with its features;
    /// the embedding part of `W` and the embeddings, the products of each previous device's summed
    /// gradients.
    @_specialize(where Scalar == Float)
    func accumulateWeightGradients(
        trace: PolicyTrace<Scalar>, logitGradient: UnsafePointer<Scalar>,
        gateGradients: UnsafePointer<Scalar>,
        theta: UnsafePointer<Scalar>, gradient: UnsafeMutablePointer<Scalar>, parallelism: Int
    ) {
        let stages = trace.stageCount
        let samples = trace.sampleCount
        let hiddenSize = hiddenSize
        let devices = deviceCount
        let features = featureCount
        let inputWidth = inputSize
        let gateWidth = 4 * hiddenSize
        let rows = stages * samples
        let dInputWeights = gradient + inputWeightsOffset
        func buffer(_ count: Int) -> UnsafeMutablePointer<Scalar> {
            .allocate(capacity: max(count, 1))
        }
        let hiddenColumns = buffer(hiddenSize * rows)
        let logitColumns = buffer(devices * rows)
        let stageSums = buffer(stages * gateWidth)
        let deviceSums = buffer((devices + 1) * gateWidth)
        defer {
            for pointer in [hiddenColumns, logitColumns, stageSums, deviceSums] {
                pointer.deallocate()
            }
        }

        // The output layer: dV += dLᵀ H and the bias its column sums, over rows of free stages.
        transpose(
            trace.storage.hidden, rows: rows, columns: hiddenSize, stride: hiddenSize,
            into: hiddenColumns)
        transpose(logitGradient, rows: rows, columns: devices, stride: devices, into: logitColumns)
        for stage in 0..<stages where trace.pinned[stage] {
            for device in 0..<devices {
                (logitColumns + device * rows + stage * samples).update(
                    repeating: 0, count: samples)
            }
        }
        multiplyTransposed(
            logitColumns, rows: devices, stride: rows, hiddenColumns, rows: hiddenSize,
            stride: rows, depth: rows,
            into: gradient + outputWeightsOffset, stride: hiddenSize, accumulate: true)
        for device in 0..<devices {
            var sum: Scalar = 0
            for row in 0..<rows { sum += logitColumns[device * rows + row] }
            gradient[outputBiasOffset + device] += sum
        }
        // A stage's own logits: their gradient is the sum of its rows' logit gradients.
        for stage in 0..<min(stages, stageLogitCount) {
            for device in 0..<devices {
                var sum: Scalar = 0
                for sample in 0..<samples {
                    sum += logitColumns[device * rows + stage * samples + sample]
                }
                gradient[stageLogitsOffset + stage * devices + device] += sum
            }
        }

        // Gate gradients summed per stage (for b and the features) and per previous device.
        stageSums.initialize(repeating: 0, count: stages * gateWidth)
        deviceSums.initialize(repeating: 0, count: (devices + 1) * gateWidth)
        for stage in 0..<stages {
            for sample in 0..<samples {
                let row = stage * samples + sample
                let previous = stage == 0 ? devices : trace.actions[row - samples]
                axpy(1, gateGradients + row * gateWidth, stageSums + stage * gateWidth, gateWidth)
                axpy(
                    1, gateGradients + row * gateWidth, deviceSums + previous * gateWidth, gateWidth
                )
            }
            axpy(1, stageSums + stage * gateWidth, gradient + gateBiasOffset, gateWidth)
        }

        // dU += dGᵀ H_prev over every row after the first stage, split by gate rows over cores.
        let recurrentRows = rows - samples
        if recurrentRows > 0 {
            let gradientColumns = buffer(gateWidth * recurrentRows)
            defer { gradientColumns.deallocate() }
            transpose(
                gateGradients + samples * gateWidth, rows: recurrentRows, columns: gateWidth,
                stride: gateWidth, into: gradientColumns)
            let product = SharedProduct(
                a: gradientColumns, b: hiddenColumns, c: gradient + recurrentWeightsOffset)
            WorkSplit(count: gateWidth, parallelism: parallelism, minimumPart: 16).runInParallel {
                gates in
                multiplyTransposed(
                    product.a + gates.lowerBound * recurrentRows, rows: gates.count,
                    stride: recurrentRows,
                    product.b, rows: hiddenSize, stride: rows, depth: recurrentRows,
                    into: product.c + gates.lowerBound * hiddenSize, stride: hiddenSize,
                    accumulate: true)
            }
        }

        // The feature columns of W: summed per stage (every sample of a stage sees its features).
        let stageColumns = buffer(gateWidth * stages)
        let featureColumns = buffer(features * stages)
        defer {
            stageColumns.deallocate()
            featureColumns.deallocate()
        }
        transpose(
            stageSums, rows: stages, columns: gateWidth, stride: gateWidth, into: stageColumns)
        for stage in 0..<stages {
            for feature in 0..<features {
                featureColumns[feature * stages + stage] = Scalar(
                    trace.features[stage * features + feature])
            }
        }
        multiplyTransposed(
            stageColumns, rows: gateWidth, stride: stages, featureColumns, rows: features,
            stride: stages,
            depth: stages, into: dInputWeights, stride: inputWidth, accumulate: true)

        // W's embedding columns and the embeddings, via each previous device's summed gradients.
        let embedding = theta + embeddingOffset
        let inputWeights = theta + inputWeightsOffset
        for gate in 0..<gateWidth {
            let w = inputWeights + gate * inputWidth + features
            let dw = dInputWeights + gate * inputWidth + features
            for token in 0...devices {
                let d = deviceSums[token * gateWidth + gate]
                guard d != 0 else { continue }
                axpy(d, embedding + token * embeddingSize, dw, embeddingSize)
                axpy(d, w, gradient + embeddingOffset + token * embeddingSize, embeddingSize)
            }
        }
    }
}

/// The operands of a matrix product that several threads compute, each its own rows of `c`.
private struct SharedProduct<Scalar>: @unchecked Sendable {
    let a: UnsafePointer<Scalar>
    let b: UnsafePointer<Scalar>
    let c: UnsafeMutablePointer<Scalar>

    init(
        a: UnsafeMutablePointer<Scalar>, b: UnsafeMutablePointer<Scalar>,
        c: UnsafeMutablePointer<Scalar>
    ) {
        self.a = UnsafePointer(a)
        self.b = UnsafePointer(b)
        self.c = c
    }
}

/// The sequential part of one backward pass, for a group of samples: walking the stages from the
/// last, each row's gate gradients (from the logit gradient and what flows back from the stage
/// after), and the gradients of the previous stage's hidden states. Groups write disjoint rows.
private struct BackwardWalk<Scalar: Real & BinaryFloatingPoint & SIMDScalar & Sendable>:
    @unchecked Sendable
{
    let network: PolicyNetwork<Scalar>
    let trace: PolicyTrace<Scalar>
    let theta: UnsafePointer<Scalar>
    let logitGradient: UnsafePointer<Scalar>
    let recurrentTransposed: UnsafePointer<Scalar>
    let gateGradients: UnsafeMutablePointer<Scalar>

    init(
        network: PolicyNetwork<Scalar>, trace: PolicyTrace<Scalar>, theta: UnsafePointer<Scalar>,
        logitGradient: UnsafePointer<Scalar>,
        recurrentTransposed: UnsafeMutablePointer<Scalar>,
        gateGradients: UnsafeMutablePointer<Scalar>
    ) {
        self.network = network
        self.trace = trace
        self.theta = theta
        self.logitGradient = logitGradient
        self.recurrentTransposed = UnsafePointer(recurrentTransposed)
        self.gateGradients = gateGradients
    }

    func run(samples group: Range<Int>) {
        let samples = trace.sampleCount
        let hiddenSize = network.hiddenSize
        let gateWidth = 4 * hiddenSize
        let devices = network.deviceCount
        let gates = trace.storage.gates
        let cells = trace.storage.cells
        let cellTanh = trace.storage.cellTanh
        let outputWeights = theta + network.outputWeightsOffset
        // Gradients into h and c of each sample of the group from the stage after.
        let hiddenGradient = UnsafeMutablePointer<Scalar>.allocate(
            capacity: group.count * hiddenSize)
        let cellGradient = UnsafeMutablePointer<Scalar>.allocate(capacity: group.count * hiddenSize)
        hiddenGradient.initialize(repeating: 0, count: group.count * hiddenSize)
        cellGradient.initialize(repeating: 0, count: group.count * hiddenSize)
        defer {
            hiddenGradient.deallocate()
            cellGradient.deallocate()
        }
        for stage in stride(from: trace.stageCount - 1, through: 0, by: -1) {
            let firstRow = stage * samples + group.lowerBound
            for member in 0..<group.count {
                let row = firstRow + member
                let z = gates + row * gateWidth
                let t = cellTanh + row * hiddenSize
                let p = row * devices
                let dh = hiddenGradient + member * hiddenSize
                let dc = cellGradient + member * hiddenSize
                if !trace.pinned[stage] {
                    for device in 0..<devices where logitGradient[p + device] != 0 {
                        axpy(
                            logitGradient[p + device], outputWeights + device * hiddenSize, dh,
                            hiddenSize)
                    }
                }
                let previousCell = cells + max(row - samples, 0) * hiddenSize
                let dz = gateGradients + row * gateWidth
                for unit in 0..<hiddenSize {
                    let inputGate = z[unit]
                    let forgetGate = z[hiddenSize + unit]
                    let cellGate = z[2 * hiddenSize + unit]
                    let outputGate = z[3 * hiddenSize + unit]
                    let tanhCell = t[unit]
                    let cellSum = dc[unit] + dh[unit] * outputGate * (1 - tanhCell * tanhCell)
                    let oldCell = stage > 0 ? previousCell[unit] : 0
                    dz[unit] = cellSum * cellGate * inputGate * (1 - inputGate)
                    dz[hiddenSize + unit] = cellSum * oldCell * forgetGate * (1 - forgetGate)
                    dz[2 * hiddenSize + unit] = cellSum * inputGate * (1 - cellGate * cellGate)
                    dz[3 * hiddenSize + unit] = dh[unit] * tanhCell * outputGate * (1 - outputGate)
                    dc[unit] = cellSum * forgetGate
                }
            }
            // dh_prev = dG U for the group's rows of this stage.
            if stage > 0 {
                multiplyTransposed(
                    gateGradients + firstRow * gateWidth, rows: group.count, stride: gateWidth,
                    recurrentTransposed, rows: hiddenSize, stride: gateWidth, depth: gateWidth,
                    into: hiddenGradient, stride: hiddenSize, accumulate: false)
            }
        }
    }
}
