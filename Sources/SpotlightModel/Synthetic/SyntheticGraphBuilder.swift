/// The steps of `SyntheticGraph.generate`, in the order they draw random numbers (which fixes
/// every graph a seed makes): the input, the forward layers, the variables, the loss, the
/// backward pass and the updates. Linear in the op count.
struct SyntheticGraphBuilder {
    enum Kind: CaseIterable {
        case convolution, matrixMultiply, activation, add, bias, pool, concat

        var type: String {
            switch self {
            case .convolution: "Conv2D"
            case .matrixMultiply: "MatMul"
            case .activation: "Relu"
            case .add: "AddV2"
            case .bias: "BiasAdd"
            case .pool: "MaxPool"
            case .concat: "ConcatV2"
            }
        }

        var gradientType: String {
            switch self {
            case .convolution: "Conv2DBackpropInput"
            case .matrixMultiply: "MatMul"
            case .activation: "ReluGrad"
            case .add: "AddN"
            case .bias: "BiasAddGrad"
            case .pool: "MaxPoolGrad"
            case .concat: "Slice"
            }
        }

        var isHeavy: Bool { self == .convolution || self == .matrixMultiply }
    }

    var random: SplitMix64
    let variableCount: Int
    let forwardCount: Int
    /// The backward pass's ops (the loss aside).
    let backwardCount: Int

    var input = OperationSpec(name: "input/IteratorGetNext", type: "IteratorGetNext")
    /// The forward ops, and for each its kind, its layer and the forward ops it reads.
    var forward: [OperationSpec] = []
    var kinds: [Kind] = []
    var layerOf: [Int] = []
    var forwardInputs: [[Int]] = []
    /// Each layer's forward ops.
    var layers: [[Int]] = []
    var variables: [OperationSpec] = []
    /// The forward op each variable feeds.
    var variableTarget: [Int] = []
    var loss = OperationSpec(
        name: "loss/SoftmaxCrossEntropyWithLogits", type: "SoftmaxCrossEntropyWithLogits")
    var backward: [OperationSpec] = []
    /// The gradient op of each forward op, where the backward pass made one.
    var gradientName: [String?] = []

    init(opCount: Int, seed: UInt64) {
        random = SplitMix64(seed: seed ^ 0x5370_6F74_6C69_6768)
        variableCount = max(1, opCount / 12)
        let rest = opCount - 2 * variableCount - 1  // minus input op
        forwardCount = rest / 2  // backward gets the other half, loss included
        backwardCount = rest - forwardCount - 1  // one op is the loss
    }

    mutating func build() -> [OperationSpec] {
        makeInput()
        makeForward()
        makeVariables()
        makeLoss()
        makeBackward()
        return variables + [input] + forward + [loss] + backward + makeUpdates()
    }

    mutating func makeInput() {
        input.outputBytes = random.nextLogNormal(median: 2e6, sigma: 0.5, range: 1e4...5e7)
        input.bytesAccessed = input.outputBytes
        input.deviceKinds = ["cpu"]
        input.group = "input"
        input.expert = "cpu:0"
    }

    /// Layers of one to four ops, each reading one or two ops of the layer before and now and
    /// then skipping back two or three layers.
    mutating func makeForward() {
        var previousLayer: [String] = [input.name]
        while forward.count < forwardCount {
            let layer = layers.count
            let width = min(forwardCount - forward.count, random.nextInt(in: 1...4))
            var members: [Int] = []
            for position in 0..<width {
                let kind = Kind.allCases[random.nextInt(in: 0...(Kind.allCases.count - 1))]
                let (op, producers) = forwardOp(
                    kind, layer: layer, position: position, previousLayer: previousLayer)
                members.append(forward.count)
                forward.append(op)
                kinds.append(kind)
                layerOf.append(layer)
                forwardInputs.append(producers)
            }
            layers.append(members)
            previousLayer = members.map { forward[$0].name }
        }
    }

    /// One forward op and the forward ops it reads.
    mutating func forwardOp(_ kind: Kind, layer: Int, position: Int, previousLayer: [String])
        -> (OperationSpec, [Int])
    {
        var op = OperationSpec(name: "layer_\(layer)/\(kind.type)_\(position)", type: kind.type)
        var producers: [Int] = []
        let main = position % previousLayer.count
        op.inputs.append(.init(previousLayer[main]))
        if layer > 0 { producers.append(layers[layer - 1][main]) }
        if previousLayer.count > 1, random.nextUnit() < 0.5 {
            let other = (main + 1) % previousLayer.count
            op.inputs.append(.init(previousLayer[other]))
            if layer > 0 { producers.append(layers[layer - 1][other]) }
        }
        if layer >= 3, random.nextUnit() < 0.15 {
            let source = layers[layer - random.nextInt(in: 2...3)]
            let skip = source[random.nextInt(in: 0...(source.count - 1))]
            op.inputs.append(.init(forward[skip].name))
            producers.append(skip)
        }
        op.outputBytes = random.nextLogNormal(
            median: kind == .pool ? 2.5e5 : 1e6, sigma: 1.0, range: 1e3...6e7)
        switch kind {
        case .convolution:
            op.flops = random.nextLogNormal(median: 3e8, sigma: 1.0, range: 1e6...2e10)
        case .matrixMultiply:
            op.flops = random.nextLogNormal(median: 1e8, sigma: 1.0, range: 1e5...1e10)
        default: op.flops = op.outputBytes / 4
        }
        let consumed = producers.reduce(layer == 0 ? input.outputBytes : 0) {
            $0 + forward[$1].outputBytes
        }
        op.bytesAccessed = consumed + op.outputBytes
        op.group = "layer_\(layer)"
        op.expert = "gpu:0"
        return (op, producers)
    }

    /// Variables feed heavy ops first, then any op, round robin.
    mutating func makeVariables() {
        let heavy = forward.indices.filter { kinds[$0].isHeavy }
        let targets = heavy.isEmpty ? Array(forward.indices) : heavy
        for index in 0..<variableCount {
            let target = targets[index % targets.count]
            var variable = OperationSpec(
                name: "\(forward[target].group!)/weights_\(index)", type: "VariableV2")
            variable.outputBytes = random.nextLogNormal(median: 1e6, sigma: 1.2, range: 4e3...1e8)
            variable.persistentBytes = variable.outputBytes
            variable.bytesAccessed = 0
            variable.group = forward[target].group
            variable.expert = "gpu:0"
            forward[target].inputs.append(.init(variable.name))
            forward[target].bytesAccessed += variable.outputBytes
            variables.append(variable)
            variableTarget.append(target)
        }
    }

    /// The loss over the last layer.
    mutating func makeLoss() {
        loss.inputs = layers[layers.count - 1].map { .init(forward[$0].name) }
        loss.outputBytes = 4 * 1024
        loss.flops = layers[layers.count - 1].reduce(0.0) { $0 + forward[$1].outputBytes }
        loss.bytesAccessed = loss.flops
        loss.group = "loss"
        loss.expert = "gpu:0"
    }

    /// One gradient op per forward op, in reverse, as far as the budget allows; any ops left
    /// over become AddN accumulations of gradients.
    mutating func makeBackward() {
        var consumersOf = [[Int]](repeating: [], count: forward.count)
        for (op, producers) in forwardInputs.enumerated() {
            for producer in producers { consumersOf[producer].append(op) }
        }
        let lastLayer = Set(layers[layers.count - 1])
        gradientName = [String?](repeating: nil, count: forward.count)
        for op in forward.indices.reversed() where backward.count < backwardCount {
            let kind = kinds[op]
            var gradient = OperationSpec(
                name: "gradients/\(forward[op].name)_grad", type: kind.gradientType)
            var upstream = consumersOf[op].compactMap { gradientName[$0] }
            if upstream.isEmpty || lastLayer.contains(op) { upstream.insert(loss.name, at: 0) }
            gradient.inputs = upstream.map { .init($0, bytes: forward[op].outputBytes) }
            if let activation = forwardInputs[op].first {
                gradient.inputs.append(.init(forward[activation].name))
            }
            gradient.outputBytes =
                forwardInputs[op].first.map { forward[$0].outputBytes } ?? forward[op].outputBytes
            gradient.flops = kind.isHeavy ? 2 * forward[op].flops : forward[op].flops
            gradient.bytesAccessed = 2 * forward[op].outputBytes + gradient.outputBytes
            gradient.group = "gradients/layer_\(layerOf[op])"
            gradient.expert = "gpu:0"
            gradientName[op] = gradient.name
            backward.append(gradient)
        }
        var accumulation = 0
        while backward.count < backwardCount {
            let a = backward[random.nextInt(in: 0...(backward.count - 1))]
            var sum = OperationSpec(name: "gradients/AddN_\(accumulation)", type: "AddN")
            sum.inputs = [.init(a.name)]
            sum.outputBytes = a.outputBytes
            sum.flops = a.outputBytes / 4
            sum.bytesAccessed = 2 * a.outputBytes
            sum.group = a.group
            sum.expert = "gpu:0"
            backward.append(sum)
            accumulation += 1
        }
    }

    /// Each variable's optimizer step, colocated with it.
    func makeUpdates() -> [OperationSpec] {
        variables.enumerated().map { index, variable in
            var update = OperationSpec(
                name: "training/Adam/update_\(variable.name)", type: "ApplyAdam")
            update.inputs = [.init(variable.name)]
            if let gradient = gradientName[variableTarget[index]] {
                update.inputs.append(.init(gradient, bytes: variable.outputBytes))
            } else {
                update.inputs.append(.init(loss.name))
            }
            update.outputBytes = 0
            update.persistentBytes = 2 * variable.persistentBytes
            update.flops = 10 * variable.outputBytes / 4
            update.bytesAccessed = 4 * variable.outputBytes
            update.colocateWith = variable.name
            update.group = "training"
            update.expert = "gpu:0"
            return update
        }
    }
}
