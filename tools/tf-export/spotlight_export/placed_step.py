"""A traced training step rebuilt as a TensorFlow 1 graph with a device on every op, so that a
session runs it exactly as a Spotlight placement says.

The traced function graph reads its variables through captured resource placeholders. Here each
becomes a `VarHandleOp` on its assigned device, initialised once from the Keras variable's value;
the data inputs stay placeholders, fed with fixed arrays. Every op the exported graph has gets the
device of the same name; what the exporter folded away (constants, shape arithmetic) is left to
TensorFlow's placer and Grappler, as in any session. Colocation hints TensorFlow recorded while
tracing are dropped: the placement decides, and it already keeps an op that takes a variable's
handle with that variable, which TensorFlow's placer requires."""

import numpy as np
import tensorflow as tf


class PlacedStep:
    """A session ready to run the placed step: `fetches` are the ops nothing consumes (the
    updates, the loss), `feeds` the fixed batch for the data inputs."""

    def __init__(self, session, fetches, feeds):
        self.session = session
        self.fetches = fetches
        self.feeds = feeds
        run = session.make_callable(fetches=fetches, feed_list=list(feeds))
        arrays = list(feeds.values())
        self._run = lambda: run(*arrays)

    def run_step(self):
        """Runs one training step."""
        self._run()


class StepGraph:
    """The placement-independent part of the rebuild, done once per model: the step's graph with its
    variables as `VarHandleOp`s, their initial values, and the fixed batch. `place` then makes a
    session per placement; a server measuring hundreds of placements pays the rest only once (for
    the Transformer, copying 64M parameters out of Keras alone took 0.8 s a placement)."""

    def __init__(self, step, renamed):
        """`step` is a `training_step.TracedStep`; `renamed` maps traced op names to exported ones."""
        graph_def = step.graph.as_graph_def()
        captures = {internal.op.name: external for external, internal in step.graph.captures}
        variables = {}
        consumed = set()
        for node in graph_def.node:
            for source in node.input:
                consumed.add(source.lstrip("^").split(":")[0])
            if "_class" in node.attr:
                del node.attr["_class"]
            if node.name in captures:
                variable = step.variables.get(id(captures[node.name]))
                if variable is not None:
                    _make_variable_handle(node, variable, renamed.get(node.name, node.name))
                    variables[node.name] = variable
                else:
                    _make_constant(node, captures[node.name])
        self.graph_def = graph_def
        self.exported_names = [renamed.get(node.name, node.name) for node in graph_def.node]
        self.targets = [node.name for node in graph_def.node if node.name not in consumed]
        self.variables = {name: (variable.dtype, variable.shape, variable.numpy()) for name, variable in variables.items()}
        self.batch = {node.name: _example_input(node) for node in graph_def.node if node.op == "Placeholder"}

    def place(self, device_of, cpu_devices, fuse_ops=True):
        """A session running the step with `device_of(exported name)` on each op (None for ops the
        exported graph does not have), its variables initialised, ready to run. Without `fuse_ops`,
        Grappler does not fuse ops (a convolution with its bias and activation), so that each op
        of the exported graph runs, and is timed, on its own."""
        graph_def = tf.compat.v1.GraphDef()
        graph_def.CopyFrom(self.graph_def)
        for node, exported_name in zip(graph_def.node, self.exported_names):
            node.device = device_of(exported_name) or ""

        graph = tf.Graph()
        with graph.as_default():
            tf.graph_util.import_graph_def(graph_def, name="")
            initial_values = {}
            initialisers = []
            for name, (dtype, shape, value) in self.variables.items():
                handle = graph.get_tensor_by_name(f"{name}:0")
                with tf.device(handle.device):
                    feed = tf.compat.v1.placeholder(dtype, shape)
                    initialisers.append(tf.raw_ops.AssignVariableOp(resource=handle, value=feed))
                initial_values[feed] = value
            sinks = [graph.get_operation_by_name(name) for name in self.targets]
            feeds = {graph.get_tensor_by_name(f"{name}:0"): batch for name, batch in self.batch.items()}

        config = tf.compat.v1.ConfigProto(device_count={"CPU": cpu_devices}, allow_soft_placement=True)
        if not fuse_ops:
            config.graph_options.rewrite_options.remapping = 2  # RewriterConfig.OFF
        session = tf.compat.v1.Session(graph=graph, config=config)
        available = {_short_device_name(device.name) for device in session.list_devices()}
        wanted = {node.device for node in graph_def.node if node.device}
        absent = sorted(device for device in wanted if _short_device_name(device) not in available)
        if absent:
            session.close()
            raise RuntimeError(f"this machine has no {', '.join(absent)} (it has {', '.join(sorted(available))}); "
                               f"--gpus-on-cpu runs the GPUs' share on logical CPU devices, to try it without GPUs")
        session.run(initialisers, feed_dict=initial_values)
        return PlacedStep(session, sinks, feeds)


def _short_device_name(name):
    """`CPU:0` for `/job:localhost/replica:0/task:0/device:CPU:0`, `/device:CPU:0` or `/cpu:0`."""
    return name.split("/")[-1].replace("device:", "").upper()


def _make_variable_handle(node, variable, shared_name):
    node.op = "VarHandleOp"
    node.ClearField("input")
    node.ClearField("attr")
    node.attr["dtype"].type = variable.dtype.as_datatype_enum
    node.attr["shape"].shape.CopyFrom(variable.shape.as_proto())
    node.attr["shared_name"].s = shared_name.encode()
    node.attr["container"].s = b""


def _make_constant(node, tensor):
    value = tensor.numpy()
    node.op = "Const"
    node.ClearField("input")
    node.ClearField("attr")
    node.attr["dtype"].type = tf.as_dtype(value.dtype).as_datatype_enum
    node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(value))


def _example_input(node):
    """A fixed batch for a data input: standard normal values, or zeros (a valid class or token id
    for any vocabulary) for integers."""
    dtype = tf.as_dtype(node.attr["dtype"].type)
    shape = [dimension.size for dimension in node.attr["shape"].shape.dim]
    if any(size < 0 for size in shape):
        raise RuntimeError(f"data input {node.name} has an unknown dimension {shape}; trace it with fixed shapes")
    if dtype.is_floating:
        return np.random.default_rng(0).standard_normal(shape).astype(dtype.as_numpy_dtype)
    return np.zeros(shape, dtype.as_numpy_dtype)
