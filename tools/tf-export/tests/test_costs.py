"""Hand-computed cost answers for the exporter's flop and byte rules. Pure Python: runs without
TensorFlow (`python3 -m unittest discover -s tools/tf-export/tests`), so CI checks them."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from spotlight_export import costs  # noqa: E402


def view(op_type, inputs, outputs, attrs=None, itemsize=4, gradient_index=None):
    return costs.OpView(op_type, attrs or {}, inputs, [itemsize] * len(inputs), outputs, [itemsize] * len(outputs),
                        gradient_index=gradient_index)


class FlopTests(unittest.TestCase):
    def test_convolution_is_two_flops_per_multiply_add(self):
        # 2 images of 8x8, 3x3 kernel, 4 -> 16 channels: 2*8*8*16 outputs, each 3*3*4 multiply-adds.
        conv = view("Conv2D", [[2, 8, 8, 4], [3, 3, 4, 16]], [[2, 8, 8, 16]])
        self.assertEqual(costs.flops(conv), 2 * (2 * 8 * 8 * 16) * (3 * 3 * 4))

    def test_both_convolution_backprops_cost_the_forward_pass(self):
        forward = 2 * (2 * 8 * 8 * 16) * (3 * 3 * 4)
        backprop_input = view("Conv2DBackpropInput", [[4], [3, 3, 4, 16], [2, 8, 8, 16]], [[2, 8, 8, 4]])
        backprop_filter = view("Conv2DBackpropFilter", [[2, 8, 8, 4], [4], [2, 8, 8, 16]], [[3, 3, 4, 16]])
        self.assertEqual(costs.flops(backprop_input), forward)
        self.assertEqual(costs.flops(backprop_filter), forward)

    def test_matmul_honours_transposes(self):
        plain = view("MatMul", [[5, 7], [7, 3]], [[5, 3]])
        transposed = view("MatMul", [[7, 5], [7, 3]], [[5, 3]], attrs={"transpose_a": True})
        self.assertEqual(costs.flops(plain), 2 * 5 * 3 * 7)
        self.assertEqual(costs.flops(transposed), 2 * 5 * 3 * 7)

    def test_einsum_counts_every_index_once(self):
        # Attention scores: batch 2, 4 heads, 6 x 6 positions, 8 per head.
        scores = view("Einsum", [[2, 6, 4, 8], [2, 6, 4, 8]], [[2, 4, 6, 6]], attrs={"equation": "aecd,abcd->acbe"})
        self.assertEqual(costs.flops(scores), 2 * 2 * 6 * 4 * 8 * 6)

    def test_elementwise_and_transcendental(self):
        self.assertEqual(costs.flops(view("AddV2", [[10, 10], [10, 10]], [[10, 10]])), 100)
        self.assertEqual(costs.flops(view("Tanh", [[10, 10]], [[10, 10]])), 400)
        self.assertEqual(costs.flops(view("Sum", [[10, 10], [1]], [[10]])), 100)

    def test_updates_scale_with_the_parameter_count(self):
        momentum = view("ResourceApplyMomentum", [[], [], [], [30, 20], []], [], gradient_index=3)
        self.assertEqual(costs.flops(momentum), 4 * 600)
        # Variable, accumulator and gradient read; variable and accumulator written.
        self.assertEqual(costs.bytes_accessed(momentum), 5 * 600 * 4)

    def test_data_movement_costs_bytes_not_flops(self):
        transpose = view("Transpose", [[4, 5], [2]], [[5, 4]])
        self.assertEqual(costs.flops(transpose), 0)
        self.assertEqual(costs.bytes_accessed(transpose), 4 * 5 * 4 + 2 * 4 + 5 * 4 * 4)
        reshape = view("Reshape", [[4, 5], [2]], [[20]])
        self.assertEqual(costs.bytes_accessed(reshape), 0)

    def test_unknown_shapes_give_no_flop_count(self):
        self.assertIsNone(costs.flops(view("Relu", [None], [None])))
        self.assertIsNone(costs.flops(view("MatMul", [[None, 7], [7, 3]], [[None, 3]])))

    def test_types_without_a_rule_are_reported(self):
        self.assertTrue(costs.is_known_type("Conv2DBackpropFilter"))
        self.assertTrue(costs.is_known_type("UnsortedSegmentSum"))
        self.assertFalse(costs.is_known_type("SomeCustomOp"))


if __name__ == "__main__":
    unittest.main()
