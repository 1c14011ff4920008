"""Work of one TensorFlow op from its static shapes: floating-point operations and bytes accessed.

The counts follow the usual conventions of the papers the samples are checked against: a
multiply-add is two flops; a convolution's two backprops cost what the forward pass costs; an
elementwise op costs one flop per output element, a transcendental one (exp, tanh, ...) four;
ops that only move or alias data cost no flops.
"""

import math
import re

# Ops that return a view of their input (no kernel touches the data).
ALIASING = {
    "Identity", "Reshape", "ExpandDims", "Squeeze", "ReadVariableOp", "StopGradient", "Snapshot",
    "PreventGradient", "IdentityN", "EnsureShape", "Placeholder", "VarHandleOp", "NoOp",
}
# Ops that copy data around without arithmetic.
DATA_MOVEMENT = {
    "Transpose", "ConcatV2", "Concat", "Split", "SplitV", "Pad", "PadV2", "MirrorPad", "Slice",
    "StridedSlice", "StridedSliceGrad", "Tile", "Pack", "Unpack", "Cast", "GatherV2", "ResourceGather",
    "Fill", "ZerosLike", "OnesLike", "BroadcastTo", "Reverse", "ReverseV2", "OneHot", "InvertPermutation",
    "Shape", "ShapeN", "Size", "Rank", "BroadcastGradientArgs", "ConcatOffset", "Range", "Select",
    "SelectV2", "DynamicStitch", "TensorScatterUpdate", "ScatterNd", "GatherNd", "AssignVariableOp",
}
TRANSCENDENTAL = {
    "Exp", "Log", "Log1p", "Expm1", "Tanh", "Sigmoid", "Rsqrt", "Sqrt", "Pow", "Erf", "Erfc", "Softplus",
    "TanhGrad", "SigmoidGrad", "RsqrtGrad", "SqrtGrad", "Reciprocal", "Sin", "Cos", "Elu", "Selu", "Gelu",
}
REDUCTIONS = {"UnsortedSegmentSum", "Sum", "Mean", "Max", "Min", "Prod", "All", "Any", "ArgMax", "ArgMin", "BiasAddGrad", "L2Loss"}
# Flops per parameter element of an optimizer's fused update kernel.
UPDATE_FLOPS = {
    "ResourceApplyGradientDescent": 2, "ResourceApplyMomentum": 4, "ResourceApplyKerasMomentum": 4,
    "ResourceApplyAdam": 12, "ResourceApplyRMSProp": 10, "ResourceApplyAdagrad": 6,
}
# Tensors each dense update reads and writes, counting the variable and its slots.
UPDATE_TENSORS = {
    "ResourceApplyGradientDescent": 3, "ResourceApplyMomentum": 5, "ResourceApplyKerasMomentum": 5,
    "ResourceApplyAdam": 7, "ResourceApplyRMSProp": 9, "ResourceApplyAdagrad": 5,
}


def elements(shape):
    """Number of elements of a static shape (a list of ints), or None if any dimension is unknown."""
    if shape is None or any(d is None for d in shape):
        return None
    return math.prod(shape)


class OpView:
    """What the cost functions need to know about an op: its type, attributes, the static shapes
    and element sizes of its inputs and outputs (None where TensorFlow does not know), and for an
    optimizer update the index of its gradient input."""

    def __init__(self, op_type, attrs, input_shapes, input_itemsizes, output_shapes, output_itemsizes,
                 gradient_index=None):
        self.type = op_type
        self.gradient_index = gradient_index
        self.attrs = attrs
        self.input_shapes = input_shapes
        self.input_itemsizes = input_itemsizes
        self.output_shapes = output_shapes
        self.output_itemsizes = output_itemsizes

    def input_elements(self, index):
        return elements(self.input_shapes[index]) if index < len(self.input_shapes) else None

    def output_elements(self, index=0):
        return elements(self.output_shapes[index]) if index < len(self.output_shapes) else None

    def input_bytes(self, index):
        count = self.input_elements(index)
        return 0 if count is None else count * self.input_itemsizes[index]

    def output_bytes(self, index=0):
        count = self.output_elements(index)
        return 0 if count is None else count * self.output_itemsizes[index]


def _known(*values):
    return all(v is not None for v in values)


def _window(attrs):
    ksize = attrs.get("ksize") or [1, 1, 1, 1]
    return math.prod(ksize)


def _einsum_flops(op):
    equation = op.attrs.get("equation", "").replace(" ", "")
    operands = equation.split("->")[0].split(",")
    sizes = {}
    for labels, shape in zip(operands, op.input_shapes):
        if shape is None or "." in labels or len(labels) != len(shape):
            return None
        for label, size in zip(labels, shape):
            if size is None:
                return None
            sizes[label] = size
    return 2 * math.prod(sizes.values())


def flops(op):
    """Floating-point operations of one execution of `op`; None when its shapes are unknown."""
    t = op.type
    out = op.output_elements(0)
    if t == "Conv2D" or t == "Conv3D":
        kernel = op.input_shapes[1]
        if not _known(out) or kernel is None or None in kernel:
            return None
        return 2 * out * math.prod(kernel[:-1])
    if t in ("Conv2DBackpropInput", "Conv2DBackpropFilter", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2"):
        # Both cost what the forward convolution costs: 2 * |out_backprop| * kh * kw * c_in.
        out_backprop = op.input_elements(2)
        kernel = op.input_shapes[1] if "Input" in t else op.output_shapes[0]
        if not _known(out_backprop) or kernel is None or None in kernel:
            return None
        return 2 * out_backprop * math.prod(kernel[:-1])
    if t in ("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput", "DepthwiseConv2dNativeBackpropFilter"):
        grad = op.output_elements(0) if t == "DepthwiseConv2dNative" else op.input_elements(2)
        kernel = op.input_shapes[1] if "Filter" not in t else op.output_shapes[0]
        if not _known(grad) or kernel is None or None in kernel:
            return None
        return 2 * grad * kernel[0] * kernel[1]
    if t == "MatMul":
        a = op.input_shapes[0]
        if not _known(out) or a is None or None in a:
            return None
        inner = a[0] if op.attrs.get("transpose_a") else a[1]
        return 2 * out * inner
    if t in ("BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"):
        a = op.input_shapes[0]
        if not _known(out) or a is None or None in a:
            return None
        inner = a[-2] if op.attrs.get("adj_x") else a[-1]
        return 2 * out * inner
    if t == "Einsum":
        return _einsum_flops(op)
    if t in UPDATE_FLOPS:
        n = None if op.gradient_index is None else op.input_elements(op.gradient_index)
        return None if n is None else UPDATE_FLOPS[t] * n
    if t.startswith("ResourceSparseApply") or t in ("ResourceScatterAdd", "ResourceScatterSub"):
        updates = max((elements(s) or 0) for s in op.input_shapes if s is not None) if op.input_shapes else 0
        return 4 * updates if t.startswith("ResourceSparseApply") else updates
    if t in ("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3"):
        return None if out is None else 5 * out
    if t in ("FusedBatchNormGrad", "FusedBatchNormGradV2", "FusedBatchNormGradV3"):
        return None if out is None else 10 * out
    if t in ("MaxPool", "AvgPool"):
        return None if out is None else out * _window(op.attrs)
    if t in ("MaxPoolGrad", "AvgPoolGrad"):
        grad = op.input_elements(2) if t == "MaxPoolGrad" else op.input_elements(1)
        return None if grad is None else grad * _window(op.attrs)
    if t in ("LRN", "LRNGrad"):
        radius = op.attrs.get("depth_radius", 5)
        return None if out is None else out * (2 * radius + 4) * (2 if t == "LRNGrad" else 1)
    if t in ("Softmax", "LogSoftmax"):
        return None if out is None else 5 * out
    if t in ("SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits"):
        logits = op.input_elements(0)
        return None if logits is None else 6 * logits
    if t in REDUCTIONS:
        n = op.input_elements(0)
        return n
    if t == "AddN":
        return None if out is None else out * max(len(op.input_shapes) - 1, 1)
    if t in ALIASING or t in DATA_MOVEMENT or t.startswith("Resource") or t.endswith("VariableOp"):
        return 0
    if out is None:
        return None
    return out * (4 if t in TRANSCENDENTAL else 1)


def bytes_accessed(op):
    """Bytes the kernel reads and writes: its inputs and outputs, or none for aliasing ops."""
    t = op.type
    if t in ALIASING:
        return 0
    if t in UPDATE_TENSORS and op.gradient_index is not None:
        return UPDATE_TENSORS[t] * op.input_bytes(op.gradient_index)
    total = sum(op.input_bytes(i) for i in range(len(op.input_shapes)))
    total += sum(op.output_bytes(i) for i in range(len(op.output_shapes)))
    return total


def is_known_type(op_type):
    """Whether the cost functions model this op type explicitly rather than as elementwise."""
    return (op_type in ALIASING or op_type in DATA_MOVEMENT or op_type in TRANSCENDENTAL or op_type in REDUCTIONS
            or op_type in UPDATE_FLOPS or re.match(r"^(Conv|DepthwiseConv|MatMul|BatchMatMul|Einsum|Fused|MaxPool|AvgPool"
                                                  r"|LRN|Softmax|LogSoftmax|SoftmaxCross|SparseSoftmax|AddN|Resource)", op_type)
            is not None or op_type in ELEMENTWISE)


ELEMENTWISE = {
    "Add", "AddV2", "Sub", "Mul", "RealDiv", "Div", "DivNoNan", "Maximum", "Minimum", "Neg", "Square", "SquaredDifference",
    "Relu", "Relu6", "ReluGrad", "Relu6Grad", "BiasAdd", "Abs", "Sign", "Floor", "Ceil", "Round", "Equal", "NotEqual",
    "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd", "LogicalOr", "LogicalNot", "FloorDiv", "FloorMod",
    "Mod", "Atan2", "LeakyRelu", "LeakyReluGrad", "EluGrad", "SeluGrad", "SoftplusGrad", "ClipByValue",
    "MulNoNan", "Xlogy", "Xdivy", "BiasAddV1", "Softsign", "SoftsignGrad", "Inv", "InvGrad", "ReciprocalGrad",
}
