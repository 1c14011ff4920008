"""Command line: export a sample workload or your own Keras model as a Spotlight graph.

    export --sample inception_v3 --out samples/inception_v3.graph.json.gz
    export --module my_models.py:build --batch 64 --out my_model.graph.json
    export --model saved.keras --batch 64 --out my_model.graph.json
    export --sample cifar10_cnn --profile --out cifar10_cnn.profiled.graph.json
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if "--profile" not in sys.argv[1:]:
    # The trace is the same on any machine; only profiling needs to see the GPUs.
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import tensorflow as tf  # noqa: E402

from . import convert, sources, writer  # noqa: E402


def _scaled(value):
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.2f} {prefix}"
    return f"{value:.0f} "


def _add_profiled_times(step, exported):
    """Writes each op's measured time per device type into its `time_us`, and says how many."""
    from .profile import fused_into_consumers, profile

    ops = exported.document["ops"]
    times = profile(step, exported.renamed, [op["name"] for op in ops])
    fused_into_consumers(ops, times)
    for op in ops:
        if op["name"] in times:
            op["time_us"] = times[op["name"]]
    kinds = sorted({kind for by_kind in times.values() for kind in by_kind})
    print(f"profiled {len(times)} of {len(ops)} ops on {', '.join(kinds)}", file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="export", description="Trace one training step (forward, gradients, optimizer update) of a Keras "
        "model and write it as a spotlight.graph/1 file (gzip-compressed when the name ends in .gz).")
    sources.add_arguments(parser)
    parser.add_argument("--out", required=True, help="the graph file to write")
    parser.add_argument("--name", help="graph name (default: the model's name)")
    parser.add_argument("--expert", metavar="DEVICE", help="for your own model: the device an expert would use, "
                        "such as gpu:0 (ops that must run on the host get cpu:0)")
    parser.add_argument("--group-depth", type=int, default=1,
                        help="name-scope levels below the model that form an op's group (default 1: the layer)")
    parser.add_argument("--profile", action="store_true",
                        help="run the step on the CPU and each kind of GPU and write each op's median time (time_us)")
    arguments = parser.parse_args(argv)

    workload = sources.load_workload(arguments)
    step = sources.trace(workload)
    description = (f"TensorFlow {tf.__version__} (tf.keras): {workload.description}, batch {workload.batch}; "
                   f"one training step (forward, gradients, {workload.optimizer} update) traced by "
                   f"tools/tf-export with constants and static shape arithmetic folded")
    exported = convert.convert(step, workload.name, description, expert=workload.expert,
                               group_depth=arguments.group_depth)
    if arguments.profile:
        _add_profiled_times(step, exported)
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
