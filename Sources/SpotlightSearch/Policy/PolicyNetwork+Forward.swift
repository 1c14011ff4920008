import RealModule
import SpotlightModel

/// Everything one forward pass over K samples keeps for the backward pass, in flat arrays
/// indexed `[(stage * K + sample) * width + unit]`.
public struct PolicyTrace<Scalar: Real & BinaryFloatingPoint & Sendable>: Sendable {
    public let stageCount: Int
    public let sampleCount: Int
    /// The device chosen at each (stage, sample).
    public var actions: [Int]
    /// q(a | s) over devices at each (stage, sample); 0 for masked devices.
    public var probabilities: [Scalar]
    var inputs: [Scalar]
    /// Gate activations in the order input, forget, cell, output.
    var gates: [Scalar]
    var cells: [Scalar]
    var cellTanh: [Scalar]
    var hidden: [Scalar]
    /// Stages whose device was forced by a pin (no gradient flows to their output).
    var pinned: [Bool]

    /// The device chosen at `stage` by `sample`.
    public func action(stage: Int, sample: Int) -> Int { actions[stage * sampleCount + sample] }
}

extension PolicyNetwork {
    @inline(__always)
    static func sigmoid(_ x: Scalar) -> Scalar { 1 / (1 + Scalar.exp(-x)) }

    /// Runs the policy over all stages for `sampleCount` samples.
    ///
    /// With `actions` (stage-major, `[stage * K + sample]`) the pass is teacher-forced: it scores
    /// those choices. Without, it samples each stage's device from q with `random`. `pins[stage]`
    /// >= 0 forces that stage's device (probability 1).
    public func forward(
        _ inputs: PolicyInputs, sampleCount: Int, pins: [Int], actions given: [Int]? = nil, random: inout SplitMix64
    ) -> PolicyTrace<Scalar> {
        let stages = inputs.stageCount, samples = sampleCount, hiddenSize = hiddenSize, devices = deviceCount
        let inputWidth = inputSize, gateWidth = 4 * hiddenSize
        precondition(inputs.featureCount == featureCount, "feature width mismatch")
        precondition(given == nil || given!.count == stages * samples)
        var trace = PolicyTrace<Scalar>(
            stageCount: stages, sampleCount: samples,
            actions: given ?? [Int](repeating: 0, count: stages * samples),
            probabilities: [Scalar](repeating: 0, count: stages * samples * devices),
            inputs: [Scalar](repeating: 0, count: stages * samples * inputWidth),
            gates: [Scalar](repeating: 0, count: stages * samples * gateWidth),
            cells: [Scalar](repeating: 0, count: stages * samples * hiddenSize),
            cellTanh: [Scalar](repeating: 0, count: stages * samples * hiddenSize),
            hidden: [Scalar](repeating: 0, count: stages * samples * hiddenSize),
            pinned: (0..<stages).map { pins.indices.contains($0) && pins[$0] >= 0 })
        var logits = [Scalar](repeating: 0, count: devices)

        parameters.withUnsafeBufferPointer { theta in
            let embedding = theta.baseAddress! + embeddingOffset
            let inputWeights = theta.baseAddress! + inputWeightsOffset
            let recurrentWeights = theta.baseAddress! + recurrentWeightsOffset
            let gateBias = theta.baseAddress! + gateBiasOffset
            let outputWeights = theta.baseAddress! + outputWeightsOffset
            let outputBias = theta.baseAddress! + outputBiasOffset
            for stage in 0..<stages {
                for sample in 0..<samples {
                    let row = stage * samples + sample
                    // Input: features, then the embedding of the previous choice (or the start token).
                    let previous = stage == 0 ? devices : trace.actions[(stage - 1) * samples + sample]
                    let x = row * inputWidth
                    for feature in 0..<featureCount {
                        trace.inputs[x + feature] = Scalar(inputs.features[stage * featureCount + feature])
                    }
                    for unit in 0..<embeddingSize {
                        trace.inputs[x + featureCount + unit] = embedding[previous * embeddingSize + unit]
                    }
                    // Gates: W x + U h_prev + b.
                    let g = row * gateWidth
                    let previousHidden = stage == 0 ? -1 : ((stage - 1) * samples + sample) * hiddenSize
                    for gate in 0..<gateWidth {
                        var sum = gateBias[gate]
                        let w = inputWeights + gate * inputWidth
                        for column in 0..<inputWidth { sum += w[column] * trace.inputs[x + column] }
                        if previousHidden >= 0 {
                            let u = recurrentWeights + gate * hiddenSize
                            for column in 0..<hiddenSize { sum += u[column] * trace.hidden[previousHidden + column] }
                        }
                        trace.gates[g + gate] = sum
                    }
                    let h = row * hiddenSize
                    for unit in 0..<hiddenSize {
                        let inputGate = Self.sigmoid(trace.gates[g + unit])
                        let forgetGate = Self.sigmoid(trace.gates[g + hiddenSize + unit])
                        let cellGate = Scalar.tanh(trace.gates[g + 2 * hiddenSize + unit])
                        let outputGate = Self.sigmoid(trace.gates[g + 3 * hiddenSize + unit])
                        trace.gates[g + unit] = inputGate
                        trace.gates[g + hiddenSize + unit] = forgetGate
                        trace.gates[g + 2 * hiddenSize + unit] = cellGate
                        trace.gates[g + 3 * hiddenSize + unit] = outputGate
                        let previousCell = previousHidden >= 0 ? trace.cells[previousHidden + unit] : 0
                        let cell = forgetGate * previousCell + inputGate * cellGate
                        trace.cells[h + unit] = cell
                        trace.cellTanh[h + unit] = Scalar.tanh(cell)
                        trace.hidden[h + unit] = outputGate * trace.cellTanh[h + unit]
                    }
                    // Output: masked softmax over devices, or the pinned device.
                    let p = row * devices
                    if trace.pinned[stage] {
                        let device = pins[stage]
                        trace.probabilities[p + device] = 1
                        trace.actions[row] = device
                        continue
                    }
                    let allowed = inputs.allowedDevices[stage]
                    var largest = -Scalar.infinity
                    for device in 0..<devices where allowed & (1 << UInt64(device)) != 0 {
                        var sum = outputBias[device]
                        let v = outputWeights + device * hiddenSize
                        for unit in 0..<hiddenSize { sum += v[unit] * trace.hidden[h + unit] }
                        logits[device] = sum
                        largest = max(largest, sum)
                    }
                    var total: Scalar = 0
                    for device in 0..<devices where allowed & (1 << UInt64(device)) != 0 {
                        let value = Scalar.exp(logits[device] - largest)
                        trace.probabilities[p + device] = value
                        total += value
                    }
                    for device in 0..<devices { trace.probabilities[p + device] /= total }
                    if given == nil {
                        var target = Scalar(random.nextUnit()), chosen = -1
                        for device in 0..<devices where trace.probabilities[p + device] > 0 {
                            chosen = device
                            target -= trace.probabilities[p + device]
                            if target < 0 { break }
                        }
                        trace.actions[row] = chosen
                    }
                }
            }
        }
        return trace
    }
}
