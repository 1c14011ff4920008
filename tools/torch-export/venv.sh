# Sourced by `export`: sets $python to a Python with the pinned PyTorch of requirements.txt, in a
# virtual environment beside these scripts (or at $SPOTLIGHT_TORCH_VENV) that it makes on first use
# and remakes whenever requirements.txt changes. $SPOTLIGHT_TORCH_PYTHON names a Python of your own
# instead (a machine with PyTorch and CUDA installed and no network, say).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${SPOTLIGHT_TORCH_VENV:-$here/.venv}"
python="${SPOTLIGHT_TORCH_PYTHON:-$venv/bin/python}"

if [ -z "${SPOTLIGHT_TORCH_PYTHON:-}" ] &&
  { [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/.spotlight-requirements"; }; then
  base=""
  for candidate in python3.12 python3.11 python3.10 python3.9 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 12) else 1)' 2>/dev/null; then
      base="$candidate"
      break
    fi
  done
  if [ -z "$base" ]; then
    echo "error: tools/torch-export needs Python 3.9 to 3.12 (what PyTorch 2.5 supports); none found" >&2
    exit 1
  fi
  echo "setting up $venv with $("$base" --version) and PyTorch (several GB, a few minutes, once)" >&2
  rm -rf "$venv"
  "$base" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.spotlight-requirements"
fi
# The graph writer is shared with tools/tf-export (spotlight_export.writer).
export PYTHONPATH="$here:$here/../tf-export${PYTHONPATH:+:$PYTHONPATH}"
