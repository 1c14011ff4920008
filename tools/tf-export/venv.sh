# Sourced by `export` and `measure`: sets $python to a Python with the pinned TensorFlow of
# requirements.txt, in a virtual environment beside these scripts (or at $SPOTLIGHT_EXPORT_VENV)
# that it makes on first use and remakes whenever requirements.txt changes. $SPOTLIGHT_TF_PYTHON
# names a Python of your own instead (one with a GPU build of TensorFlow 2.15, to measure on GPUs).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${SPOTLIGHT_EXPORT_VENV:-$here/.venv}"
python="${SPOTLIGHT_TF_PYTHON:-$venv/bin/python}"

if [ -z "${SPOTLIGHT_TF_PYTHON:-}" ] &&
  { [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/.spotlight-requirements"; }; then
  base=""
  for candidate in python3.11 python3.10 python3.9 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if (3, 9) <= sys.version_info[:2] <= (3, 11) else 1)' 2>/dev/null; then
      base="$candidate"
      break
    fi
  done
  if [ -z "$base" ]; then
    echo "error: tools/tf-export needs Python 3.9, 3.10 or 3.11 (TensorFlow 2.15 supports no other); none found" >&2
    exit 1
  fi
  echo "setting up $venv with $("$base" --version) and TensorFlow (a few minutes, once)" >&2
  rm -rf "$venv"
  "$base" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.spotlight-requirements"
fi
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
