"""The measuring command's view of a Spotlight placement: reading a `spotlight.placement/1` file,
checking that it assigns exactly the ops of the traced model, and naming TensorFlow's device for
each Spotlight device. Pure Python, so that the tests run without TensorFlow."""

import json
import re

DEVICE_NAME = re.compile(r"^([a-z]+):([0-9]+)$")


class PlacementError(Exception):
    """A placement that cannot be measured, with the reason."""


def read_assignment(text, source="the placement"):
    """The op name -> device name map of a `spotlight.placement/1` document."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PlacementError(f"{source}: not JSON: {error}") from None
    if not isinstance(document, dict):
        raise PlacementError(f"{source}: expected an object at the top")
    if document.get("format") != "spotlight.placement/1":
        raise PlacementError(f"{source}: $.format: expected \"spotlight.placement/1\", got {document.get('format')!r}")
    assignment = document.get("assignment")
    if not isinstance(assignment, dict):
        raise PlacementError(f"{source}: $.assignment: expected an object mapping op names to devices")
    for op, device in assignment.items():
        if not isinstance(device, str):
            raise PlacementError(f"{source}: $.assignment[{json.dumps(op)}]: expected a device name, got {device!r}")
    return assignment


def check_covers(assignment, op_names):
    """Fails unless the placement assigns every op of the model and no other, which is how a
    placement made for another graph (or another version of the model) shows."""
    missing = sorted(set(op_names) - assignment.keys())
    unknown = sorted(assignment.keys() - set(op_names))
    problems = []
    if missing:
        problems.append(f"leaves {_counted(missing, 'op')} of the model unassigned ({_first(missing)})")
    if unknown:
        problems.append(f"assigns {_counted(unknown, 'op')} the model does not have ({_first(unknown)})")
    if problems:
        raise PlacementError("the placement " + " and ".join(problems) +
                             "; was it made for another graph, or the model exported with other options?")


def parse_device_map(entries):
    """`NAME=TF_DEVICE` entries (`gpu:0=/device:GPU:1`) as a dict."""
    mapping = {}
    for entry in entries:
        name, separator, device = entry.partition("=")
        if not separator or not DEVICE_NAME.match(name) or not device.startswith("/"):
            raise PlacementError(f"--device wants NAME=TF_DEVICE such as gpu:0=/device:GPU:0, got {entry!r}")
        mapping[name] = device
    return mapping


def tensorflow_device(name, device_map, gpus_on_cpu=False):
    """TensorFlow's device for a Spotlight device: `--device` entries first, then `cpu:K` ->
    `/device:CPU:K` and `gpu:K` -> `/device:GPU:K`, or `/device:CPU:(K+1)`, a logical CPU device
    standing in for it, with `gpus_on_cpu`."""
    if name in device_map:
        return device_map[name]
    match = DEVICE_NAME.match(name)
    kind, index = (match.group(1), int(match.group(2))) if match else (None, None)
    if kind == "cpu":
        if gpus_on_cpu and index != 0:
            raise PlacementError(f"with --gpus-on-cpu only cpu:0 is a CPU of its own; give {name} one with --device")
        return f"/device:CPU:{index}"
    if kind == "gpu":
        return f"/device:CPU:{index + 1}" if gpus_on_cpu else f"/device:GPU:{index}"
    raise PlacementError(f"no TensorFlow device for {name!r}; give one with --device {name}=/device:...")


def cpu_devices_needed(tensorflow_devices):
    """How many CPU devices the session must have for the given TensorFlow device names."""
    highest = 0
    for device in tensorflow_devices:
        match = re.match(r"^/device:CPU:([0-9]+)$", device)
        if match:
            highest = max(highest, int(match.group(1)))
    return highest + 1


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _counted(names, noun):
    return f"{len(names)} {noun}{'' if len(names) == 1 else 's'}"


def _first(names, shown=3):
    listed = ", ".join(names[:shown])
    return listed + (", ..." if len(names) > shown else "")
