import RealModule

extension PolicyNetwork {
    /// Backpropagation through time: the gradient of a loss with respect to every parameter,
    /// given the loss's gradient with respect to the output logits of each (stage, sample)
    /// (`logitGradient[(stage * K + sample) * devices + device]`). Pinned stages pass no gradient
    /// through their output; masked devices carry none.
    @_specialize(where Scalar == Float)
    public func backward(_ trace: PolicyTrace<Scalar>, logitGradient: [Scalar]) -> [Scalar] {
        let stages = trace.stageCount, samples = trace.sampleCount, hiddenSize = hiddenSize, devices = deviceCount
        let inputWidth = inputSize, gateWidth = 4 * hiddenSize
        var gradient = [Scalar](repeating: 0, count: parameterCount)
        // Gradient flowing into h and c of each sample from the stage after, and scratch.
        let hiddenGradient = UnsafeMutablePointer<Scalar>.allocate(capacity: samples * hiddenSize)
        let cellGradient = UnsafeMutablePointer<Scalar>.allocate(capacity: samples * hiddenSize)
        let stageGateGradient = UnsafeMutablePointer<Scalar>.allocate(capacity: samples * gateWidth)
        let dh = UnsafeMutablePointer<Scalar>.allocate(capacity: hiddenSize)
        hiddenGradient.initialize(repeating: 0, count: samples * hiddenSize)
        cellGradient.initialize(repeating: 0, count: samples * hiddenSize)
        defer { for pointer in [hiddenGradient, cellGradient, stageGateGradient, dh] { pointer.deallocate() } }
        let inputs = trace.storage.inputs, gates = trace.storage.gates, cells = trace.storage.cells
        let cellTanh = trace.storage.cellTanh, hidden = trace.storage.hidden

        parameters.withUnsafeBufferPointer { theta in
            gradient.withUnsafeMutableBufferPointer { grad in
                logitGradient.withUnsafeBufferPointer { logitGradient in
                let inputWeights = theta.baseAddress! + inputWeightsOffset
                let recurrentWeights = theta.baseAddress! + recurrentWeightsOffset
                let outputWeights = theta.baseAddress! + outputWeightsOffset
                let dEmbedding = grad.baseAddress! + embeddingOffset
                let dInputWeights = grad.baseAddress! + inputWeightsOffset
                let dRecurrentWeights = grad.baseAddress! + recurrentWeightsOffset
                let dGateBias = grad.baseAddress! + gateBiasOffset
                let dOutputWeights = grad.baseAddress! + outputWeightsOffset
                let dOutputBias = grad.baseAddress! + outputBiasOffset
                for stage in stride(from: stages - 1, through: 0, by: -1) {
                    let firstRow = stage * samples
                    // Per sample: the output layer, then the gate gradients into stageGateGradient.
                    for sample in 0..<samples {
                        let row = firstRow + sample
                        let h = hidden + row * hiddenSize, z = gates + row * gateWidth
                        let t = cellTanh + row * hiddenSize, p = row * devices
                        let sampleHidden = hiddenGradient + sample * hiddenSize, sampleCell = cellGradient + sample * hiddenSize
                        for unit in 0..<hiddenSize { dh[unit] = sampleHidden[unit] }
                        if !trace.pinned[stage] {
                            for device in 0..<devices {
                                let d = logitGradient[p + device]
                                guard d != 0 else { continue }
                                dOutputBias[device] += d
                                axpy(d, h, dOutputWeights + device * hiddenSize, hiddenSize)
                                axpy(d, outputWeights + device * hiddenSize, dh, hiddenSize)
                            }
                        }
                        let previousCell = cells + max(row - samples, 0) * hiddenSize
                        let gateGradient = stageGateGradient + sample * gateWidth
                        for unit in 0..<hiddenSize {
                            let inputGate = z[unit], forgetGate = z[hiddenSize + unit]
                            let cellGate = z[2 * hiddenSize + unit], outputGate = z[3 * hiddenSize + unit]
                            let tanhCell = t[unit]
                            let dc = sampleCell[unit] + dh[unit] * outputGate * (1 - tanhCell * tanhCell)
                            let oldCell = stage > 0 ? previousCell[unit] : 0
                            gateGradient[unit] = dc * cellGate * inputGate * (1 - inputGate)
                            gateGradient[hiddenSize + unit] = dc * oldCell * forgetGate * (1 - forgetGate)
                            gateGradient[2 * hiddenSize + unit] = dc * inputGate * (1 - cellGate * cellGate)
                            gateGradient[3 * hiddenSize + unit] = dh[unit] * tanhCell * outputGate * (1 - outputGate)
                            sampleCell[unit] = dc * forgetGate
                        }
                        for unit in 0..<hiddenSize { sampleHidden[unit] = 0 }
                    }
                    // Into the weights, the embeddings and the previous hidden states, one weight row at
                    // a time for all samples, so that each row and its gradient stay in cache.
                    for gate in 0..<gateWidth {
                        let w = inputWeights + gate * inputWidth, dw = dInputWeights + gate * inputWidth
                        let u = recurrentWeights + gate * hiddenSize, du = dRecurrentWeights + gate * hiddenSize
                        for sample in 0..<samples {
                            let d = stageGateGradient[sample * gateWidth + gate]
                            guard d != 0 else { continue }
                            let row = firstRow + sample
                            dGateBias[gate] += d
                            axpy(d, inputs + row * inputWidth, dw, inputWidth)
                            let previousAction = stage == 0 ? devices : trace.actions[row - samples]
                            axpy(d, w + featureCount, dEmbedding + previousAction * embeddingSize, embeddingSize)
                            if stage > 0 {
                                axpy(d, hidden + (row - samples) * hiddenSize, du, hiddenSize)
                                axpy(d, u, hiddenGradient + sample * hiddenSize, hiddenSize)
                            }
                        }
                    }
                }
                }
            }
        }
        return gradient
    }
}
