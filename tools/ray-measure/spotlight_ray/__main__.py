"""`ray-measure --command CMD [--address ADDRESS] [--num-gpus N] [--timeout S]`: a measuring
server for `spotlight optimize --evaluate-server`. Each placement line becomes a Ray task that
asks for the GPUs of `--num-gpus` and runs CMD, the user's measuring command (the TensorFlow or
PyTorch `measure`, or any command that reads a placement and prints microseconds), on whichever
node Ray gives it; the answer goes back as the protocol's line. Several servers, one per
`--evaluate-workers` worker, keep that many placements in flight on the cluster. A task whose
node dies is retried by Ray once; an error on a node is an `error:` line naming the node.
"""

import argparse
import os
import sys

from .protocol import run_command, serve


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ray-measure", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--command", required=True, help="the measuring command each task runs")
    parser.add_argument("--address", default="auto",
                        help="the Ray cluster (default: auto, the one `ray start` made here; 'local' starts one)")
    parser.add_argument("--num-gpus", type=float, default=0, help="GPUs each task asks for")
    parser.add_argument("--num-cpus", type=float, default=1, help="CPUs each task asks for")
    parser.add_argument("--timeout", type=float, default=600, help="seconds a measurement may take")
    arguments = parser.parse_args(argv)

    # Standard output carries the protocol's answers only: keep it for them, and send whatever
    # else would print there (Ray's messages, such as a worker's death) to standard error.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    import ray  # Imported once the arguments are known to be good.

    # The protocol's module travels to the cluster's workers with the tasks.
    package = os.path.dirname(os.path.abspath(__file__))
    ray.init(address=None if arguments.address == "local" else arguments.address, log_to_driver=False,
             logging_level="ERROR", runtime_env={"py_modules": [package]})

    @ray.remote(num_gpus=arguments.num_gpus, num_cpus=arguments.num_cpus, max_retries=1)
    def measure_remotely(line):
        import socket
        answer = run_command(arguments.command, line + "\n", arguments.timeout)
        return answer if not answer.startswith("error:") else f"{answer} (on {socket.gethostname()})"

    def measure(line):
        try:
            return ray.get(measure_remotely.remote(line), timeout=arguments.timeout + 60)
        except Exception as error:  # A node lost twice, or a task Ray could not run.
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            return f"error: Ray could not measure it: {reason[:200]}"

    serve(sys.stdin, measure, lambda text: (answers.write(text), answers.flush()))


if __name__ == "__main__":
    main()
