/// A coarse class of op types, for the stage feature histogram. Frameworks have hundreds of op
/// types; the policy needs to know only roughly what kind of work a stage holds.
public enum OpCategory: Int, CaseIterable, Sendable {
    case convolution, matrixMultiply, elementwise, reduction, dataMovement, state, optimizerUpdate,
        other

    /// Classifies a framework op type by name (TensorFlow spellings; others fall back sensibly).
    public init(type: String) {
        func has(_ parts: String...) -> Bool { parts.contains { type.contains($0) } }
        if has("Apply", "Assign", "Update", "Optimizer") {
            self = .optimizerUpdate
        } else if has("Conv") {
            self = .convolution
        } else if has("MatMul", "Einsum", "Dense", "Gemm", "LSTM", "GRU") {
            self = .matrixMultiply
        } else if has("Variable", "VarHandle", "Placeholder", "Iterator", "Const", "Input") {
            self = .state
        } else if has(
            "Reduce", "Sum", "Mean", "Max", "Min", "Prod", "Norm", "Softmax", "Pool", "ArgMax",
            "Loss", "Entropy")
        {
            self = .reduction
        } else if has(
            "Reshape", "Transpose", "Concat", "Split", "Slice", "Gather", "Scatter", "Pad",
            "Identity",
            "Cast", "Shape", "Tile", "Pack", "Unpack", "Squeeze", "ExpandDims", "Send", "Recv",
            "Fill")
        {
            self = .dataMovement
        } else if has(
            "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Square",
            "Neg",
            "Pow", "Maximum", "Minimum", "Select", "Grad", "Bias", "Dropout", "Gelu", "Abs",
            "Rsqrt", "Where")
        {
            self = .elementwise
        } else {
            self = .other
        }
    }
}
