"""Measured op times for `export --profile`: the traced step run on each device type of the
machine (the CPU, and each kind of CUDA device), every op timed on its own, and each op's median
written into the graph's `time_us` under the device type `calibrate` gives the cluster file, so
that the simulator's roofline is only the fallback. A view's time goes to the op it views."""

import statistics
import time

import torch
from spotlight_export.profile import device_kind

from .convert import producer_of


def device_type(device):
    """The cluster file's `type` for a device: `cpu`, or the CUDA device's name (`nvidia_h100`)."""
    if device.type == "cpu":
        return "cpu"
    return device_kind(torch.cuda.get_device_name(device))


def profile(step, nodes, devices, repeats=5):
    """{node name: {device type: median microseconds}} for the real nodes of `step`, each device
    in `devices` running the whole step."""
    producer = producer_of(nodes)
    described = {node.name for node in nodes}
    times = {}
    for device in devices:
        samples = {}
        inputs = [value.to(device) for value in step.inputs]
        with torch.no_grad():
            _run(step, device, inputs, None)
            for _ in range(repeats):
                _run(step, device, inputs, samples)
        kind = device_type(device)
        for name, values in samples.items():
            real = producer(name) if name in described else None
            if real is None:
                continue
            times.setdefault(real, {}).setdefault(kind, 0.0)
            times[real][kind] += statistics.median(values)
    return {name: {kind: round(value, 3) for kind, value in by_type.items()} for name, by_type in times.items()}


def _run(step, device, inputs, samples):
    values = {}
    placeholders = iter(inputs)
    synchronize = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    for node in step.module.graph.nodes:
        if node.op == "placeholder":
            values[node.name] = next(placeholders)
        elif node.op == "call_function":
            args = torch.fx.node.map_arg(node.args, lambda source: values[source.name])
            kwargs = dict(torch.fx.node.map_arg(node.kwargs, lambda source: values[source.name]))
            if "device" in kwargs:
                kwargs["device"] = device
            start = time.perf_counter()
            values[node.name] = node.target(*args, **kwargs)
            synchronize()
            if samples is not None:
                samples.setdefault(node.name, []).append((time.perf_counter() - start) * 1e6)
