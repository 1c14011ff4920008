"""Writes a graph document byte-for-byte reproducibly: fixed key order, one op per line, and for
`.gz` files a gzip header without a timestamp or file name. The write is atomic."""

import gzip
import io
import json
import os
import tempfile

KEY_ORDER = ["name", "type", "inputs", "output_bytes", "flops", "bytes_accessed", "time_us", "persistent_bytes", "devices",
             "colocate_with", "group", "expert"]
OMIT_WHEN_ZERO = {"output_bytes", "flops", "bytes_accessed", "persistent_bytes"}


def _op_line(op):
    ordered = {}
    for key in KEY_ORDER:
        if key in op and not (key in OMIT_WHEN_ZERO and op[key] == 0):
            ordered[key] = op[key]
    return json.dumps(ordered, separators=(", ", ": "), ensure_ascii=False)


def render(document):
    """The document as text: the header keys, then one op per line."""
    header = ",\n".join(f"  {json.dumps(key)}: {json.dumps(document[key], ensure_ascii=False)}"
                        for key in ("format", "name", "source"))
    body = ",\n".join("    " + _op_line(op) for op in document["ops"])
    return "{\n" + header + ",\n  \"ops\": [\n" + body + "\n  ]\n}\n"


def write(document, path):
    """Writes the document to `path`, gzip-compressed when the name ends in `.gz`."""
    data = render(document).encode("utf-8")
    if path.endswith(".gz"):
        buffer = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as stream:
            stream.write(data)
        data = buffer.getvalue()
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
