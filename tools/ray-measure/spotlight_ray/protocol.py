"""The measuring-server protocol, without Ray: read placements line by line, answer each with a
step time in microseconds or `error: REASON`, and run the user's measuring command on one
placement. Plain Python, so that it is tested without Ray."""

import subprocess


def answer_of(output, returncode, errors):
    """The answer line for a measuring command's output: its last line when that is a positive
    number, else `error: ...` with the reason."""
    if returncode != 0:
        last = errors.strip().splitlines()[-1] if errors.strip() else ""
        return f"error: the measuring command exited with status {returncode}" + (f": {last}" if last else "")
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    if not lines:
        return "error: the measuring command printed nothing"
    try:
        value = float(lines[-1])
    except ValueError:
        return f"error: the measuring command printed {lines[-1][:80]!r} last, not a step time in microseconds"
    if not (value > 0 and value != float("inf")):
        return f"error: the measuring command printed {lines[-1][:80]!r}, not a positive step time"
    return f"{value:.3f}"


def run_command(command, placement_line, timeout):
    """Runs `command` through the shell with the placement on its standard input; the answer."""
    try:
        done = subprocess.run(command, shell=True, input=placement_line, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"error: the measuring command ran longer than {timeout:g} s"
    return answer_of(done.stdout, done.returncode, done.stderr)


def serve(lines, measure, write):
    """For each non-empty line of `lines`, `measure(line)` and `write` its answer."""
    for line in lines:
        if line.strip():
            write(measure(line.strip()) + "\n")
