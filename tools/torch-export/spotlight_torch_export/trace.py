"""Captures one full training step of a `torch.nn.Module` (forward, loss, backward, optimizer
update) as an ATen-level FX graph with `make_fx` over fake tensors (nothing is computed, so a
ResNet-50 step traces in seconds on a laptop), then describes each node for `convert`: its kind,
its output bytes, its flops from PyTorch's own flop counter (`torch.utils.flop_counter`; one flop
per output element for the pointwise and reduction ops it does not count) and the bytes it reads
and writes."""

import operator

import torch
from torch.func import functional_call, grad_and_value
from torch.fx.experimental.proxy_tensor import make_fx
from torch.utils.flop_counter import flop_registry

from .convert import Node

# Ops that view or select another tensor's data: folded into their producer.
ALIASES = {"t", "view", "_unsafe_view", "detach", "alias", "expand", "permute", "reshape", "squeeze",
           "unsqueeze", "transpose", "select", "slice", "as_strided", "lift_fresh_copy", "clone",
           "_to_copy", "split", "split_with_sizes", "unbind", "chunk", "getitem", "empty", "zeros",
           "ones_like", "zeros_like", "scalar_tensor", "full", "new_zeros", "new_empty"}


def tensor_bytes(value):
    """Bytes of a tensor or of every tensor in a tuple or list of them."""
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, (tuple, list)):
        return sum(tensor_bytes(item) for item in value)
    return 0


def elements(value):
    if isinstance(value, torch.Tensor):
        return value.numel()
    if isinstance(value, (tuple, list)):
        return sum(elements(item) for item in value)
    return 0


def optimizer_update(optimizer, params, grads, state, learning_rate=0.01, momentum=0.9):
    """New parameters and optimizer state, written out so that the update is traced op by op:
    momentum SGD (state: one buffer per parameter), plain SGD (none) or Adam (two)."""
    new_params, new_state = {}, {}
    for key, value in params.items():
        grad = grads[key]
        if optimizer == "sgd":
            new_params[key] = value - learning_rate * grad
        elif optimizer == "momentum":
            buffer = state[key] * momentum + grad
            new_state[key] = buffer
            new_params[key] = value - learning_rate * buffer
        else:
            first = state[key + "#m"] * 0.9 + grad * 0.1
            second = state[key + "#v"] * 0.999 + grad * grad * 0.001
            new_state[key + "#m"], new_state[key + "#v"] = first, second
            new_params[key] = value - learning_rate * first / (second.sqrt() + 1e-8)
    return new_params, new_state


def initial_state(optimizer, params):
    if optimizer == "sgd":
        return {}
    if optimizer == "momentum":
        return {key: torch.zeros_like(value) for key, value in params.items()}
    state = {}
    for key, value in params.items():
        state[key + "#m"] = torch.zeros_like(value)
        state[key + "#v"] = torch.zeros_like(value)
    return state


class Step:
    """A captured training step: the FX graph module of `make_fx`, the real tensors its
    placeholders take (parameters, buffers, optimizer state, input, target, in that order), and
    the names of the parameters, buffers and state."""

    def __init__(self, module, inputs, param_names, buffer_names, state_names):
        self.module = module
        self.inputs = inputs
        self.param_names = param_names
        self.buffer_names = buffer_names
        self.state_names = state_names

    def describe(self):
        return describe(self.module.graph, self.param_names, self.buffer_names, self.state_names)


def capture(model, example, target, loss_function, optimizer="momentum"):
    """One training step of `model` on `example` against `target`, traced over fake tensors."""
    model.train()
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    state = initial_state(optimizer, params)

    def step(params, buffers, state, example, target):
        def loss_of(params, buffers):
            return loss_function(functional_call(model, (params, buffers), (example,)), target)
        grads, loss = grad_and_value(loss_of, argnums=0)(params, buffers)
        # Marks where the gradients end and the update begins (dropped from the graph).
        torch.empty(0, dtype=torch.int16)
        new_params, new_state = optimizer_update(optimizer, params, grads, state)
        return loss, new_params, new_state

    module = make_fx(step, tracing_mode="fake")(params, buffers, state, example, target)
    inputs = ([value.detach() for value in params.values()] + [value.detach() for value in buffers.values()]
              + list(state.values()) + [example, target])
    return Step(module, inputs, list(params), list(buffers), list(state))


def trace(model, example, target, loss_function, optimizer="momentum"):
    """The nodes of one training step of `model` on `example` against `target`."""
    return capture(model, example, target, loss_function, optimizer).describe()


def describe(graph, param_names, buffer_names, state_names):
    nodes = list(graph.nodes)
    placeholders = [node for node in nodes if node.op == "placeholder"]
    kinds, paths = {}, {}
    layout = ([("parameter", name) for name in param_names] + [("buffer", name) for name in buffer_names]
              + [("state", name.split("#")[0]) for name in state_names] + [("input", None), ("input", None)])
    for node, (kind, path) in zip(placeholders, layout):
        kinds[node.name], paths[node.name] = kind, path
    output = next(node for node in nodes if node.op == "output")
    # The step's results, flattened: the loss, each new parameter, each new state, in input order.
    results = list(output.args[0])
    loss_node = results[0]
    new_params = results[1:1 + len(param_names)]
    new_state = results[1 + len(param_names):1 + len(param_names) + len(state_names)]
    state_placeholders = placeholders[len(param_names) + len(buffer_names):][:len(state_names)]
    updates = {}
    for result, placeholder in zip(new_params + new_state, placeholders[:len(param_names)] + state_placeholders):
        updates[result.name] = placeholder.name
    position = {node.name: index for index, node in enumerate(nodes)}
    loss_position = position[loss_node.name]
    marker = next(node for node in nodes if _is_marker(node))
    described = []
    for node in nodes:
        if node.op == "output" or node is marker:
            continue
        value = node.meta.get("val")
        if node.op == "placeholder":
            kind = kinds[node.name]
            type_name = {"parameter": "Parameter", "buffer": "Buffer", "state": "OptimizerState"}.get(kind, "Input")
            described.append(Node(node.name, kind, type_name, output_bytes=tensor_bytes(value), path=paths[node.name]))
            continue
        type_name = _type_name(node)
        inputs = [source.name for source in node.all_input_nodes if source is not marker]
        if type_name in ALIASES:
            described.append(Node(node.name, "alias", type_name, inputs, output_bytes=tensor_bytes(value)))
            continue
        index = position[node.name]
        kind = "forward" if index <= loss_position else ("backward" if index < position[marker.name] else "update")
        read = sum(tensor_bytes(source.meta.get("val")) for source in node.all_input_nodes)
        described.append(Node(node.name, kind, type_name, inputs, output_bytes=tensor_bytes(value),
                              flops=float(_flops(node, value)), bytes_accessed=float(read + tensor_bytes(value)),
                              updates=updates.get(node.name)))
    return described


def _is_marker(node):
    value = node.meta.get("val")
    return (node.op == "call_function" and isinstance(value, torch.Tensor) and value.dtype == torch.int16
            and value.numel() == 0)


def _type_name(node):
    if node.target is operator.getitem:
        return "getitem"
    packet = getattr(node.target, "overloadpacket", None)
    return packet.__name__ if packet is not None else str(node.target)


def _flops(node, value):
    packet = getattr(node.target, "overloadpacket", None)
    formula = flop_registry.get(packet)
    if formula is not None:
        args = torch.fx.node.map_arg(node.args, lambda source: source.meta.get("val"))
        kwargs = torch.fx.node.map_arg(node.kwargs, lambda source: source.meta.get("val"))
        return formula(*args, out_val=value, **kwargs)
    return elements(value)
