"""Command line: export a sample workload or your own Keras model as a Spotlight graph.

    export --sample inception_v3 --out samples/inception_v3.graph.json.gz
    export --module my_models.py:build --batch 64 --out my_model.graph.json
    export --model saved.keras --batch 64 --out my_model.graph.json
"""

import argparse
import importlib.util
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import tensorflow as tf  # noqa: E402

from . import convert, models, training_step, writer  # noqa: E402


def _fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def _load_module_function(reference):
    path, _, function = reference.rpartition(":")
    if not path or not function:
        _fail(f"--module wants FILE.py:FUNCTION, got {reference!r}")
    if not os.path.isfile(path):
        _fail(f"{path}: no such file")
    spec = importlib.util.spec_from_file_location("user_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, function):
        _fail(f"{path}: has no function {function!r}")
    return getattr(module, function)


def _user_workload(model, arguments):
    if not isinstance(model, tf.keras.Model):
        _fail(f"expected a tf.keras.Model, got {type(model).__name__}")
    batch = arguments.batch
    specs = []
    for tensor in model.inputs:
        shape = [batch] + list(tensor.shape[1:])
        if None in shape[1:]:
            _fail(f"input {tensor.name} has an unknown dimension {tensor.shape}; give the model fixed input shapes")
        specs.append(tf.TensorSpec(shape, tensor.dtype))
    output_shape = [batch] + list(model.outputs[0].shape[1:])
    if arguments.loss == "sparse_categorical_crossentropy":
        label_spec = tf.TensorSpec(output_shape[:-1], tf.int32)
        loss = models.sparse_cross_entropy
    else:
        label_spec = tf.TensorSpec(output_shape, model.outputs[0].dtype)
        loss = lambda labels, outputs: tf.reduce_mean(tf.square(outputs - labels))  # noqa: E731
    device = arguments.expert
    expert = (lambda op: "cpu:0" if op.get("devices") == ["cpu"] else device) if device else None
    name = arguments.name or model.name
    return models.Workload(name, f"Keras model {model.name}", model, specs[0] if len(specs) == 1 else specs,
                           label_spec, arguments.optimizer, expert, learning_rate=0.01, batch=batch, loss=loss)


def _scaled(value):
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.2f} {prefix}"
    return f"{value:.0f} "


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="export", description="Trace one training step (forward, gradients, optimizer update) of a Keras "
        "model and write it as a spotlight.graph/1 file (gzip-compressed when the name ends in .gz).")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--sample", choices=sorted(models.SAMPLES), help="one of the sample workloads")
    source.add_argument("--module", metavar="FILE.py:FUNCTION", help="a function that returns a tf.keras.Model")
    source.add_argument("--model", metavar="FILE", help="a saved Keras model (.keras, .h5 or a SavedModel folder)")
    parser.add_argument("--out", required=True, help="the graph file to write")
    parser.add_argument("--batch", type=int, help="batch size (each sample has the one its paper used)")
    parser.add_argument("--optimizer", choices=sorted(training_step.SLOTS), default="momentum",
                        help="update for your own model (default momentum; samples use their paper's)")
    parser.add_argument("--loss", choices=["sparse_categorical_crossentropy", "mse"],
                        default="sparse_categorical_crossentropy", help="loss for your own model, from its outputs")
    parser.add_argument("--name", help="graph name (default: the model's name)")
    parser.add_argument("--expert", metavar="DEVICE", help="for your own model: the device an expert would use, "
                        "such as gpu:0 (ops that must run on the host get cpu:0)")
    parser.add_argument("--group-depth", type=int, default=1,
                        help="name-scope levels below the model that form an op's group (default 1: the layer)")
    arguments = parser.parse_args(argv)

    tf.keras.backend.clear_session()
    if arguments.sample:
        builder = models.SAMPLES[arguments.sample]
        workload = builder(arguments.batch) if arguments.batch else builder()
    else:
        if not arguments.batch:
            _fail("--batch is required for your own model")
        if arguments.module:
            model = _load_module_function(arguments.module)()
        else:
            try:
                model = tf.keras.models.load_model(arguments.model, compile=False)
            except Exception as error:  # Keras raises many kinds for an unreadable file.
                _fail(f"{arguments.model}: cannot load a Keras model: {error}")
        workload = _user_workload(model, arguments)

    step = training_step.trace(workload.model, workload.input_specs, workload.label_spec, workload.loss,
                               optimizer=workload.optimizer, learning_rate=workload.learning_rate)
    description = (f"TensorFlow {tf.__version__} (tf.keras): {workload.description}, batch {workload.batch}; "
                   f"one training step (forward, gradients, {workload.optimizer} update) traced by "
                   f"tools/tf-export with constants and static shape arithmetic folded")
    exported = convert.convert(step, workload.name, description, expert=workload.expert,
                               group_depth=arguments.group_depth)
    writer.write(exported.document, arguments.out)

    ops = exported.document["ops"]
    flops = sum(op.get("flops", 0) for op in ops)
    forward = sum(op.get("flops", 0) for op in ops
                  if not op["name"].startswith(("gradient_tape/", "backward/", "update/")))
    variables = [op for op in ops if op["type"] == "VarHandleOp"]
    parameters = sum(op["persistent_bytes"] for op in variables if "colocate_with" not in op) // 4
    edges = sum(len(op.get("inputs", [])) for op in ops)
    print(f"{arguments.out}: {len(ops)} ops, {edges} edges, {_scaled(flops)}FLOP per step "
          f"({_scaled(forward)}FLOP forward, {flops / max(forward, 1):.2f}x), {_scaled(parameters)} parameters, "
          f"{exported.folded} ops folded")
    if exported.unknown_types:
        listed = ", ".join(f"{name} ({count})" for name, count in sorted(exported.unknown_types.items()))
        print(f"note: costed as elementwise, not modelled explicitly: {listed}", file=sys.stderr)
    if exported.unknown_shapes:
        print(f"note: {exported.unknown_shapes} ops have shapes TensorFlow does not know statically; "
              f"their flops are 0", file=sys.stderr)


if __name__ == "__main__":
    main()
