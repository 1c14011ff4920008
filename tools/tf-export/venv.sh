# Sourced by `export` and `measure`: sets $python to a Python with the pinned TensorFlow of
# requirements.txt, in a virtual environment beside these scripts (or at $SPOTLIGHT_EXPORT_VENV)
# that it makes on first use and remakes whenever requirements.txt changes. $SPOTLIGHT_TF_PYTHON
# names a Python of your own instead (one with a GPU build of TensorFlow 2.15, to measure on GPUs).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${SPOTLIGHT_EXPORT_VENV:-$here/.venv}"

source "$here/../python-venv.sh"
# TensorFlow 2.15 supports Python 3.9 to 3.11 only.
spotlight_venv "$here" "$venv" "${SPOTLIGHT_TF_PYTHON:-}" 3.9 3.11 "tools/tf-export (TensorFlow 2.15)"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
