"""The measuring command against TensorFlow: every op runs where the placement says, and the step
time comes out last. Needs TensorFlow, so it is skipped under a plain Python (as in CI); run it with
the exporter's environment: `tools/tf-export/.venv/bin/python -m unittest discover -s tools/tf-export/tests`."""

import argparse
import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

try:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
except ImportError:
    tf = None


def cifar_at_batch_8():
    from spotlight_export import convert, sources

    parser = argparse.ArgumentParser()
    sources.add_arguments(parser)
    workload = sources.load_workload(parser.parse_args(["--sample", "cifar10_cnn", "--batch", "8"]))
    step = sources.trace(workload)
    return step, convert.convert(step, workload.name, "")


def spread_placement(exported):
    """Host ops on cpu:0 and the rest dealt over four GPUs by group, variables with their users."""
    groups = sorted({op["group"] for op in exported.document["ops"]})
    assignment = {}
    for op in exported.document["ops"]:
        if op.get("devices") == ["cpu"]:
            assignment[op["name"]] = "cpu:0"
        else:
            assignment[op["name"]] = f"gpu:{groups.index(op['group']) % 4}"
    return assignment


@unittest.skipIf(tf is None, "needs TensorFlow: run with tools/tf-export/.venv/bin/python")
class MeasureTests(unittest.TestCase):
    def test_every_op_runs_on_its_assigned_device(self):
        from spotlight_export import placed_step, placements

        step, exported = cifar_at_batch_8()
        assignment = spread_placement(exported)
        devices = {name: placements.tensorflow_device(name, {}, gpus_on_cpu=True) for name in assignment.values()}
        placed = placed_step.StepGraph(step, exported.renamed).place(lambda name: devices.get(assignment.get(name)), 5)
        metadata = tf.compat.v1.RunMetadata()
        placed.session.run(placed.fetches, feed_dict=placed.feeds, run_metadata=metadata,
                           options=tf.compat.v1.RunOptions(trace_level=tf.compat.v1.RunOptions.FULL_TRACE))
        ran_on = {node.node_name: stats.device.split("/")[-1].replace("device:", "")
                  for stats in metadata.step_stats.dev_stats for node in stats.node_stats}
        traced_name = {exported_name: traced for traced, exported_name in exported.renamed.items()}
        checked = 0
        for name, device in assignment.items():
            ran = ran_on.get(traced_name.get(name, name))
            if ran is not None:
                self.assertEqual(ran, devices[device].replace("/device:", ""), name)
                checked += 1
        # Grappler fuses a few ops (a convolution with its bias and activation, say) under new names.
        self.assertGreater(checked, 0.75 * len(assignment))
        self.assertEqual(len(set(ran_on.values())), 5)

    def test_prints_the_step_time_last_and_rejects_another_graphs_placement(self):
        from spotlight_export import measure

        _, exported = cifar_at_batch_8()
        document = {"format": "spotlight.placement/1", "graph": "cifar10_cnn",
                    "assignment": spread_placement(exported)}
        folder = tempfile.TemporaryDirectory()
        self.addCleanup(folder.cleanup)
        path = os.path.join(folder.name, "p.json")
        with open(path, "w") as file:
            json.dump(document, file)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            measure.main(["--sample", "cifar10_cnn", "--batch", "8", "--gpus-on-cpu", "--warmup", "1", "--steps", "3",
                          "--placement", path])
        self.assertGreater(float(out.getvalue().strip().splitlines()[-1]), 0)
        self.assertIn("3 steps after 1 warm-up", err.getvalue())

        document["assignment"]["not/an/op"] = "gpu:0"
        with open(path, "w") as file:
            json.dump(document, file)
        with redirect_stderr(err), self.assertRaises(SystemExit) as exit:
            measure.main(["--sample", "cifar10_cnn", "--batch", "8", "--gpus-on-cpu", "--placement", path])
        self.assertEqual(exit.exception.code, 1)
        self.assertIn("assigns 1 op the model does not have (not/an/op)", err.getvalue())

    def test_serving_answers_each_placement_line_and_goes_on_after_a_bad_one(self):
        from spotlight_export import measure

        _, exported = cifar_at_batch_8()
        good = json.dumps({"format": "spotlight.placement/1", "assignment": spread_placement(exported)})
        wrong = json.dumps({"format": "spotlight.placement/1", "assignment": {"not/an/op": "gpu:0"}})
        out = io.StringIO()
        stdin = sys.stdin
        sys.stdin = io.StringIO("\n".join([good, wrong, "", "not json", good]) + "\n")
        try:
            with redirect_stdout(out), redirect_stderr(io.StringIO()):
                measure.main(["--sample", "cifar10_cnn", "--batch", "8", "--gpus-on-cpu", "--warmup", "0", "--steps", "1",
                              "--serve"])
        finally:
            sys.stdin = stdin
        answers = out.getvalue().splitlines()
        self.assertEqual(len(answers), 4)
        self.assertGreater(float(answers[0]), 0)
        self.assertTrue(answers[1].startswith("error: the placement leaves"), answers[1])
        self.assertTrue(answers[2].startswith("error: placement 4: not JSON"), answers[2])
        self.assertGreater(float(answers[3]), 0)

    def test_measuring_a_placement_again_reuses_its_session(self):
        from spotlight_export import measure

        arguments = argparse.Namespace(sample="cifar10_cnn", module=None, model=None, batch=8, optimizer="momentum",
                                       loss="sparse_categorical_crossentropy", warmup=0, steps=1, gpus_on_cpu=True)
        measurer = measure.Measurer(arguments, {})
        self.addCleanup(measurer.close)
        spread = spread_placement(measurer.exported)
        on_one_gpu = {name: device if device == "cpu:0" else "gpu:0" for name, device in spread.items()}
        with redirect_stderr(io.StringIO()):
            for assignment, built in [(spread, 1), (spread, 1), (on_one_gpu, 2), (spread, 3)]:
                self.assertGreater(measurer.median_microseconds(assignment), 0)
                self.assertEqual(measurer.sessions_built, built)


if __name__ == "__main__":
    unittest.main()
