# Sourced by `ray-measure`: sets $python to a Python with the pinned Ray of requirements.txt, in a
# virtual environment beside these scripts (or at $SPOTLIGHT_RAY_VENV) made on first use.
# $SPOTLIGHT_RAY_PYTHON names a Python of your own instead (one of the Ray cluster's).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${SPOTLIGHT_RAY_VENV:-$here/.venv}"

source "$here/../python-venv.sh"
spotlight_venv "$here" "$venv" "${SPOTLIGHT_RAY_PYTHON:-}" 3.9 3.12 "tools/ray-measure (Ray)"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
