"""From the nodes of a traced training step to a `spotlight.graph/1` document. Plain Python (no
PyTorch), so that the rules are tested without it: which nodes fold into their producer, how ops are
named and grouped, what is persistent, what is colocated, and where the expert would put each op.

A node is one of:
- "parameter", "buffer", "state" (optimizer state), "input": the step's placeholders;
- "forward", "backward", "update": the ops of the forward pass and loss, of the gradients, and of
  the optimizer's update;
- "alias": a view of another tensor (a transpose, a reshape, an element of a tuple), folded into
  its producer so that it costs nothing and adds no op.
"""

from dataclasses import dataclass, field
from typing import List, Optional

FORMAT = "spotlight.graph/1"


@dataclass
class Node:
    name: str
    kind: str
    type: str
    inputs: List[str] = field(default_factory=list)
    output_bytes: int = 0
    flops: float = 0.0
    bytes_accessed: float = 0.0
    # For placeholders: the dotted name of the parameter, buffer or state ("layer1.0.conv1.weight").
    path: Optional[str] = None
    # For the last op computing a parameter's or state's new value: the placeholder it replaces.
    updates: Optional[str] = None


def module_of(path):
    """The module a parameter belongs to: its path without the last component."""
    return path.rsplit(".", 1)[0] if "." in path else path


def convert(nodes, name, description, accelerator="gpu:0", host="cpu:0", times=None):
    """The graph document of `nodes` (in execution order); `times` gives measured op times by node
    name and device type (`time_us`)."""
    by_name = {node.name: node for node in nodes}
    # An alias stands for the op it views.
    producer = producer_of(nodes)
    groups, op_names = name_ops(nodes)
    ops = []
    for node in nodes:
        if node.kind == "alias":
            continue
        op = {"name": op_names[node.name], "type": node.type}
        inputs = []
        seen = set()
        for input_name in node.inputs:
            real = producer(input_name)
            if real is None or real in seen:
                continue
            seen.add(real)
            bytes_on_edge = by_name[input_name].output_bytes
            if bytes_on_edge == by_name[real].output_bytes:
                inputs.append(op_names[real])
            else:
                inputs.append({"from": op_names[real], "bytes": bytes_on_edge})
        if inputs:
            op["inputs"] = inputs
        op["output_bytes"] = node.output_bytes
        op["flops"] = node.flops
        op["bytes_accessed"] = node.bytes_accessed
        if times and node.name in times:
            op["time_us"] = times[node.name]
        if node.kind in ("parameter", "buffer", "state"):
            op["persistent_bytes"] = node.output_bytes
        if node.kind == "input":
            op["devices"] = ["cpu"]
        if node.updates is not None:
            op["colocate_with"] = op_names[node.updates]
        op["group"] = groups[node.name]
        op["expert"] = host if node.kind == "input" else accelerator
        ops.append(op)
    return {"format": FORMAT, "name": name, "source": description, "ops": ops}


def producer_of(nodes):
    """A function giving, for a node's name, the real op it stands for: itself, or for an alias
    the op it views (None for a view of nothing)."""
    by_name = {node.name: node for node in nodes}

    def producer(node_name):
        while by_name[node_name].kind == "alias":
            sources = by_name[node_name].inputs
            if not sources:
                return None
            node_name = sources[0]
        return node_name
    return producer


def name_ops(nodes):
    """Each real node's group and op name in the graph file, by node name: what the exporter
    writes and what `measure` reads placements by."""
    producer = producer_of(nodes)
    parameters = {node.name for node in nodes if node.kind in ("parameter", "buffer")}
    groups = {}
    for node in nodes:
        if node.kind != "alias":
            groups[node.name] = _group(node, groups, producer, parameters)
    op_names = {node.name: _op_name(node, groups[node.name]) for node in nodes if node.kind != "alias"}
    _make_unique(op_names)
    return groups, op_names


def _group(node, groups, producer, parameters):
    """Placeholders by their module; forward ops by the module of a parameter they use, else by
    their first grouped input; gradients as `gradients/` and updates as `update/` of the same."""
    if node.kind in ("parameter", "buffer"):
        return module_of(node.path)
    if node.kind == "state":
        return "update/" + module_of(node.path)
    if node.kind == "input":
        return "input"
    grouped = [groups[real] for real in (producer(source) for source in node.inputs) if real in groups]
    if node.kind == "forward":
        for source in node.inputs:
            real = producer(source)
            if real in parameters:
                return groups[real]
        forward = [group for group in grouped if not group.startswith(("gradients", "update", "input"))]
        return forward[0] if forward else "forward"
    if node.kind == "backward":
        for group in grouped:
            if group.startswith("gradients/"):
                continue
            if not group.startswith(("update", "input")):
                return "gradients/" + group
        backward = [group for group in grouped if group.startswith("gradients/")]
        return backward[0] if backward else "gradients"
    if node.kind == "update":
        for group in grouped:
            if group.startswith("update/"):
                return group
        for group in grouped:
            if not group.startswith(("gradients", "input")):
                return "update/" + group
        gradients = [group for group in grouped if group.startswith("gradients/")]
        return "update/" + gradients[0][len("gradients/"):] if gradients else "update"
    return "other"


def _op_name(node, group):
    if node.kind in ("parameter", "buffer"):
        return node.path
    if node.kind == "state":
        return "state/" + node.path
    if node.kind == "input":
        return "input/" + node.name
    return group + "/" + node.name


def _make_unique(op_names):
    used = {}
    for key, value in op_names.items():
        if value in used:
            used[value] += 1
            op_names[key] = f"{value}_{used[value]}"
        else:
            used[value] = 0
