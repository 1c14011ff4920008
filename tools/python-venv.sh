# Sourced by tools/*/venv.sh. `spotlight_venv HERE VENV OVERRIDE MINIMUM MAXIMUM WHAT` sets
# $python: OVERRIDE when it is not empty (a Python of the user's own), else VENV/bin/python in a
# virtual environment that it makes from HERE/requirements.txt on first use and remakes whenever
# that file changes, with a Python whose version is between MINIMUM and MAXIMUM (such as 3.9 and
# 3.11). WHAT names the tool and what it installs, for messages.
spotlight_venv() {
  local here="$1" venv="$2" override="$3" minimum="$4" maximum="$5" what="$6"
  python="${override:-$venv/bin/python}"
  if [ -n "$override" ] ||
    { [ -x "$venv/bin/python" ] && cmp -s "$here/requirements.txt" "$venv/.spotlight-requirements"; }; then
    return 0
  fi
  local base="" candidate
  for candidate in python3.12 python3.11 python3.10 python3.9 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c "import sys; v = lambda text: tuple(map(int, text.split('.')))
sys.exit(0 if v('$minimum') <= sys.version_info[:2] <= v('$maximum') else 1)" 2>/dev/null; then
      base="$candidate"
      break
    fi
  done
  if [ -z "$base" ]; then
    echo "error: $what needs Python $minimum to $maximum; none found" >&2
    exit 1
  fi
  echo "setting up $venv with $("$base" --version) for $what (a few minutes, once)" >&2
  rm -rf "$venv"
  "$base" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/.spotlight-requirements"
}
