"""Measured op times for `export --profile`: the traced step run in a session with every op on one
device of each type the machine has (the CPU, and the first GPU of each kind TensorFlow sees),
traced with TensorFlow's step statistics, and each op's median compute time written into the
graph's `time_us` under the device type `tools/torch-export/calibrate` gives the cluster file
(`cpu`, or the GPU's name in lower case with underscores, such as `nvidia_h100_80gb_hbm3`), so that
the simulator's roofline is only the fallback.

Grappler's fusions are off while profiling, so that every op of the exported graph is timed on its
own. TensorFlow runs independent ops of a step at once, so an op's time includes the cores it
shared with its neighbours; on a GPU the kernels' times on the streams are used, not their
launch."""

import statistics


def device_kind(name):
    """The cluster file's `type` for a GPU named `name` by TensorFlow or CUDA (PyTorch's
    `profile` and `calibrate` use it too, so that profiled times and clusters agree)."""
    return name.strip().replace(" ", "_").lower()


def op_durations(device_stats):
    """[(node name, microseconds)] from one device's step statistics: each node's compute time
    (`op_end - op_start`, or the whole record's time when the op times are absent, as on GPU
    streams). A node name's `:KERNEL` suffix is dropped; TensorFlow's own `_SOURCE` is skipped."""
    durations = []
    for node in device_stats.node_stats:
        name = node.node_name.split(":")[0]
        if not name or name == "_SOURCE":
            continue
        nanos = node.op_end_rel_nanos - node.op_start_rel_nanos
        if nanos <= 0:
            nanos = node.all_end_rel_nanos
        durations.append((name, max(nanos, 0) / 1000))
    return durations


def kernel_devices(step_stats, device):
    """The records of `device` (`/device:GPU:0`) that hold the step's compute: on a GPU the
    `stream:all` record (the kernels as they ran), else every record that is not a stream or a
    memcpy of one."""
    devices = [stats for stats in step_stats.dev_stats if _on(stats.device, device)]
    streams = [stats for stats in devices if stats.device.endswith("/stream:all")]
    if streams:
        return streams
    return [stats for stats in devices if "/stream:" not in stats.device and "memcpy" not in stats.device]


def median_times(runs, exported_name):
    """{exported op name: median microseconds} over `runs`, each a list of (node name,
    microseconds) pairs; a node timed several times in one run counts once with their sum, and
    nodes `exported_name` maps to None (not in the exported graph) are left out."""
    samples = {}
    for run in runs:
        totals = {}
        for node, microseconds in run:
            name = exported_name(node)
            if name is not None:
                totals[name] = totals.get(name, 0.0) + microseconds
        for name, total in totals.items():
            samples.setdefault(name, []).append(total)
    return {name: statistics.median(values) for name, values in samples.items()}


def fused_into_consumers(ops, times):
    """Gives time 0 to each op with flops that has no time of a device type while its one
    consumer has: the op ran fused into it (oneDNN runs a convolution and its bias as one kernel
    under the bias's name, whose time covers both), so charging it the roofline as well would count
    it twice. `ops` are the exported graph's; `times` maps op names to {device type: time} and
    is changed in place."""
    consumers = {}
    for op in ops:
        for source in op.get("inputs", []):
            producer = source["from"] if isinstance(source, dict) else source
            consumers.setdefault(producer, set()).add(op["name"])
    kinds = {kind for by_kind in times.values() for kind in by_kind}
    for op in ops:
        users = consumers.get(op["name"], ())
        if not op.get("flops") or len(users) != 1:
            continue
        (user,) = users
        for kind in kinds:
            if kind in times.get(user, {}) and kind not in times.get(op["name"], {}):
                times.setdefault(op["name"], {})[kind] = 0.0


def device_types():
    """[(TensorFlow device, cluster type)]: the CPU, and the first GPU of each kind."""
    import tensorflow as tf

    found = [("/device:CPU:0", "cpu")]
    for index, gpu in enumerate(tf.config.list_physical_devices("GPU")):
        details = tf.config.experimental.get_device_details(gpu)
        kind = device_kind(details.get("device_name", f"gpu {index}"))
        if kind not in (known for _, known in found):
            found.append((f"/device:GPU:{index}", kind))
    return found


def profile(step, renamed, exported_names, warmup=2, repeats=5):
    """{exported op name: {device type: median microseconds}} for the ops in `exported_names`,
    the whole step placed on each device type in turn (ops without a kernel there are left to
    TensorFlow's soft placement and keep no time for it)."""
    import tensorflow as tf

    from . import placed_step

    graph = placed_step.StepGraph(step, renamed)
    wanted = set(exported_names)
    node_to_exported = {
        node.name: name for node, name in zip(graph.graph_def.node, graph.exported_names) if name in wanted}
    options = tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE)
    times = {}
    for device, kind in device_types():
        placed = graph.place(lambda name, device=device: device if name in wanted else None, 1, fuse_ops=False)
        try:
            for _ in range(warmup):
                placed.run_step()
            runs = []
            for _ in range(repeats):
                metadata = tf.compat.v1.RunMetadata()
                placed.session.run(placed.fetches, feed_dict=placed.feeds, options=options,
                                   run_metadata=metadata)
                runs.append([pair for stats in kernel_devices(metadata.step_stats, device)
                             for pair in op_durations(stats)])
        finally:
            placed.session.close()
        for name, microseconds in median_times(runs, node_to_exported.get).items():
            times.setdefault(name, {})[kind] = round(microseconds, 3)
    return times


def _on(record_device, device):
    """Whether a step-statistics record (`/job:localhost/replica:0/task:0/device:GPU:0/stream:all`)
    belongs to `device` (`/device:GPU:0`)."""
    return device.replace("/device:", "device:") + "/" in record_device + "/"
