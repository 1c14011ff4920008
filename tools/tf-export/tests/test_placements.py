"""The measuring command's handling of placements and device names. Pure Python: runs without
TensorFlow, so CI checks them."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from spotlight_export import placements  # noqa: E402
from spotlight_export.placements import PlacementError  # noqa: E402


def placement(assignment, **fields):
    return json.dumps({"format": "spotlight.placement/1", "graph": "g", "assignment": assignment, **fields})


class ReadingTests(unittest.TestCase):
    def test_reads_the_assignment(self):
        text = placement({"conv1/Conv2D": "gpu:0", "inputs": "cpu:0"}, step_time_us=12.5)
        self.assertEqual(placements.read_assignment(text), {"conv1/Conv2D": "gpu:0", "inputs": "cpu:0"})

    def test_names_the_source_and_the_json_path(self):
        with self.assertRaisesRegex(PlacementError, r"^standard input: \$\.format: expected"):
            placements.read_assignment(json.dumps({"format": "spotlight.graph/1"}), "standard input")
        with self.assertRaisesRegex(PlacementError, r"\$\.assignment: expected an object"):
            placements.read_assignment(json.dumps({"format": "spotlight.placement/1", "assignment": []}))
        with self.assertRaisesRegex(PlacementError, r'\$\.assignment\["a"\]: expected a device name, got 3'):
            placements.read_assignment(placement({"a": 3}))

    def test_rejects_what_is_not_json(self):
        with self.assertRaisesRegex(PlacementError, "p.json: not JSON"):
            placements.read_assignment("{", "p.json")
        with self.assertRaisesRegex(PlacementError, "expected an object at the top"):
            placements.read_assignment("[1]")


class CoverageTests(unittest.TestCase):
    def test_accepts_exactly_the_models_ops(self):
        placements.check_covers({"a": "gpu:0", "b": "cpu:0"}, ["b", "a"])

    def test_names_unassigned_and_unknown_ops(self):
        with self.assertRaises(PlacementError) as caught:
            placements.check_covers({"a": "gpu:0", "x": "gpu:0"}, ["a", "b", "c", "d", "e"])
        message = str(caught.exception)
        self.assertIn("leaves 4 ops of the model unassigned (b, c, d, ...)", message)
        self.assertIn("assigns 1 op the model does not have (x)", message)
        self.assertIn("another graph", message)


class DeviceTests(unittest.TestCase):
    def test_maps_by_type_and_index(self):
        self.assertEqual(placements.tensorflow_device("cpu:0", {}), "/device:CPU:0")
        self.assertEqual(placements.tensorflow_device("gpu:3", {}), "/device:GPU:3")

    def test_logical_cpus_stand_in_for_gpus_after_cpu_zero(self):
        self.assertEqual(placements.tensorflow_device("cpu:0", {}, gpus_on_cpu=True), "/device:CPU:0")
        self.assertEqual(placements.tensorflow_device("gpu:0", {}, gpus_on_cpu=True), "/device:CPU:1")
        self.assertEqual(placements.tensorflow_device("gpu:3", {}, gpus_on_cpu=True), "/device:CPU:4")
        with self.assertRaisesRegex(PlacementError, "only cpu:0"):
            placements.tensorflow_device("cpu:1", {}, gpus_on_cpu=True)

    def test_explicit_entries_come_first(self):
        mapping = placements.parse_device_map(["gpu:0=/device:GPU:2", "tpu:0=/device:TPU:0"])
        self.assertEqual(placements.tensorflow_device("gpu:0", mapping), "/device:GPU:2")
        self.assertEqual(placements.tensorflow_device("tpu:0", mapping, gpus_on_cpu=True), "/device:TPU:0")
        self.assertEqual(placements.tensorflow_device("gpu:1", mapping), "/device:GPU:1")

    def test_unknown_kinds_and_bad_entries_are_errors(self):
        with self.assertRaisesRegex(PlacementError, "no TensorFlow device for 'tpu:0'"):
            placements.tensorflow_device("tpu:0", {})
        for entry in ["gpu:0", "gpu0=/device:GPU:0", "gpu:0=GPU:0"]:
            with self.assertRaisesRegex(PlacementError, "--device wants NAME=TF_DEVICE"):
                placements.parse_device_map([entry])

    def test_the_session_gets_every_cpu_device_named(self):
        self.assertEqual(placements.cpu_devices_needed(["/device:CPU:0", "/device:GPU:1"]), 1)
        self.assertEqual(placements.cpu_devices_needed(["/device:CPU:0", "/device:CPU:4", "/device:CPU:2"]), 5)
        self.assertEqual(placements.cpu_devices_needed(["/device:GPU:0"]), 1)


class MedianTests(unittest.TestCase):
    def test_odd_and_even_counts(self):
        self.assertEqual(placements.median([5.0, 1.0, 3.0]), 3.0)
        self.assertEqual(placements.median([4.0, 1.0, 3.0, 2.0]), 2.5)


if __name__ == "__main__":
    unittest.main()
