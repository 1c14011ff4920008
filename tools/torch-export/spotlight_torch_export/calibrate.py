"""Command line: a cluster file for the machine at hand, from microbenchmarks in PyTorch.

    tools/torch-export/calibrate --out this_machine.cluster.json [--gpus-on-cpu 2]

For the CPU and each CUDA device: the compute rate of a large matrix product (`gflops`), the
bandwidth of a large copy (`mem_gbytes_per_s`), the memory (`memory_gbytes`) and the time of a
tiny op as `measure` dispatches it (`launch_us`, which is mostly that dispatch); for each CPU-GPU
pair, the rate and latency of copies. `--gpus-on-cpu N` describes N devices `gpu:0..` that are
the CPU itself (what `measure --gpus-on-cpu` runs them on): the CPU's rates, and links that cost
nothing, since no copy is made.
"""

import argparse
import json
import os
import platform
import statistics
import time

import torch

from .profile import device_type


def median_seconds(work, repeats=7, synchronize=lambda: None):
    work()
    synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def device_rates(device):
    synchronize = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    size = 2048 if device.type == "cuda" else 1024
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    gflops = 2 * size ** 3 / median_seconds(lambda: a @ b, synchronize=synchronize) / 1e9
    block = torch.empty(64 << 20 >> 2, device=device)
    copy = median_seconds(lambda: block.clone(), synchronize=synchronize)
    bandwidth = 2 * block.numel() * 4 / copy / 1e9
    one = torch.ones(1, device=device)
    launch = median_seconds(lambda: torch.ops.aten.add.Tensor(one, one), repeats=201, synchronize=synchronize) * 1e6
    return gflops, bandwidth, launch


def link_rates(device):
    host = torch.empty(64 << 20 >> 2).pin_memory()
    big = median_seconds(lambda: host.to(device, non_blocking=False), synchronize=lambda: torch.cuda.synchronize(device))
    small_host = torch.ones(1)
    small = median_seconds(lambda: small_host.to(device), repeats=51, synchronize=lambda: torch.cuda.synchronize(device))
    return host.numel() * 4 / big / 1e9, small * 1e6


def host_memory_gbytes():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError):
        return 16.0


def device_entry(name, kind, device_type, rates, memory):
    gflops, bandwidth, launch = rates
    return {"name": name, "kind": kind, "type": device_type, "gflops": round(gflops, 1),
            "mem_gbytes_per_s": round(bandwidth, 1), "memory_gbytes": round(memory, 2), "launch_us": round(launch, 2)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="calibrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="the cluster file to write")
    parser.add_argument("--name", default=platform.node() or "this-machine")
    parser.add_argument("--gpus-on-cpu", type=int, default=0, metavar="N",
                        help="describe N gpu:K devices that are the CPU itself")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads, as measure will use")
    arguments = parser.parse_args(argv)
    if arguments.threads:
        torch.set_num_threads(arguments.threads)
    cpu = device_rates(torch.device("cpu"))
    devices = [device_entry("cpu:0", "cpu", "cpu", cpu, host_memory_gbytes())]
    links = []
    if arguments.gpus_on_cpu:
        for index in range(arguments.gpus_on_cpu):
            devices.append(device_entry(f"gpu:{index}", "gpu", "cpu", cpu, host_memory_gbytes()))
        default_link = {"gbytes_per_s": 1e6, "latency_us": 0}
    else:
        default_link = None
        for index in range(torch.cuda.device_count() if torch.cuda.is_available() else 0):
            device = torch.device(f"cuda:{index}")
            properties = torch.cuda.get_device_properties(index)
            devices.append(device_entry(f"gpu:{index}", "gpu", device_type(device),
                                        device_rates(device), properties.total_memory / 1e9))
            rate, latency = link_rates(device)
            links.append({"between": ["cpu:0", f"gpu:{index}"], "gbytes_per_s": round(rate, 2),
                          "latency_us": round(latency, 1)})
        if len(devices) > 2:
            default_link = {"gbytes_per_s": min(link["gbytes_per_s"] for link in links),
                            "latency_us": max(link["latency_us"] for link in links)}
    cluster = {"format": "spotlight.cluster/1", "name": arguments.name,
               "source": f"tools/torch-export/calibrate, PyTorch {torch.__version__}, {torch.get_num_threads()} threads",
               "devices": devices, "links": links}
    if default_link:
        cluster["default_link"] = default_link
    temporary = arguments.out + ".tmp"
    with open(temporary, "w") as stream:
        json.dump(cluster, stream, indent=2)
        stream.write("\n")
    os.replace(temporary, arguments.out)
    for device in devices:
        print(f"{device['name']}: {device['gflops']} GFLOP/s, {device['mem_gbytes_per_s']} GB/s, "
              f"{device['launch_us']} us per op")


if __name__ == "__main__":
    main()
