"""The server on a real local Ray instance, when a Python with Ray is at hand (skipped otherwise:
CI's Python has no Ray). SPOTLIGHT_RAY_PYTHON names that Python; without it, this one is used if
it imports Ray. One server answers placements in order, and a Ray worker killed in the middle of a
measurement costs at most that placement: the next ones are answered."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.dirname(HERE)


def ray_python():
    configured = os.environ.get("SPOTLIGHT_RAY_PYTHON")
    if configured:
        return configured
    try:
        import ray  # noqa: F401
    except ImportError:
        return None
    return sys.executable


@unittest.skipUnless(ray_python(), "Ray is not installed here; set SPOTLIGHT_RAY_PYTHON to a Python with Ray")
class RayEndToEndTests(unittest.TestCase):
    def test_answers_in_order_and_survives_a_killed_worker(self):
        with tempfile.TemporaryDirectory() as directory:
            pid_file = os.path.join(directory, "worker.pid")
            # A "slow" placement records its Ray worker (the shell's parent) and takes 3 s; every
            # placement is answered with 1000 plus its length, so answers show whose they are.
            command = (
                "read line; case \"$line\" in *slow*) echo $PPID > " + pid_file + "; sleep 3;; esac; "
                "echo $((1000 + ${#line}))"
            )
            server = subprocess.Popen(
                [ray_python(), "-m", "spotlight_ray", "--address", "local", "--num-cpus", "0.5",
                 "--command", command, "--timeout", "60"],
                cwd=TOOL, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            try:
                self.assertEqual(self.ask(server, "ab"), "1002.000")
                server.stdin.write("slow placement\n")
                server.stdin.flush()
                worker = self.wait_for_pid(pid_file)
                os.remove(pid_file)
                os.kill(worker, signal.SIGKILL)
                answer = server.stdout.readline().strip()
                # Retried by Ray on another worker, or lost: that placement only.
                self.assertTrue(answer == "1014.000" or answer.startswith("error: Ray"), answer)
                self.assertEqual(self.ask(server, "abcd"), "1004.000")
            finally:
                server.stdin.close()
                server.wait(timeout=60)

    def ask(self, server, line):
        server.stdin.write(line + "\n")
        server.stdin.flush()
        return server.stdout.readline().strip()

    def wait_for_pid(self, path):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with open(path) as file:
                    text = file.read().strip()
                if text:
                    return int(text)
            except FileNotFoundError:
                pass
            time.sleep(0.1)
        self.fail("the slow measurement never started")


if __name__ == "__main__":
    unittest.main()
