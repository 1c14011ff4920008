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
        // Gradient flowing into h and c of each sample from the stage after.
        var hiddenGradient = [Scalar](repeating: 0, count: samples * hiddenSize)
        var cellGradient = [Scalar](repeating: 0, count: samples * hiddenSize)
        var gateGradient = [Scalar](repeating: 0, count: gateWidth)
        var dh = [Scalar](repeating: 0, count: hiddenSize)

        parameters.withUnsafeBufferPointer { theta in
            gradient.withUnsafeMutableBufferPointer { grad in
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
                        let h = row * hiddenSize, g = row * gateWidth, x = row * inputWidth, p = row * devices
                        for unit in 0..<hiddenSize { dh[unit] = hiddenGradient[sample * hiddenSize + unit] }
                        if !trace.pinned[stage] {
                            for device in 0..<devices {
                                let d = logitGradient[p + device]
                                guard d != 0 else { continue }
                                dOutputBias[device] += d
                                let v = outputWeights + device * hiddenSize
                                let dv = dOutputWeights + device * hiddenSize
                                for unit in 0..<hiddenSize {
                                    dv[unit] += d * trace.hidden[h + unit]
                                    dh[unit] += d * v[unit]
                                }
                            }
                        }
                        let previous = stage == 0 ? -1 : ((stage - 1) * samples + sample) * hiddenSize
                        for unit in 0..<hiddenSize {
                            let inputGate = trace.gates[g + unit]
                            let forgetGate = trace.gates[g + hiddenSize + unit]
                            let cellGate = trace.gates[g + 2 * hiddenSize + unit]
                            let outputGate = trace.gates[g + 3 * hiddenSize + unit]
                            let tanhCell = trace.cellTanh[h + unit]
                            let dc = cellGradient[sample * hiddenSize + unit] + dh[unit] * outputGate * (1 - tanhCell * tanhCell)
                            let previousCell = previous >= 0 ? trace.cells[previous + unit] : 0
                            gateGradient[unit] = dc * cellGate * inputGate * (1 - inputGate)
                            gateGradient[hiddenSize + unit] = dc * previousCell * forgetGate * (1 - forgetGate)
                            gateGradient[2 * hiddenSize + unit] = dc * inputGate * (1 - cellGate * cellGate)
                            gateGradient[3 * hiddenSize + unit] = dh[unit] * tanhCell * outputGate * (1 - outputGate)
                            cellGradient[sample * hiddenSize + unit] = dc * forgetGate
                        }
                        // Into the weights, the input (embedding) and the previous hidden state.
                        for unit in 0..<hiddenSize { hiddenGradient[sample * hiddenSize + unit] = 0 }
                        let previousAction = stage == 0 ? devices : trace.actions[(stage - 1) * samples + sample]
                        for gate in 0..<gateWidth {
                            let d = gateGradient[gate]
                            guard d != 0 else { continue }
                            dGateBias[gate] += d
                            let w = inputWeights + gate * inputWidth
                            let dw = dInputWeights + gate * inputWidth
                            for column in 0..<inputWidth { dw[column] += d * trace.inputs[x + column] }
                            for unit in 0..<embeddingSize {
                                dEmbedding[previousAction * embeddingSize + unit] += d * w[featureCount + unit]
                            }
                            if previous >= 0 {
                                let u = recurrentWeights + gate * hiddenSize
                                let du = dRecurrentWeights + gate * hiddenSize
                                for column in 0..<hiddenSize {
                                    du[column] += d * trace.hidden[previous + column]
                                    hiddenGradient[sample * hiddenSize + column] += d * u[column]
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
