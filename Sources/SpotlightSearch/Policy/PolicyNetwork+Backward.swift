import RealModule

extension PolicyNetwork {
    /// Backpropagation through time: the gradient of a loss with respect to every parameter,
    /// given the loss's gradient with respect to the output logits of each (stage, sample)
    /// (`logitGradient[(stage * K + sample) * devices + device]`). Pinned stages pass no gradient
    /// through their output; masked devices carry none.
    public func backward(_ trace: PolicyTrace<Scalar>, logitGradient: [Scalar]) -> [Scalar] {
        let stages = trace.stageCount, samples = trace.sampleCount, hiddenSize = hiddenSize, devices = deviceCount
        let inputWidth = inputSize, gateWidth = 4 * hiddenSize
        var gradient = [Scalar](repeating: 0, count: parameterCount)
        // Gradient flowing into h and c of each sample from the stage after, and scratch.
        let hiddenGradient = UnsafeMutablePointer<Scalar>.allocate(capacity: samples * hiddenSize)
        let cellGradient = UnsafeMutablePointer<Scalar>.allocate(capacity: samples * hiddenSize)
        let gateGradient = UnsafeMutablePointer<Scalar>.allocate(capacity: gateWidth)
        let dh = UnsafeMutablePointer<Scalar>.allocate(capacity: hiddenSize)
        hiddenGradient.initialize(repeating: 0, count: samples * hiddenSize)
        cellGradient.initialize(repeating: 0, count: samples * hiddenSize)
        defer { for pointer in [hiddenGradient, cellGradient, gateGradient, dh] { pointer.deallocate() } }
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
                    for sample in 0..<samples {
                        let row = stage * samples + sample
                        let h = hidden + row * hiddenSize, z = gates + row * gateWidth, x = inputs + row * inputWidth
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
                        let previousRow = stage == 0 ? -1 : (stage - 1) * samples + sample
                        let previousCell = cells + max(previousRow, 0) * hiddenSize
                        let previousHidden = hidden + max(previousRow, 0) * hiddenSize
                        for unit in 0..<hiddenSize {
                            let inputGate = z[unit], forgetGate = z[hiddenSize + unit]
                            let cellGate = z[2 * hiddenSize + unit], outputGate = z[3 * hiddenSize + unit]
                            let tanhCell = t[unit]
                            let dc = sampleCell[unit] + dh[unit] * outputGate * (1 - tanhCell * tanhCell)
                            let oldCell = previousRow >= 0 ? previousCell[unit] : 0
                            gateGradient[unit] = dc * cellGate * inputGate * (1 - inputGate)
                            gateGradient[hiddenSize + unit] = dc * oldCell * forgetGate * (1 - forgetGate)
                            gateGradient[2 * hiddenSize + unit] = dc * inputGate * (1 - cellGate * cellGate)
                            gateGradient[3 * hiddenSize + unit] = dh[unit] * tanhCell * outputGate * (1 - outputGate)
                            sampleCell[unit] = dc * forgetGate
                        }
                        // Into the weights, the input (embedding) and the previous hidden state.
                        for unit in 0..<hiddenSize { sampleHidden[unit] = 0 }
                        let previousAction = stage == 0 ? devices : trace.actions[(stage - 1) * samples + sample]
                        let dEmbeddingRow = dEmbedding + previousAction * embeddingSize
                        for gate in 0..<gateWidth {
                            let d = gateGradient[gate]
                            guard d != 0 else { continue }
                            dGateBias[gate] += d
                            axpy(d, x, dInputWeights + gate * inputWidth, inputWidth)
                            axpy(d, inputWeights + gate * inputWidth + featureCount, dEmbeddingRow, embeddingSize)
                            if previousRow >= 0 {
                                axpy(d, previousHidden, dRecurrentWeights + gate * hiddenSize, hiddenSize)
                                axpy(d, recurrentWeights + gate * hiddenSize, sampleHidden, hiddenSize)
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
