"""Where a workload comes from, shared by the exporter and the measuring command so that both trace
the same training step: a sample (`--sample`), a function that builds a model (`--module`) or a
saved model (`--model`), with the batch, loss and optimizer options."""

import importlib.util
import os
import sys

import tensorflow as tf

from . import models, training_step


def fail(message):
    """Prints `error: message` and exits with status 1."""
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def add_arguments(parser):
    """Adds the options that choose a workload and how its step is traced."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--sample", choices=sorted(models.SAMPLES), help="one of the sample workloads")
    source.add_argument("--module", metavar="FILE.py:FUNCTION", help="a function that returns a tf.keras.Model")
    source.add_argument("--model", metavar="FILE", help="a saved Keras model (.keras, .h5 or a SavedModel folder)")
    parser.add_argument("--batch", type=int, help="batch size (each sample has the one its paper used)")
    parser.add_argument("--optimizer", choices=sorted(training_step.SLOTS), default="momentum",
                        help="update for your own model (default momentum; samples use their paper's)")
    parser.add_argument("--loss", choices=["sparse_categorical_crossentropy", "mse"],
                        default="sparse_categorical_crossentropy", help="loss for your own model, from its outputs")


def load_workload(arguments):
    """The `models.Workload` the parsed options name; exits with a message when it cannot load."""
    tf.keras.backend.clear_session()
    if arguments.sample:
        builder = models.SAMPLES[arguments.sample]
        return builder(arguments.batch) if arguments.batch else builder()
    if not arguments.batch:
        fail("--batch is required for your own model")
    if arguments.module:
        model = _load_module_function(arguments.module)()
    else:
        try:
            model = tf.keras.models.load_model(arguments.model, compile=False)
        except Exception as error:  # Keras raises many kinds for an unreadable file.
            fail(f"{arguments.model}: cannot load a Keras model: {error}")
    return _user_workload(model, arguments)


def trace(workload):
    """The workload's traced training step."""
    return training_step.trace(workload.model, workload.input_specs, workload.label_spec, workload.loss,
                               optimizer=workload.optimizer, learning_rate=workload.learning_rate)


def _load_module_function(reference):
    path, _, function = reference.rpartition(":")
    if not path or not function:
        fail(f"--module wants FILE.py:FUNCTION, got {reference!r}")
    if not os.path.isfile(path):
        fail(f"{path}: no such file")
    spec = importlib.util.spec_from_file_location("user_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, function):
        fail(f"{path}: has no function {function!r}")
    return getattr(module, function)


def _user_workload(model, arguments):
    if not isinstance(model, tf.keras.Model):
        fail(f"expected a tf.keras.Model, got {type(model).__name__}")
    batch = arguments.batch
    specs = []
    for tensor in model.inputs:
        shape = [batch] + list(tensor.shape[1:])
        if None in shape[1:]:
            fail(f"input {tensor.name} has an unknown dimension {tensor.shape}; give the model fixed input shapes")
        specs.append(tf.TensorSpec(shape, tensor.dtype))
    output_shape = [batch] + list(model.outputs[0].shape[1:])
    if arguments.loss == "sparse_categorical_crossentropy":
        label_spec = tf.TensorSpec(output_shape[:-1], tf.int32)
        loss = models.sparse_cross_entropy
    else:
        label_spec = tf.TensorSpec(output_shape, model.outputs[0].dtype)
        loss = lambda labels, outputs: tf.reduce_mean(tf.square(outputs - labels))  # noqa: E731
    device = getattr(arguments, "expert", None)
    expert = (lambda op: "cpu:0" if op.get("devices") == ["cpu"] else device) if device else None
    name = getattr(arguments, "name", None) or model.name
    return models.Workload(name, f"Keras model {model.name}", model, specs[0] if len(specs) == 1 else specs,
                           label_spec, arguments.optimizer, expert, learning_rate=0.01, batch=batch, loss=loss)
