# Sourced by `export`: sets $python to a Python with the pinned PyTorch of requirements.txt, in a
# virtual environment beside these scripts (or at $SPOTLIGHT_TORCH_VENV) that it makes on first use
# and remakes whenever requirements.txt changes. $SPOTLIGHT_TORCH_PYTHON names a Python of your own
# instead (a machine with PyTorch and CUDA installed and no network, say).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${SPOTLIGHT_TORCH_VENV:-$here/.venv}"

source "$here/../python-venv.sh"
spotlight_venv "$here" "$venv" "${SPOTLIGHT_TORCH_PYTHON:-}" 3.9 3.12 "tools/torch-export (PyTorch, several GB)"
# The graph writer is shared with tools/tf-export (spotlight_export.writer).
export PYTHONPATH="$here:$here/../tf-export${PYTHONPATH:+:$PYTHONPATH}"
