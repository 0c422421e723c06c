"""Run the spark Molecule scenario: a master, two workers and a Kafka broker on lab hosts."""

import pytest

from tests.molecule.scenario import run_scenario

pytestmark = pytest.mark.lab


def test_spark_scenario_passes(repo_root):
    # The converge copies the 450 MB pyspark wheel to three hosts, hence the longer timeout.
    run_scenario(repo_root, "spark", timeout=3600)
