"""The conversion rules, on hand-made nodes: no PyTorch needed."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from spotlight_torch_export.convert import Node, convert  # noqa: E402


def step():
    """A linear layer's training step: x @ w.t() + b, a loss, its gradients, a momentum update."""
    return [
        Node("p_w", "parameter", "Parameter", output_bytes=64, path="fc.weight"),
        Node("p_b", "parameter", "Parameter", output_bytes=16, path="fc.bias"),
        Node("m_w", "state", "OptimizerState", output_bytes=64, path="fc.weight"),
        Node("x", "input", "Input", output_bytes=32),
        Node("t", "alias", "t", ["p_w"], output_bytes=64),
        Node("addmm", "forward", "addmm", ["p_b", "x", "t"], output_bytes=8, flops=64, bytes_accessed=120),
        Node("loss", "forward", "mse_loss", ["addmm"], output_bytes=4, flops=4),
        Node("grad", "backward", "mse_loss_backward", ["loss", "addmm"], output_bytes=8, flops=4),
        Node("mm", "backward", "mm", ["grad", "x"], output_bytes=64, flops=64),
        Node("mm_t", "alias", "t", ["mm"], output_bytes=64),
        Node("mul", "update", "mul", ["m_w"], output_bytes=64, flops=16),
        Node("add", "update", "add", ["mul", "mm_t"], output_bytes=64, flops=16, updates="m_w"),
        Node("sub", "update", "sub", ["p_w", "add"], output_bytes=64, flops=16, updates="p_w"),
    ]


class ConvertTests(unittest.TestCase):
    def setUp(self):
        self.document = convert(step(), "linear", "test")
        self.ops = {op["name"]: op for op in self.document["ops"]}

    def test_aliases_fold_into_their_producer(self):
        self.assertNotIn("t", [op["type"] for op in self.document["ops"]])
        self.assertEqual(self.ops["fc/addmm"]["inputs"], ["fc.bias", "input/x", "fc.weight"])

    def test_groups_follow_modules_gradients_and_updates(self):
        self.assertEqual(self.ops["fc/addmm"]["group"], "fc")
        self.assertEqual(self.ops["fc/loss"]["group"], "fc")
        self.assertEqual(self.ops["gradients/fc/grad"]["group"], "gradients/fc")
        self.assertEqual(self.ops["update/fc/sub"]["group"], "update/fc")
        self.assertEqual(self.ops["input/x"]["group"], "input")

    def test_state_is_persistent_and_updates_are_colocated(self):
        self.assertEqual(self.ops["fc.weight"]["persistent_bytes"], 64)
        self.assertEqual(self.ops["state/fc.weight"]["persistent_bytes"], 64)
        self.assertEqual(self.ops["update/fc/sub"]["colocate_with"], "fc.weight")
        self.assertEqual(self.ops["update/fc/add"]["colocate_with"], "state/fc.weight")
        self.assertNotIn("persistent_bytes", self.ops["fc/addmm"])

    def test_inputs_stay_on_the_host_and_the_rest_on_the_accelerator(self):
        self.assertEqual(self.ops["input/x"]["devices"], ["cpu"])
        self.assertEqual(self.ops["input/x"]["expert"], "cpu:0")
        self.assertEqual(self.ops["fc/addmm"]["expert"], "gpu:0")

    def test_an_edge_through_a_view_of_another_size_says_its_bytes(self):
        nodes = [Node("a", "input", "Input", output_bytes=100),
                 Node("slice", "alias", "slice", ["a"], output_bytes=10),
                 Node("neg", "forward", "neg", ["slice"], output_bytes=10)]
        ops = {op["name"]: op for op in convert(nodes, "g", "s")["ops"]}
        self.assertEqual(ops["forward/neg"]["inputs"], [{"from": "input/a", "bytes": 10}])

    def test_profiled_times_are_written_by_device_type(self):
        document = convert(step(), "linear", "test", times={"addmm": {"cpu": 12.5, "nvidia_h100": 1.25}})
        ops = {op["name"]: op for op in document["ops"]}
        self.assertEqual(ops["fc/addmm"]["time_us"], {"cpu": 12.5, "nvidia_h100": 1.25})
        self.assertNotIn("time_us", ops["fc/loss"])

    def test_names_are_unique(self):
        names = [op["name"] for op in self.document["ops"]]
        self.assertEqual(len(names), len(set(names)))


if __name__ == "__main__":
    unittest.main()
