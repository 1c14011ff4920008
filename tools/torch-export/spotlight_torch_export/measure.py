"""Command line: time one training step of a PyTorch model under a Spotlight placement.

    spotlight optimize resnet50.torch.graph.json.gz my_machine.cluster.json \\
        --evaluate-server 'tools/torch-export/measure --model resnet50 --batch 32 --serve'

The measuring command of `spotlight optimize --evaluate-command` (or, with `--serve`, its server):
the placement arrives on standard input (with `--serve`, one compact line each), and the step time
in microseconds, the median of the timed steps, is the last line of standard output; a placement
it cannot run is an error (exit 1, or with `--serve` an `error: REASON` line). It traces the model
as the exporter does, so the op names match the exported graph's, then runs the traced ATen ops
one by one, each on its op's device (`cpu:N` on the CPU, `gpu:N` on `cuda:N`), copying a tensor
to another device once per step where an edge crosses. The ops are dispatched from Python, which
adds some microseconds per op to every placement alike.
"""

import argparse
import json
import statistics
import sys
import time

import torch

from . import models
from .__main__ import builder_of
from .convert import name_ops, producer_of
from .trace import capture


class MeasureError(Exception):
    """A placement this model cannot be measured under, with the reason."""


class PlacedStep:
    """The captured step, its ops' names in the graph file, and how to run it under a placement."""

    def __init__(self, arguments):
        build, _ = builder_of(arguments)
        model, example, target, loss = build(arguments.batch)
        self.step = capture(model, example, target, loss, optimizer=arguments.optimizer)
        nodes = self.step.describe()
        _, self.op_names = name_ops(nodes)
        producer = producer_of(nodes)
        # Each FX node's op in the file: itself, or the op an alias views.
        self.op_of = {}
        for node in nodes:
            real = producer(node.name)
            if real is not None:
                self.op_of[node.name] = self.op_names[real]
        self.gpus_on_cpu = arguments.gpus_on_cpu

    def torch_device(self, name):
        kind, _, index = name.partition(":")
        if kind == "cpu" or (kind == "gpu" and self.gpus_on_cpu):
            return torch.device("cpu")
        if kind == "gpu":
            if not torch.cuda.is_available() or int(index or 0) >= torch.cuda.device_count():
                raise MeasureError(f"no CUDA device for {name} (--gpus-on-cpu runs gpu:K on the CPU)")
            return torch.device(f"cuda:{int(index or 0)}")
        raise MeasureError(f"device {name!r} is neither cpu:N nor gpu:N")

    def devices_for(self, assignment):
        missing = sorted(set(self.op_names.values()) - set(assignment))
        if missing:
            raise MeasureError(f"the placement assigns no device to {len(missing)} ops, such as {missing[0]!r}")
        cache = {}
        devices = {}
        for node_name, op in self.op_of.items():
            name = assignment[op]
            if name not in cache:
                cache[name] = self.torch_device(name)
            devices[node_name] = cache[name]
        return devices

    def run(self, devices, placed_inputs):
        """One step under `devices` (by FX node), the inputs already on theirs."""
        graph = self.step.module.graph
        values = {}
        copies = {}
        placeholders = iter(placed_inputs)

        def on(device):
            def fetch(node):
                value = values[node.name]
                if isinstance(value, torch.Tensor) and value.device != device:
                    key = (node.name, device)
                    if key not in copies:
                        copies[key] = value.to(device)
                    return copies[key]
                return value
            return fetch

        for node in graph.nodes:
            if node.op == "placeholder":
                values[node.name] = next(placeholders)
            elif node.op == "call_function":
                device = devices.get(node.name, torch.device("cpu"))
                args = torch.fx.node.map_arg(node.args, on(device))
                kwargs = dict(torch.fx.node.map_arg(node.kwargs, on(device)))
                if "device" in kwargs:
                    kwargs["device"] = device
                values[node.name] = node.target(*args, **kwargs)
        for index in range(torch.cuda.device_count() if torch.cuda.is_available() else 0):
            torch.cuda.synchronize(index)

    def median_microseconds(self, assignment, warmup, steps):
        devices = self.devices_for(assignment)
        placeholders = [node.name for node in self.step.module.graph.nodes if node.op == "placeholder"]
        placed_inputs = [value.to(devices[name]) for name, value in zip(placeholders, self.step.inputs)]
        with torch.no_grad():
            for _ in range(warmup):
                self.run(devices, placed_inputs)
            times = []
            for _ in range(steps):
                start = time.perf_counter()
                self.run(devices, placed_inputs)
                times.append((time.perf_counter() - start) * 1e6)
        return statistics.median(times)


def assignment_of(line):
    try:
        document = json.loads(line)
    except json.JSONDecodeError as error:
        raise MeasureError(f"the placement is not JSON: {error}") from None
    assignment = document.get("assignment") if isinstance(document, dict) else None
    if not isinstance(assignment, dict):
        raise MeasureError("the placement has no \"assignment\" object")
    return assignment


def main(argv=None):
    parser = argparse.ArgumentParser(prog="measure", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", choices=sorted(models.BUILDERS))
    which.add_argument("--module", help="FILE.py:FUNCTION, as for export")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="momentum")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    parser.add_argument("--steps", type=int, default=5, help="timed steps; their median is printed")
    parser.add_argument("--serve", action="store_true", help="answer one placement per input line")
    parser.add_argument("--gpus-on-cpu", action="store_true", help="run gpu:K on the CPU (to try the pipeline)")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads")
    arguments = parser.parse_args(argv)
    if arguments.threads:
        torch.set_num_threads(arguments.threads)
    placed = PlacedStep(arguments)
    if not arguments.serve:
        try:
            print(f"{placed.median_microseconds(assignment_of(sys.stdin.read()), arguments.warmup, arguments.steps):.1f}")
        except MeasureError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(1)
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = f"{placed.median_microseconds(assignment_of(line), arguments.warmup, arguments.steps):.1f}"
        except MeasureError as error:
            answer = f"error: {error}"
        print(answer, flush=True)


if __name__ == "__main__":
    main()
