#!/usr/bin/env bash
# Run the test suites of `make test` (or of `make test-stack` with --stack) in
# one pytest session, so the run ends with one summary. Unit tests come first,
# then the tests that need lab hosts. The lab is torn down on exit, also when a
# test fails or the run is interrupted.
#
# `make test` (what CI runs): unit tests, the lab itself, Fabric over lab
# hosts, the Molecule scenarios of every role (single node and cluster), the
# detector's integration and delivery tests on the stack converged by
# site.yml, and the deploy lifecycle on a lab host.
# `make test-stack` (--stack): only the suites after the Molecule default
# scenario, for a rerun while working on a role or the detector.
fast_suites=(
  tests/unit
  tests/lab_tests/test_lab.py
  tests/lab_tests/test_fabfile.py
  tests/molecule/test_default_scenario.py
)
stack_suites=(
  tests/molecule/test_kafka_scenarios.py
  tests/molecule/test_cassandra_scenarios.py
  tests/molecule/test_spark_scenario.py
  tests/integration
  tests/lab_tests/test_detector_lifecycle.py
)
suites=("${fast_suites[@]}" "${stack_suites[@]}")
if [ "${1:-}" = "--stack" ]; then
  shift
  suites=("${stack_suites[@]}")
fi

trap '.venv/bin/python -m tests.lab down --quiet || echo "warning: lab teardown failed; run make lab-down" >&2' EXIT

mkdir -p reports
# pytest's summary line (with its duration) stays the last line of the run.
.venv/bin/pytest "${suites[@]}" \
  -p no:cacheprovider \
  --junitxml=reports/junit.xml \
  --durations=30 \
  "$@"
