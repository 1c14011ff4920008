"""How `export --profile` turns TensorFlow's step statistics into op times. Pure Python: runs
without TensorFlow (the records are stand-ins with the same fields), so CI checks it."""

import os
import sys
import unittest
from types import SimpleNamespace

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from spotlight_export import profile  # noqa: E402


def node(name, start=0, end=0, whole=0):
    return SimpleNamespace(node_name=name, op_start_rel_nanos=start, op_end_rel_nanos=end,
                           all_end_rel_nanos=whole)


def device(name, *nodes):
    return SimpleNamespace(device=name, node_stats=list(nodes))


class DurationTests(unittest.TestCase):
    def test_op_time_then_whole_record_and_no_source(self):
        stats = device("/job:localhost/replica:0/task:0/device:CPU:0",
                       node("_SOURCE", 0, 5000), node("conv/Conv2D", 1000, 4500),
                       node("relu:Relu", 0, 0, whole=2000), node("late", 3000, 1000))
        self.assertEqual(profile.op_durations(stats), [("conv/Conv2D", 3.5), ("relu", 2.0), ("late", 0.0)])


class KernelDeviceTests(unittest.TestCase):
    def test_gpu_streams_replace_the_launches(self):
        launches = device("/job:localhost/replica:0/task:0/device:GPU:0")
        kernels = device("/job:localhost/replica:0/task:0/device:GPU:0/stream:all")
        one_stream = device("/job:localhost/replica:0/task:0/device:GPU:0/stream:7")
        other = device("/job:localhost/replica:0/task:0/device:GPU:1/stream:all")
        stats = SimpleNamespace(dev_stats=[launches, one_stream, kernels, other])
        self.assertEqual(profile.kernel_devices(stats, "/device:GPU:0"), [kernels])

    def test_cpu_records_are_kept_beside_a_gpus_streams(self):
        cpu = device("/job:localhost/replica:0/task:0/device:CPU:0")
        streams = device("/job:localhost/replica:0/task:0/device:GPU:0/stream:all")
        copies = device("/job:localhost/replica:0/task:0/device:GPU:0/memcpy")
        stats = SimpleNamespace(dev_stats=[cpu, streams, copies])
        self.assertEqual(profile.kernel_devices(stats, "/device:CPU:0"), [cpu])

    def test_records_belong_to_their_device(self):
        self.assertTrue(profile._on("/job:localhost/replica:0/task:0/device:GPU:1/stream:all", "/device:GPU:1"))
        self.assertFalse(profile._on("/job:localhost/replica:0/task:0/device:GPU:1", "/device:GPU:0"))
        self.assertFalse(profile._on("/job:localhost/replica:0/task:0/device:GPU:10", "/device:GPU:1"))


class MedianTests(unittest.TestCase):
    def test_median_of_per_run_sums_over_exported_names(self):
        runs = [[("a", 10.0), ("a", 2.0), ("b", 5.0), ("skip", 1.0)],
                [("a", 8.0), ("b", 7.0)],
                [("a", 20.0), ("b", 6.0)]]
        exported = {"a": "layer/a", "b": "layer/b"}.get
        self.assertEqual(profile.median_times(runs, exported), {"layer/a": 12.0, "layer/b": 6.0})

    def test_device_kinds_match_the_calibrated_cluster(self):
        self.assertEqual(profile.device_kind("NVIDIA H100 80GB HBM3"), "nvidia_h100_80gb_hbm3")
        self.assertEqual(profile.device_kind(" Tesla K80 "), "tesla_k80")


class FusionTests(unittest.TestCase):
    def test_an_untimed_op_with_one_timed_consumer_ran_fused(self):
        ops = [{"name": "conv", "flops": 100, "inputs": ["x"]},
               {"name": "bias", "flops": 10, "inputs": ["conv", {"from": "b", "bytes": 4}]},
               {"name": "shared", "flops": 5, "inputs": ["x"]},
               {"name": "left", "flops": 1, "inputs": ["shared"]},
               {"name": "right", "flops": 1, "inputs": ["shared"]},
               {"name": "x", "inputs": []}, {"name": "b", "inputs": []}]
        times = {"bias": {"cpu": 7.0, "gpu_x": 2.0}, "left": {"cpu": 1.0}, "right": {"cpu": 1.0},
                 "conv": {"gpu_x": 3.0}}
        profile.fused_into_consumers(ops, times)
        self.assertEqual(times["conv"], {"gpu_x": 3.0, "cpu": 0.0})
        self.assertNotIn("shared", times)  # two consumers: not known to be fused
        self.assertNotIn("x", times)  # no flops: nothing to charge


if __name__ == "__main__":
    unittest.main()
