import RealModule
import SpotlightModel

/// The placement policy: an autoregressive LSTM over stages (Mirhoseini et al., "Device placement
/// optimization with reinforcement learning", ICML 2017; Gao, Chen, Li, "Spotlight", ICML 2018).
///
/// At stage n the input is the stage's normalised features and an embedding of the device chosen at
/// stage n-1 (a start token at n = 0); an LSTM cell feeds a linear layer and a softmax over the
/// devices the stage may use, giving q(a_n | s_n). With stage logits, stage n's logits also add
/// a learned number per device of its own, so that a few batches can say what one stage should
/// prefer without the LSTM having to learn it through the features. All parameters live in one
/// flat array so that Adam, checkpoints and gradient checks treat them as one vector.
///
/// Generic over the scalar so that training runs in `Float` and gradient checks in `Double`.
public struct PolicyNetwork<Scalar: Real & BinaryFloatingPoint & SIMDScalar & Sendable>: Sendable,
    Equatable
{
    /// Sizes: features per stage, embedding width, hidden width, devices.
    public let featureCount: Int
    public let embeddingSize: Int
    public let hiddenSize: Int
    public let deviceCount: Int
    /// The stages that have logits of their own (0 for none, or every stage of the problem).
    public let stageLogitCount: Int
    public var parameters: [Scalar]

    public var inputSize: Int { featureCount + embeddingSize }

    // Offsets of each block in `parameters`.
    var embeddingOffset: Int { 0 }  // (devices + 1) x embedding
    var inputWeightsOffset: Int { (deviceCount + 1) * embeddingSize }  // 4H x input
    var recurrentWeightsOffset: Int { inputWeightsOffset + 4 * hiddenSize * inputSize }  // 4H x H
    var gateBiasOffset: Int { recurrentWeightsOffset + 4 * hiddenSize * hiddenSize }  // 4H
    var outputWeightsOffset: Int { gateBiasOffset + 4 * hiddenSize }  // devices x H
    var outputBiasOffset: Int { outputWeightsOffset + deviceCount * hiddenSize }  // devices
    /// Stage n's own logit for device d: `stageLogitsOffset + n * deviceCount + d`, last so that
    /// the network's other blocks keep their places.
    public var stageLogitsOffset: Int { outputBiasOffset + deviceCount }
    public var parameterCount: Int { stageLogitsOffset + stageLogitCount * deviceCount }

    /// A network with small uniform random weights (Glorot), forget-gate biases of 1 and stage
    /// logits of 0 for the first `stageLogitCount` stages.
    public init(
        featureCount: Int, deviceCount: Int, hiddenSize: Int = 64, embeddingSize: Int = 16,
        stageLogitCount: Int = 0, seed: UInt64
    ) {
        precondition(featureCount > 0 && deviceCount > 0 && hiddenSize > 0 && embeddingSize > 0)
        precondition(stageLogitCount >= 0)
        self.featureCount = featureCount
        self.embeddingSize = embeddingSize
        self.hiddenSize = hiddenSize
        self.deviceCount = deviceCount
        self.stageLogitCount = stageLogitCount
        self.parameters = []
        var random = SplitMix64(seed: seed)
        var values = [Scalar](repeating: 0, count: parameterCount)
        func fill(_ offset: Int, _ count: Int, fanIn: Int, fanOut: Int) {
            let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
            for index in offset..<(offset + count) {
                values[index] = Scalar((random.nextUnit() * 2 - 1) * limit)
            }
        }
        fill(
            embeddingOffset, (deviceCount + 1) * embeddingSize, fanIn: deviceCount + 1,
            fanOut: embeddingSize)
        fill(inputWeightsOffset, 4 * hiddenSize * inputSize, fanIn: inputSize, fanOut: hiddenSize)
        fill(
            recurrentWeightsOffset, 4 * hiddenSize * hiddenSize, fanIn: hiddenSize,
            fanOut: hiddenSize)
        fill(outputWeightsOffset, deviceCount * hiddenSize, fanIn: hiddenSize, fanOut: deviceCount)
        for unit in 0..<hiddenSize { values[gateBiasOffset + hiddenSize + unit] = 1 }
        parameters = values
    }
}

/// What the policy needs to know about the stages of one problem: normalised features, the devices
/// each stage may use, and pins.
public struct PolicyInputs: Sendable {
    public let stageCount: Int
    public let featureCount: Int
    /// `features[stage * featureCount + feature]`, standardised per feature across stages.
    public let features: [Float]
    /// Devices each stage may choose: those every op of the stage allows, or, if none (or with
    /// `anyOp`), those any op allows.
    public let allowedDevices: [UInt64]

    /// `anyOp`: a stage may choose any device one of its ops may run on, for a policy whose
    /// choice moves only the ops that may (an anchored one: `Optimizer.placement(_:anchor:)`);
    /// a stage holding one CPU-only op can then still move its other ops to a GPU.
    public init(problem: PlacementProblem, anyOp: Bool = false) {
        let stages = problem.stages
        let kindCount = problem.graph.kindNames.count
        var rows = stages.features.map { $0.vector(kindCount: kindCount) }
        let width = rows.first?.count ?? (StageFeatures.scalarCount + kindCount)
        for feature in 0..<width {
            let column = rows.map { Double($0[feature]) }
            let mean = column.reduce(0, +) / Double(max(column.count, 1))
            let variance =
                column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(column.count, 1))
            let deviation = variance.squareRoot()
            for row in rows.indices {
                rows[row][feature] =
                    deviation > 1e-9 ? Float((Double(rows[row][feature]) - mean) / deviation) : 0
            }
        }
        stageCount = stages.count
        featureCount = width
        features = rows.flatMap { $0 }
        allowedDevices = (0..<stages.count).map { stage in
            var every: UInt64 = .max
            var any: UInt64 = 0
            for op in stages.ops(of: stage) {
                every &= problem.constraints.allowedDevices[op]
                any |= problem.constraints.allowedDevices[op]
            }
            return every != 0 && !anyOp ? every : any
        }
    }

    /// Whether stage `stage` may use `device`, any number (a pin or a checkpoint's entry): false
    /// for one outside the masks' 64 bits, negative ones included. O(1).
    public func allows(stage: Int, device: Int) -> Bool {
        (0..<64).contains(device) && allowedDevices[stage] & (1 << UInt64(device)) != 0
    }

    public init(stageCount: Int, featureCount: Int, features: [Float], allowedDevices: [UInt64]) {
        self.stageCount = stageCount
        self.featureCount = featureCount
        self.features = features
        self.allowedDevices = allowedDevices
    }
}
