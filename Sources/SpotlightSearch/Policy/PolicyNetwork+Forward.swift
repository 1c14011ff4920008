import RealModule
import SpotlightModel

/// The per-unit activations of one forward pass, in raw buffers so that the hot loops run over
/// pointers (no bounds checks, vectorisable). Written once by `forward`, then only read.
final class PolicyTraceStorage<Scalar: Real & BinaryFloatingPoint & SIMDScalar & Sendable>:
    @unchecked Sendable
{
    /// Gate activations in the order input, forget, cell, output.
    let gates: UnsafeMutablePointer<Scalar>
    let cells: UnsafeMutablePointer<Scalar>
    let cellTanh: UnsafeMutablePointer<Scalar>
    let hidden: UnsafeMutablePointer<Scalar>

    /// Buffers for `rows` (stage, sample) rows, left uninitialised: the pass writes every number
    /// before anything reads it.
    init(rows: Int, hiddenSize: Int) {
        func buffer(_ count: Int) -> UnsafeMutablePointer<Scalar> {
            .allocate(capacity: max(count, 1))
        }
        gates = buffer(rows * 4 * hiddenSize)
        cells = buffer(rows * hiddenSize)
        cellTanh = buffer(rows * hiddenSize)
        hidden = buffer(rows * hiddenSize)
    }

    deinit {
        for pointer in [gates, cells, cellTanh, hidden] { pointer.deallocate() }
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
    /// The stage features the pass read, `[stage * featureCount + feature]`.
    let features: [Float]
    /// The anchor the pass added to the logits, which a pass that scores the same actions must
    /// add too.
    public let anchor: PolicyAnchor?

    /// The device chosen at `stage` by `sample`.
    public func action(stage: Int, sample: Int) -> Int { actions[stage * sampleCount + sample] }
}

extension PolicyNetwork {
    /// Runs the policy over all stages for `sampleCount` samples.
    ///
    /// With `actions` (stage-major, `[stage * K + sample]`) the pass is teacher-forced: it scores
    /// those choices. Without, it samples each stage's device from q with `random`. `pins[stage]`
    /// >= 0 forces that stage's device (probability 1). With `greedy`, each stage takes its most
    /// likely device instead of a sample. With `anchor`, each stage's logit of the anchor's device
    /// is raised by the anchor's bias for that stage (`PolicyAnchor`).
    ///
    /// Samples are independent of each other, so groups of them run on up to `parallelism` cores;
    /// the result does not depend on how many (the random numbers are drawn beforehand in one
    /// order, and every number is computed by the same arithmetic in any group).
    @_specialize(where Scalar == Float)
    public func forward(
        _ inputs: PolicyInputs, sampleCount: Int, pins: [Int], actions given: [Int]? = nil,
        greedy: Bool = false,
        anchor: PolicyAnchor? = nil, random: inout SplitMix64,
        parallelism: Int = ProcessInfoCores.count
    ) -> PolicyTrace<Scalar> {
        let stages = inputs.stageCount
        let samples = sampleCount
        let devices = deviceCount
        let features = featureCount
        let inputWidth = inputSize
        let gateWidth = 4 * hiddenSize
        precondition(inputs.featureCount == featureCount, "feature width mismatch")
        precondition(given == nil || given!.count == stages * samples)
        let storage = PolicyTraceStorage<Scalar>(rows: stages * samples, hiddenSize: hiddenSize)
        let pinned = (0..<stages).map { pins.indices.contains($0) && pins[$0] >= 0 }
        var actions = given ?? [Int](repeating: 0, count: stages * samples)
        var probabilities = [Scalar](repeating: 0, count: stages * samples * devices)
        var uniforms: [Double] = []
        if given == nil && !greedy {
            uniforms = [Double](repeating: 0, count: stages * samples)
            for stage in 0..<stages where !pinned[stage] {
                for sample in 0..<samples { uniforms[stage * samples + sample] = random.nextUnit() }
            }
        }
        // The input projection W [features; embedding] + b splits into a part per stage (the same
        // for every sample) and a part per previous device: both are computed once per pass, so
        // that the only per-sample product left is the recurrent one.
        let stageGates = UnsafeMutablePointer<Scalar>.allocate(capacity: max(stages * gateWidth, 1))
        let deviceGates = UnsafeMutablePointer<Scalar>.allocate(capacity: (devices + 1) * gateWidth)
        let stageFeatures = UnsafeMutablePointer<Scalar>.allocate(
            capacity: max(stages * features, 1))
        defer { for pointer in [stageGates, deviceGates, stageFeatures] { pointer.deallocate() } }
        for index in 0..<(stages * features) {
            stageFeatures[index] = Scalar(inputs.features[index])
        }

        parameters.withUnsafeBufferPointer { theta in
            let inputWeights = theta.baseAddress! + inputWeightsOffset
            multiplyTransposed(
                stageFeatures, rows: stages, stride: features, inputWeights, rows: gateWidth,
                stride: inputWidth,
                depth: features, into: stageGates, stride: gateWidth, accumulate: false)
            for stage in 0..<stages {
                axpy(
                    1, theta.baseAddress! + gateBiasOffset, stageGates + stage * gateWidth,
                    gateWidth)
            }
            multiplyTransposed(
                theta.baseAddress! + embeddingOffset, rows: devices + 1, stride: embeddingSize,
                inputWeights + features, rows: gateWidth, stride: inputWidth, depth: embeddingSize,
                into: deviceGates, stride: gateWidth, accumulate: false)
            actions.withUnsafeMutableBufferPointer { actions in
                probabilities.withUnsafeMutableBufferPointer { probabilities in
                    let pass = ForwardPass(
                        network: self, theta: theta.baseAddress!, storage: storage,
                        stageGates: stageGates, deviceGates: deviceGates,
                        allowedDevices: inputs.allowedDevices, pins: pins, pinned: pinned,
                        uniforms: uniforms,
                        anchorDevices: anchor?.devices ?? [],
                        anchorBias: anchor?.bias.map { Scalar($0) } ?? [],
                        teacherForced: given != nil, greedy: greedy, stageCount: stages,
                        sampleCount: samples,
                        actions: actions, probabilities: probabilities)
                    // Groups of at least four samples, so that each fills the products' blocks.
                    WorkSplit(count: samples, parallelism: parallelism, minimumPart: 4)
                        .runInParallel {
                            pass.run(samples: $0)
                        }
                }
            }
        }
        return PolicyTrace<Scalar>(
            stageCount: stages, sampleCount: samples, actions: actions,
            probabilities: probabilities,
            storage: storage, pinned: pinned, features: inputs.features, anchor: anchor)
    }
}

/// One forward pass's shared, read-mostly state, so that groups of samples can run it on
/// several threads: each group writes only its own rows of the storage, actions and probabilities.
private struct ForwardPass<Scalar: Real & BinaryFloatingPoint & SIMDScalar & Sendable>:
    @unchecked Sendable
{
    let network: PolicyNetwork<Scalar>
    let theta: UnsafePointer<Scalar>
    let storage: PolicyTraceStorage<Scalar>
    let stageGates: UnsafePointer<Scalar>
    let deviceGates: UnsafePointer<Scalar>
    let allowedDevices: [UInt64]
    let pins: [Int]
    let pinned: [Bool]
    let uniforms: [Double]
    /// A device per stage (-1: none) and the bias added to its logit; empty without an anchor.
    let anchorDevices: [Int]
    let anchorBias: [Scalar]
    let teacherForced: Bool
    let greedy: Bool
    let stageCount: Int
    let sampleCount: Int
    let actions: UnsafeMutableBufferPointer<Int>
    let probabilities: UnsafeMutableBufferPointer<Scalar>

    func run(samples group: Range<Int>) {
        let hiddenSize = network.hiddenSize
        let gateWidth = 4 * hiddenSize
        let devices = network.deviceCount
        let samples = sampleCount
        let gates = storage.gates
        let cells = storage.cells
        let cellTanh = storage.cellTanh
        let hidden = storage.hidden
        let recurrentWeights = theta + network.recurrentWeightsOffset
        let outputWeights = theta + network.outputWeightsOffset
        let outputBias = theta + network.outputBiasOffset
        var logits = [Scalar](repeating: 0, count: devices)
        for stage in 0..<stageCount {
            let firstRow = stage * samples + group.lowerBound
            // The stage's own logits, if it has them: the same for every row of the stage.
            let stageLogits =
                stage < network.stageLogitCount
                ? theta + network.stageLogitsOffset + stage * devices : nil
            // Gates U h_prev for every sample of the group at once, then the input parts.
            if stage > 0 {
                multiplyTransposed(
                    hidden + (firstRow - samples) * hiddenSize, rows: group.count,
                    stride: hiddenSize,
                    recurrentWeights, rows: gateWidth, stride: hiddenSize, depth: hiddenSize,
                    into: gates + firstRow * gateWidth, stride: gateWidth, accumulate: false)
            } else {
                (gates + firstRow * gateWidth).update(repeating: 0, count: group.count * gateWidth)
            }
            for row in firstRow..<(firstRow + group.count) {
                let previous = stage == 0 ? devices : actions[row - samples]
                let z = gates + row * gateWidth
                axpy(1, stageGates + stage * gateWidth, z, gateWidth)
                axpy(1, deviceGates + previous * gateWidth, z, gateWidth)
                let h = hidden + row * hiddenSize
                LSTMCell.step(
                    gates: z,
                    previousCell: stage > 0
                        ? UnsafePointer(cells + (row - samples) * hiddenSize) : nil,
                    cell: cells + row * hiddenSize, cellTanh: cellTanh + row * hiddenSize,
                    hidden: h, width: hiddenSize)
                // Output: masked softmax over devices, or the pinned device.
                let p = row * devices
                if pinned[stage] {
                    probabilities[p + pins[stage]] = 1
                    actions[row] = pins[stage]
                    continue
                }
                let allowed = allowedDevices[stage]
                let anchored = anchorDevices.isEmpty ? -1 : anchorDevices[stage]
                var largest = -Scalar.infinity
                for device in 0..<devices where allowed & (1 << UInt64(device)) != 0 {
                    var sum =
                        outputBias[device] + dot(outputWeights + device * hiddenSize, h, hiddenSize)
                    if device == anchored { sum += anchorBias[stage] }
                    if let stageLogits { sum += stageLogits[device] }
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
                // Probabilities that are all NaN (a diverged network) choose nothing below; fall
                // back to the first allowed device: no action may index outside the embeddings.
                let firstAllowed = allowed.trailingZeroBitCount
                if teacherForced { continue }
                var chosen = -1
                if greedy {
                    for device in 0..<devices where probabilities[p + device] > 0 {
                        if chosen < 0 || probabilities[p + device] > probabilities[p + chosen] {
                            chosen = device
                        }
                    }
                } else {
                    var target = Scalar(uniforms[row])
                    for device in 0..<devices where probabilities[p + device] > 0 {
                        chosen = device
                        target -= probabilities[p + device]
                        if target < 0 { break }
                    }
                }
                actions[row] = chosen >= 0 ? chosen : firstAllowed
            }
        }
    }
}
