import RealModule
import SpotlightModel

/// The per-unit activations of one forward pass, in raw buffers so that the hot loops run over
/// pointers (no bounds checks, vectorisable). Written once by `forward`, then only read.
final class PolicyTraceStorage<Scalar: Real & BinaryFloatingPoint & SIMDScalar & Sendable>: @unchecked Sendable {
    let inputs: UnsafeMutablePointer<Scalar>
    /// Gate activations in the order input, forget, cell, output.
    let gates: UnsafeMutablePointer<Scalar>
    let cells: UnsafeMutablePointer<Scalar>
    let cellTanh: UnsafeMutablePointer<Scalar>
    let hidden: UnsafeMutablePointer<Scalar>

    init(rows: Int, inputWidth: Int, hiddenSize: Int) {
        func buffer(_ count: Int) -> UnsafeMutablePointer<Scalar> {
            let pointer = UnsafeMutablePointer<Scalar>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            return pointer
        }
        inputs = buffer(rows * inputWidth)
        gates = buffer(rows * 4 * hiddenSize)
        cells = buffer(rows * hiddenSize)
        cellTanh = buffer(rows * hiddenSize)
        hidden = buffer(rows * hiddenSize)
    }

    deinit {
        for pointer in [inputs, gates, cells, cellTanh, hidden] { pointer.deallocate() }
    }
}

/// Everything one forward pass over K samples keeps for the backward pass, indexed
/// `[(stage * K + sample) * width + unit]`.
public struct PolicyTrace<Scalar: Real & BinaryFloatingPoint & SIMDScalar & Sendable>: Sendable {
    public let stageCount: Int
    public let sampleCount: Int
    /// The device chosen at each (stage, sample).
    public var actions: [Int]
    /// q(a | s) over devices at each (stage, sample); 0 for masked devices.
    public var probabilities: [Scalar]
    let storage: PolicyTraceStorage<Scalar>
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
    /// >= 0 forces that stage's device (probability 1). With `greedy`, each stage takes its most
    /// likely device instead of a sample.
    @_specialize(where Scalar == Float)
    public func forward(
        _ inputs: PolicyInputs, sampleCount: Int, pins: [Int], actions given: [Int]? = nil, greedy: Bool = false,
        random: inout SplitMix64
    ) -> PolicyTrace<Scalar> {
        let stages = inputs.stageCount, samples = sampleCount, hiddenSize = hiddenSize, devices = deviceCount
        let inputWidth = inputSize, gateWidth = 4 * hiddenSize
        precondition(inputs.featureCount == featureCount, "feature width mismatch")
        precondition(given == nil || given!.count == stages * samples)
        let storage = PolicyTraceStorage<Scalar>(rows: stages * samples, inputWidth: inputWidth, hiddenSize: hiddenSize)
        let pinned = (0..<stages).map { pins.indices.contains($0) && pins[$0] >= 0 }
        var actions = given ?? [Int](repeating: 0, count: stages * samples)
        var probabilities = [Scalar](repeating: 0, count: stages * samples * devices)
        var logits = [Scalar](repeating: 0, count: devices)
        let trainingInputs = storage.inputs, gates = storage.gates, cells = storage.cells
        let cellTanh = storage.cellTanh, hidden = storage.hidden

        parameters.withUnsafeBufferPointer { theta in
            let embedding = theta.baseAddress! + embeddingOffset
            let inputWeights = theta.baseAddress! + inputWeightsOffset
            let recurrentWeights = theta.baseAddress! + recurrentWeightsOffset
            let gateBias = theta.baseAddress! + gateBiasOffset
            let outputWeights = theta.baseAddress! + outputWeightsOffset
            let outputBias = theta.baseAddress! + outputBiasOffset
            for stage in 0..<stages {
                // Inputs of every sample: features, then the embedding of its previous choice.
                for sample in 0..<samples {
                    let row = stage * samples + sample
                    let previous = stage == 0 ? devices : actions[(stage - 1) * samples + sample]
                    let x = trainingInputs + row * inputWidth
                    for feature in 0..<featureCount { x[feature] = Scalar(inputs.features[stage * featureCount + feature]) }
                    for unit in 0..<embeddingSize { x[featureCount + unit] = embedding[previous * embeddingSize + unit] }
                }
                // Gates W x + U h_prev + b for all samples, one weight row at a time so that each row
                // stays in cache while it serves every sample.
                let firstRow = stage * samples
                for gate in 0..<gateWidth {
                    let w = inputWeights + gate * inputWidth
                    let u = recurrentWeights + gate * hiddenSize
                    for sample in 0..<samples {
                        let row = firstRow + sample
                        var sum = gateBias[gate] + dot(w, trainingInputs + row * inputWidth, inputWidth)
                        if stage > 0 { sum += dot(u, hidden + (row - samples) * hiddenSize, hiddenSize) }
                        gates[row * gateWidth + gate] = sum
                    }
                }
                for sample in 0..<samples {
                    let row = firstRow + sample
                    let z = gates + row * gateWidth
                    let previousRow = stage == 0 ? -1 : row - samples
                    let h = hidden + row * hiddenSize, c = cells + row * hiddenSize, t = cellTanh + row * hiddenSize
                    let previousCell = cells + max(previousRow, 0) * hiddenSize
                    for unit in 0..<hiddenSize {
                        let inputGate = Self.sigmoid(z[unit])
                        let forgetGate = Self.sigmoid(z[hiddenSize + unit])
                        let cellGate = Scalar.tanh(z[2 * hiddenSize + unit])
                        let outputGate = Self.sigmoid(z[3 * hiddenSize + unit])
                        z[unit] = inputGate
                        z[hiddenSize + unit] = forgetGate
                        z[2 * hiddenSize + unit] = cellGate
                        z[3 * hiddenSize + unit] = outputGate
                        let cell = forgetGate * (previousRow >= 0 ? previousCell[unit] : 0) + inputGate * cellGate
                        c[unit] = cell
                        t[unit] = Scalar.tanh(cell)
                        h[unit] = outputGate * t[unit]
                    }
                    // Output: masked softmax over devices, or the pinned device.
                    let p = row * devices
                    if pinned[stage] {
                        probabilities[p + pins[stage]] = 1
                        actions[row] = pins[stage]
                        continue
                    }
                    let allowed = inputs.allowedDevices[stage]
                    var largest = -Scalar.infinity
                    for device in 0..<devices where allowed & (1 << UInt64(device)) != 0 {
                        let sum = outputBias[device] + dot(outputWeights + device * hiddenSize, h, hiddenSize)
                        logits[device] = sum
                        largest = max(largest, sum)
                    }
                    var total: Scalar = 0
                    for device in 0..<devices where allowed & (1 << UInt64(device)) != 0 {
                        let value = Scalar.exp(logits[device] - largest)
                        probabilities[p + device] = value
                        total += value
                    }
                    for device in 0..<devices { probabilities[p + device] /= total }
                    // Probabilities that are all NaN (a diverged network) choose nothing below; fall back
                    // to the first allowed device so that no action ever indexes outside the embeddings.
                    let firstAllowed = allowed.trailingZeroBitCount
                    if given == nil && greedy {
                        var chosen = -1
                        for device in 0..<devices where probabilities[p + device] > 0 {
                            if chosen < 0 || probabilities[p + device] > probabilities[p + chosen] { chosen = device }
                        }
                        actions[row] = chosen >= 0 ? chosen : firstAllowed
                    } else if given == nil {
                        var target = Scalar(random.nextUnit()), chosen = -1
                        for device in 0..<devices where probabilities[p + device] > 0 {
                            chosen = device
                            target -= probabilities[p + device]
                            if target < 0 { break }
                        }
                        actions[row] = chosen >= 0 ? chosen : firstAllowed
                    }
                }
            }
        }
        let trace = PolicyTrace<Scalar>(stageCount: stages, sampleCount: samples, actions: actions,
                                        probabilities: probabilities, storage: storage, pinned: pinned)
        return trace
    }
}
