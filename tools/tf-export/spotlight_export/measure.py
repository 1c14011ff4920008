"""Command line: time one training step of a Keras model under a Spotlight placement.

    spotlight optimize cifar10_cnn.graph.json k80x4.cluster.json \\
        --evaluate-command 'tools/tf-export/measure --sample cifar10_cnn'

It is the measuring command of `spotlight optimize --evaluate-command`: the placement arrives on
standard input, the step time in microseconds (the median of the timed steps) is the last line of
standard output, and a placement it cannot run exits non-zero with the reason on standard error.
It traces the model exactly as the exporter does, so the op names match the exported graph's.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402

from . import convert, placed_step, placements, sources  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="measure", description="Read a spotlight.placement/1 file on standard input, run the model's training "
        "step with every op on its device, and print the step time in microseconds as the last line.")
    sources.add_arguments(parser)
    parser.add_argument("--placement", metavar="FILE", help="read the placement from FILE instead of standard input")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first (default 2)")
    parser.add_argument("--steps", type=int, default=5, help="timed steps; their median is printed (default 5)")
    parser.add_argument("--device", action="append", default=[], metavar="NAME=TF_DEVICE",
                        help="the TensorFlow device for a Spotlight device, such as gpu:1=/device:GPU:3; repeatable. "
                        "Otherwise cpu:K is /device:CPU:K and gpu:K is /device:GPU:K")
    parser.add_argument("--gpus-on-cpu", action="store_true",
                        help="run gpu:K on a logical CPU device (/device:CPU:K+1) of its own, to try the pipeline on "
                        "a machine without GPUs: the step is real, the timings say little about GPUs")
    arguments = parser.parse_args(argv)
    if arguments.warmup < 0 or arguments.steps < 1:
        sources.fail("--warmup must be at least 0 and --steps at least 1")

    try:
        if arguments.placement:
            with open(arguments.placement, encoding="utf-8") as file:
                assignment = placements.read_assignment(file.read(), arguments.placement)
        else:
            assignment = placements.read_assignment(sys.stdin.read(), "standard input")
        device_map = placements.parse_device_map(arguments.device)
        devices = {name: placements.tensorflow_device(name, device_map, arguments.gpus_on_cpu)
                   for name in sorted(set(assignment.values()))}
    except (OSError, placements.PlacementError) as error:
        sources.fail(str(error))

    workload = sources.load_workload(arguments)
    step = sources.trace(workload)
    exported = convert.convert(step, workload.name, "")
    try:
        placements.check_covers(assignment, [op["name"] for op in exported.document["ops"]])
    except placements.PlacementError as error:
        sources.fail(str(error))

    def device_of(name):
        device = assignment.get(name)
        return devices[device] if device else None

    try:
        placed = placed_step.build(step, exported.renamed, device_of,
                                   placements.cpu_devices_needed(devices.values()))
    except (RuntimeError, tf.errors.OpError) as error:
        sources.fail(str(error).splitlines()[0])

    try:
        for _ in range(arguments.warmup):
            placed.run_step()
        times = []
        for _ in range(arguments.steps):
            start = time.perf_counter()
            placed.run_step()
            times.append((time.perf_counter() - start) * 1e6)
    except tf.errors.OpError as error:
        sources.fail(f"the step failed under this placement: {error.message.splitlines()[0]}")
    finally:
        placed.session.close()
    steps = f"{arguments.steps} step{'' if arguments.steps == 1 else 's'}"
    print(f"{workload.name}: {len(assignment)} ops on {len(devices)} devices; {steps} after "
          f"{arguments.warmup} warm-up: median {placements.median(times) / 1000:.2f} ms, "
          f"fastest {min(times) / 1000:.2f} ms, slowest {max(times) / 1000:.2f} ms", file=sys.stderr)
    print(f"{placements.median(times):.1f}")


if __name__ == "__main__":
    main()
