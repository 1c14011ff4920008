"""`spotlight optimize` measuring through Ray, with 1 and with 4 workers, each measurement a
script that sleeps 0.1 s and prints the simulator's step time for its placement: the same best
placement either way. Needs a Python with Ray (SPOTLIGHT_RAY_PYTHON) and a built `spotlight` (SPOTLIGHT_BINARY,
or .build/release or .build/debug); skipped otherwise, as in CI. The pace of 4 workers against 1
is a benchmark (BENCHMARKS.md, "Parallel measurement"), not checked here."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_ray_end_to_end import ray_python  # noqa: E402

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def spotlight_binary():
    configured = os.environ.get("SPOTLIGHT_BINARY")
    if configured:
        return configured
    for build in ("release", "debug"):
        path = os.path.join(REPOSITORY, ".build", build, "spotlight")
        if os.access(path, os.X_OK):
            return path
    return None


@unittest.skipUnless(ray_python() and spotlight_binary(),
                     "needs a Python with Ray (SPOTLIGHT_RAY_PYTHON) and a built spotlight")
class OptimizeThroughRayTests(unittest.TestCase):
    def test_one_and_four_workers_find_the_same_placement(self):
        ray = os.path.join(os.path.dirname(ray_python()), "ray")
        environment = dict(os.environ, SPOTLIGHT_RAY_PYTHON=ray_python(), RAY_USAGE_STATS_ENABLED="0")
        subprocess.run([ray, "start", "--head", "--num-cpus", "8"], env=environment, check=True,
                       capture_output=True)
        try:
            with tempfile.TemporaryDirectory() as directory:
                script = os.path.join(directory, "measure.sh")
                graph = os.path.join(REPOSITORY, "samples", "tiny.graph.json")
                cluster = os.path.join(REPOSITORY, "samples", "tiny.cluster.json")
                with open(script, "w") as file:
                    # 0.1 s, then the simulator's step time for the placement it was given.
                    file.write(
                        "#!/bin/sh\nsleep 0.1\nplacement=$(mktemp)\ncat > \"$placement\"\n"
                        f"'{spotlight_binary()}' simulate '{graph}' '{cluster}' \"$placement\" --json"
                        " | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"step_time_us\"])'\n"
                        "rm -f \"$placement\"\n")
                os.chmod(script, 0o755)
                found = {}
                for workers in (1, 4):
                    out = os.path.join(directory, f"best-{workers}.json")
                    started = time.monotonic()
                    subprocess.run(
                        [spotlight_binary(), "optimize", "samples/tiny.graph.json", "samples/tiny.cluster.json",
                         "--budget", "48", "--samples", "8", "--remeasure", "0", "--confirm", "0",
                         "--evaluate-workers", str(workers), "--out", out, "--json",
                         "--evaluate-server",
                         f"tools/ray-measure/ray-measure --command {script} --num-cpus 0.5"],
                        cwd=REPOSITORY, env=environment, check=True, capture_output=True, timeout=600)
                    with open(out) as file:
                        placement = json.load(file)
                    found[workers] = (placement["assignment"], time.monotonic() - started)
                self.assertEqual(found[1][0], found[4][0])
        finally:
            subprocess.run([ray, "stop", "--force"], env=environment, capture_output=True)


if __name__ == "__main__":
    unittest.main()
