#!/usr/bin/env bash
# Run everything CI runs, in one pytest session so it ends with one summary:
# unit tests first, then the tests that need lab hosts. The lab is torn down
# on exit, also when a test fails or the run is interrupted.
set -uo pipefail
cd "$(dirname "$0")/.."

trap '.venv/bin/python -m tests.lab down --quiet || echo "warning: lab teardown failed; run make lab-down" >&2' EXIT

mkdir -p reports
suites=()
for suite in tests/unit tests/lab_tests tests/molecule tests/integration tests/e2e; do
  [ -d "$suite" ] && suites+=("$suite")
done

started=$(date +%s)
.venv/bin/pytest "${suites[@]}" \
  -p no:cacheprovider \
  --junitxml=reports/junit.xml \
  --durations=30 \
  "$@"
status=$?
echo "make test: $(( ($(date +%s) - started) / 60 )) min $(( ($(date +%s) - started) % 60 )) s in pytest"
exit $status
