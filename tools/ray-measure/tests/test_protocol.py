"""The server's protocol, without Ray."""

import io
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from spotlight_ray.protocol import answer_of, run_command, serve  # noqa: E402


class ProtocolTests(unittest.TestCase):
    def test_the_last_line_is_the_step_time(self):
        self.assertEqual(answer_of("warming up\n1234.5\n", 0, ""), "1234.500")

    def test_failures_are_error_lines_with_the_reason(self):
        self.assertEqual(answer_of("", 3, "out of memory\n"), "error: the measuring command exited with status 3: out of memory")
        self.assertTrue(answer_of("fast\n", 0, "").startswith("error: the measuring command printed 'fast'"))
        self.assertTrue(answer_of("-5\n", 0, "").startswith("error:"))
        self.assertEqual(answer_of("\n", 0, ""), "error: the measuring command printed nothing")

    def test_a_command_reads_the_placement_on_its_input(self):
        self.assertEqual(run_command("wc -c", "12345\n", 10), "6.000")
        self.assertTrue(run_command("sleep 5", "x\n", 0.2).startswith("error: the measuring command ran longer"))

    def test_each_line_gets_one_answer_in_order(self):
        out = io.StringIO()
        serve(io.StringIO("a\n\nbb\n"), lambda line: str(len(line)), out.write)
        self.assertEqual(out.getvalue(), "1\n2\n")


if __name__ == "__main__":
    unittest.main()
