"""Turns a traced TensorFlow training step into a `spotlight.graph/1` document.

What it keeps and drops, and why:
- Captured variables (resource placeholders in the function graph) become `VarHandleOp` ops named
  after the variable, holding the variable's bytes as `persistent_bytes`. Optimizer slots are
  colocated with their variable, and so is every op that takes a variable's handle (reads, assigns,
  updates): TensorFlow's placer enforces the same rule for resource inputs.
- Constants, `NoOp`s, shape arithmetic on fully known shapes, and whatever depends only on those
  are folded away, as Grappler's constant folding does before a step runs; edges from them vanish.
  Ops whose results nothing uses are pruned, as Grappler prunes them.
- Each remaining input carries the bytes of the tensor it reads (0 for a handle or a control edge).
- The group is the Keras layer from the name scope, the same for an op, its gradient and the update
  of its variables; the loss is group `loss`, the data inputs group `input` and pinned to the CPU.
"""

import tensorflow as tf

from . import costs
from .training_step import variable_name

FOLDABLE_SHAPE_OPS = {"Shape", "ShapeN", "Size", "Rank", "BroadcastGradientArgs"}
ALWAYS_FOLDED = {"Const", "NoOp"}
# Op types TensorFlow runs on the host only (input pipelines, strings, summaries).
CPU_ONLY = {
    "IteratorGetNext", "DecodeJpeg", "DecodePng", "ParseExample", "StringToHashBucketFast", "StringSplit",
    "Print", "PrintV2", "Assert", "WriteSummary", "ScalarSummary", "HistogramSummary",
}


def _shape(tensor):
    if tensor.shape.rank is None:
        return None
    return tensor.shape.as_list()


def _itemsize(tensor):
    dtype = tensor.dtype
    if dtype == tf.resource or dtype == tf.variant or dtype == tf.string:
        return 0
    return dtype.size


def _tensor_bytes(tensor):
    count = costs.elements(_shape(tensor))
    return 0 if count is None else count * _itemsize(tensor)


def _attrs(op):
    wanted = ("transpose_a", "transpose_b", "adj_x", "adj_y", "ksize", "strides", "equation", "depth_radius")
    values = {}
    for key in wanted:
        try:
            value = op.get_attr(key)
        except (ValueError, TypeError):
            continue
        values[key] = value.decode() if isinstance(value, bytes) else value
    return values


def _gradient_index(op):
    names = [arg.name for arg in op.op_def.input_arg]
    for candidate in ("grad", "delta"):
        if candidate in names:
            return names.index(candidate)
    return None


def _is_stateful(op):
    try:
        return op.op_def.is_stateful
    except AttributeError:
        return False


class Exported:
    """The document and a summary of what was dropped or not understood."""

    def __init__(self, document, renamed, folded, unknown_types, unknown_shapes):
        self.document = document
        # Traced op name -> exported name, for the ops exported under another name (variables).
        self.renamed = renamed
        self.folded = folded
        self.unknown_types = unknown_types
        self.unknown_shapes = unknown_shapes


def convert(step, name, source, expert=None, group_depth=1):
    """The `spotlight.graph/1` document for a `TracedStep`. `expert(op)` may return the device a
    human would choose for an exported op (a dict with `name`, `type`, `group`, `devices`)."""
    graph = step.graph
    operations = graph.get_operations()
    captured = {internal.op.name: step.variables.get(id(external)) for external, internal in graph.captures}

    # Resource placeholders become variables named after the variable they hold.
    rename = {}
    taken = {op.name for op in operations}
    variable_of_op = {}
    for op in operations:
        variable = captured.get(op.name)
        if op.type == "Placeholder" and op.outputs[0].dtype == tf.resource and variable is not None:
            wanted = variable_name(variable)
            new_name = wanted
            suffix = 1
            while new_name in taken and new_name != op.name:
                new_name = f"{wanted}_{suffix}"
                suffix += 1
            taken.add(new_name)
            rename[op.name] = new_name
            variable_of_op[op.name] = variable
    variable_op_by_name = {variable_name(variable): rename[op_name] for op_name, variable in variable_of_op.items()}

    def exported_name(op_name):
        return rename.get(op_name, op_name)

    # Constant folding.
    folded = set()
    for op in operations:
        producers = [t.op for t in op.inputs] + list(op.control_inputs)
        if op.type in ALWAYS_FOLDED:
            folded.add(op.name)
        elif op.type in FOLDABLE_SHAPE_OPS and all(_shape(t) is not None and None not in _shape(t) for t in op.inputs):
            folded.add(op.name)
        elif producers and not _is_stateful(op) and all(p.name in folded for p in producers):
            folded.add(op.name)

    # Dead code: what no kept op consumes and nothing fetches (TensorFlow's gradient of the data
    # input, for instance) is pruned, as Grappler prunes it, unless it changes state.
    fetched = {tensor.op.name for tensor in graph.outputs}
    needed = set()
    for op in reversed(operations):
        if op.name in folded:
            continue
        if op.name in fetched or op.name in needed or _is_stateful(op) or op.name in variable_of_op:
            needed.add(op.name)
            for producer in [t.op for t in op.inputs] + list(op.control_inputs):
                needed.add(producer.name)
    dead = {op.name for op in operations if op.name not in needed and op.name not in folded}
    folded |= dead

    model_prefix = step.model_scope + "/"

    def leading_scopes(name):
        parts = name.split("/")
        return "/".join(parts[:group_depth]) if len(parts) > 1 else name

    def layer_group(scope_name):
        return leading_scopes(scope_name[len(model_prefix):]) if scope_name.startswith(model_prefix) else "loss"

    def variable_group(name):
        return leading_scopes(step.slot_of.get(name, name))

    resource_root = {}
    for op_name, variable in variable_of_op.items():
        primary = step.slot_of.get(variable_name(variable))
        resource_root[op_name] = variable_op_by_name.get(primary, rename[op_name]) if primary else None

    ops = []
    unknown_types = {}
    unknown_shapes = 0
    inherits = set()
    position = {op.name: index for index, op in enumerate(operations)}
    for index, op in enumerate(operations):
        if op.name in folded:
            continue
        spec = {"name": exported_name(op.name)}
        if op.name in variable_of_op:
            variable = variable_of_op[op.name]
            spec["type"] = "VarHandleOp"
            spec["persistent_bytes"] = costs.elements(variable.shape.as_list()) * variable.dtype.size
            if resource_root[op.name]:
                spec["colocate_with"] = resource_root[op.name]
            spec["group"] = variable_group(variable_name(variable))
            ops.append(spec)
            continue
        spec["type"] = op.type

        inputs = {}
        order = []

        def add_input(producer_name, size):
            key = exported_name(producer_name)
            if key not in inputs:
                order.append(key)
                inputs[key] = 0
            inputs[key] += size

        for tensor in op.inputs:
            if tensor.op.name not in folded:
                add_input(tensor.op.name, _tensor_bytes(tensor))
        # TensorFlow keeps control inputs in a set-derived order that changes from run to run.
        for control in sorted(op.control_inputs, key=lambda producer: position[producer.name]):
            if control.name not in folded:
                add_input(control.name, 0)
        input_shapes = [_shape(t) for t in op.inputs]
        view = costs.OpView(op.type, _attrs(op), input_shapes, [_itemsize(t) for t in op.inputs],
                            [_shape(t) for t in op.outputs], [_itemsize(t) for t in op.outputs],
                            gradient_index=_gradient_index(op))
        work = costs.flops(view)
        if work is None:
            unknown_shapes += 1
            work = 0
        if not costs.is_known_type(op.type):
            unknown_types[op.type] = unknown_types.get(op.type, 0) + 1
        output_bytes = sum(_tensor_bytes(t) for t in op.outputs)
        spec["_inputs"] = [(key, inputs[key]) for key in order]
        spec["output_bytes"] = output_bytes
        spec["flops"] = int(work)
        spec["bytes_accessed"] = int(costs.bytes_accessed(view))

        resource_inputs = [t.op.name for t in op.inputs if t.dtype == tf.resource and t.op.name in variable_of_op]
        if op.type == "Placeholder" or op.type in CPU_ONLY:
            spec["devices"] = ["cpu"]
        if resource_inputs:
            first = resource_inputs[0]
            spec["colocate_with"] = resource_root[first] or rename[first]
            spec["group"] = variable_group(variable_name(variable_of_op[first]))
        elif op.type == "Placeholder":
            spec["group"] = "input"
        elif index >= step.backward_start and not op.name.startswith(("gradient_tape/", model_prefix)):
            # Gradient bookkeeping outside any layer's scope (AddN summing a shared weight's
            # gradients over time steps, say) and the update's own arithmetic.
            spec["group"] = "loss"
            inherits.add(spec["name"])
        else:
            scope_name = op.name[len("gradient_tape/"):] if op.name.startswith("gradient_tape/") else op.name
            spec["group"] = layer_group(scope_name)
        ops.append(spec)

    # Those take the group of the op that consumes them: the layer whose variable they update.
    consumers = {}
    for spec in ops:
        for producer, _ in spec.get("_inputs", []):
            consumers.setdefault(producer, []).append(spec)
    for spec in reversed(ops):
        if spec["name"] in inherits:
            users = consumers.get(spec["name"], [])
            if users:
                spec["group"] = users[0]["group"]

    # Producers' total output sizes, so that an input reading all of it is written by name only.
    output_size = {spec["name"]: spec.get("output_bytes", 0) for spec in ops}
    for spec in ops:
        if "_inputs" not in spec:
            continue
        written = []
        for producer, size in spec.pop("_inputs"):
            written.append(producer if size == output_size.get(producer) and size > 0 else {"from": producer, "bytes": size})
        if written:
            spec["inputs"] = written
    if expert is not None:
        for spec in ops:
            device = expert(spec)
            if device:
                spec["expert"] = device

    document = {"format": "spotlight.graph/1", "name": name, "source": source, "ops": ops}
    return Exported(document, rename, len(folded), unknown_types, unknown_shapes)
