"""`export --model NAME | --module FILE.py:FUNCTION --batch N --out FILE`: traces one training step
and writes it as a Spotlight graph. A module's FUNCTION(batch) returns (model, example input,
target, loss function), as the builders in models.py do."""

import argparse
import importlib.util
import sys

from . import models
from .convert import convert
from spotlight_export.writer import write


def main(argv=None):
    parser = argparse.ArgumentParser(prog="export", description=__doc__)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", choices=sorted(models.BUILDERS), help="a model the samples have")
    which.add_argument("--module", help="FILE.py:FUNCTION returning (model, input, target, loss)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="momentum")
    parser.add_argument("--name", help="the graph's name (default: the model's)")
    parser.add_argument("--profile", action="store_true",
                        help="run the step on the CPU and each CUDA device and write each op's time (time_us)")
    parser.add_argument("--out", required=True, help="the graph file (.json or .json.gz)")
    arguments = parser.parse_args(argv)
    if arguments.batch < 1:
        parser.error("--batch must be at least 1")
    build, name = builder_of(arguments, parser.error)
    import torch  # Imported only once the arguments are known to be good.

    from .trace import capture
    model, example, target, loss = build(arguments.batch)
    step = capture(model, example, target, loss, optimizer=arguments.optimizer)
    nodes = step.describe()
    times = None
    if arguments.profile:
        from .profile import profile
        devices = [torch.device("cpu")] + [torch.device(f"cuda:{index}") for index in
                                           range(torch.cuda.device_count() if torch.cuda.is_available() else 0)]
        times = profile(step, nodes, devices)
    source = (f"PyTorch {torch.__version__}: {name}, batch {arguments.batch}, {arguments.optimizer}; one training "
              f"step traced with make_fx by tools/torch-export")
    document = convert(nodes, arguments.name or name, source, times=times)
    write(document, arguments.out)
    parameters = sum(parameter.numel() for parameter in model.parameters())
    flops = sum(op.get("flops", 0) for op in document["ops"])
    print(f"wrote {arguments.out}: {len(document['ops'])} ops, {flops / 1e9:.1f} GFLOP per step, "
          f"{parameters:,} parameters", file=sys.stderr)


def builder_of(arguments, fail=None):
    """The model builder `--model` or `--module` names, and the model's name."""
    def error(message):
        if fail:
            fail(message)
        raise SystemExit(f"error: {message}")
    if arguments.model:
        return models.BUILDERS[arguments.model], arguments.model
    path, _, function = arguments.module.partition(":")
    if not function:
        error("--module takes FILE.py:FUNCTION")
    spec = importlib.util.spec_from_file_location("user_model", path)
    if spec is None:
        error(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, function):
        error(f"{path} has no function {function}")
    return getattr(module, function), function


if __name__ == "__main__":
    main()
