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


class MeasureError(Exception):
    """A placement this model cannot be measured under, with the reason."""


class Measurer:
    """The traced step of one model, measured under one placement after another. The session of
    the latest placement stays open: measuring it again (a would-be best confirmed, a repeated
    sample) reuses it, after the same warm-up steps."""

    def __init__(self, arguments, device_map):
        self.arguments = arguments
        self.device_map = device_map
        self.workload = sources.load_workload(arguments)
        self.step = sources.trace(self.workload)
        self.exported = convert.convert(self.step, self.workload.name, "")
        self.op_names = [op["name"] for op in self.exported.document["ops"]]
        self.graph = placed_step.StepGraph(self.step, self.exported.renamed)
        self.sessions_built = 0
        self._latest = None  # (the TensorFlow device of every op, its PlacedStep)

    def median_microseconds(self, assignment):
        """The median time of the timed steps under `assignment`; raises MeasureError."""
        arguments = self.arguments
        try:
            placements.check_covers(assignment, self.op_names)
            devices = {name: placements.tensorflow_device(name, self.device_map, arguments.gpus_on_cpu)
                       for name in sorted(set(assignment.values()))}
        except placements.PlacementError as error:
            raise MeasureError(str(error)) from None
        placed = self._session(tuple(devices[assignment[name]] for name in self.op_names), assignment, devices)
        try:
            for _ in range(arguments.warmup):
                placed.run_step()
            times = []
            for _ in range(arguments.steps):
                start = time.perf_counter()
                placed.run_step()
                times.append((time.perf_counter() - start) * 1e6)
        except tf.errors.OpError as error:
            self.close()
            raise MeasureError(f"the step failed under this placement: {error.message.splitlines()[0]}") from None
        middle = placements.median(times)
        steps = f"{arguments.steps} step{'' if arguments.steps == 1 else 's'}"
        print(f"{self.workload.name}: {len(assignment)} ops on {len(devices)} devices; {steps} after "
              f"{arguments.warmup} warm-up: median {middle / 1000:.2f} ms, "
              f"fastest {min(times) / 1000:.2f} ms, slowest {max(times) / 1000:.2f} ms", file=sys.stderr)
        return middle

    def _session(self, key, assignment, devices):
        """The latest session if it ran this placement, else a new one (the old one closed first,
        so that two copies of a large model are never held at once)."""
        if self._latest is not None and self._latest[0] == key:
            return self._latest[1]
        self.close()
        try:
            placed = self.graph.place(lambda name: devices[assignment[name]] if name in assignment else None,
                                      placements.cpu_devices_needed(devices.values()))
        except (RuntimeError, tf.errors.OpError) as error:
            raise MeasureError(str(error).splitlines()[0]) from None
        self.sessions_built += 1
        self._latest = (key, placed)
        return placed

    def close(self):
        """Closes the open session, if any."""
        if self._latest is not None:
            self._latest[1].session.close()
            self._latest = None


def serve(measurer):
    """Answers each placement line of standard input with a step time line, or `error: REASON`."""
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            answer = f"{measurer.median_microseconds(placements.read_assignment(line, f'placement {number}')):.1f}"
        except (placements.PlacementError, MeasureError) as error:
            answer = f"error: {error}"
        except Exception as error:  # noqa: BLE001 -- one placement's surprise must not end the server
            first_line = (str(error).splitlines() or [""])[0]
            answer = f"error: {type(error).__name__}: {first_line}"
        print(answer, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="measure", description="Read a spotlight.placement/1 file on standard input, run the model's training "
        "step with every op on its device, and print the step time in microseconds as the last line.")
    sources.add_arguments(parser)
    parser.add_argument("--placement", metavar="FILE", help="read the placement from FILE instead of standard input")
    parser.add_argument("--serve", action="store_true",
                        help="set up once, then answer each placement line of standard input with a step time line "
                        "(or error: REASON): for spotlight's --evaluate-server")
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
    if arguments.serve and arguments.placement:
        sources.fail("--serve reads placements from standard input; leave out --placement")

    try:
        device_map = placements.parse_device_map(arguments.device)
        if arguments.serve:
            assignment = None
        elif arguments.placement:
            with open(arguments.placement, encoding="utf-8") as file:
                assignment = placements.read_assignment(file.read(), arguments.placement)
        else:
            assignment = placements.read_assignment(sys.stdin.read(), "standard input")
    except (OSError, placements.PlacementError) as error:
        sources.fail(str(error))

    measurer = Measurer(arguments, device_map)
    try:
        if arguments.serve:
            serve(measurer)
            return
        try:
            microseconds = measurer.median_microseconds(assignment)
        except MeasureError as error:
            sources.fail(str(error))
        print(f"{microseconds:.1f}")
    finally:
        measurer.close()


if __name__ == "__main__":
    main()
