#!/usr/bin/env bash
# Create bench/.venv-turboseti with turbo_seti 2.3.2 for the comparison benchmark.
# turbo_seti 2.3.2 needs numpy < 2 (its FindDoppler fails under numpy 2) and
# setuptools < 82 (it and blimpy import pkg_resources), so it gets a venv of its own
# instead of the project's .venv. Installs from PyPI with pip.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv-turboseti

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import turbo_seti" 2>/dev/null; then
  echo "$VENV: turbo_seti already installed"
  exit 0
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "setuptools<82" "numpy<2"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "turbo-seti==2.3.2" "numpy<2" "setuptools<82"
"$VENV/bin/python" - <<'PY'
import numpy, turbo_seti
from turbo_seti.find_event.find_event import find_events
print(f"turbo_seti {turbo_seti.__version__ if hasattr(turbo_seti, '__version__') else '2.3.2'}, numpy {numpy.__version__}")
PY
