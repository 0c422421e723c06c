"""Run the Kafka Molecule scenarios: converge, idempotence and verify on lab hosts."""

import pytest

from tests.molecule.scenario import run_scenario

pytestmark = pytest.mark.lab


def test_kafka_scenario_passes(repo_root):
    run_scenario(repo_root, "kafka")


def test_kafka_cluster_scenario_passes(repo_root):
    run_scenario(repo_root, "kafka-cluster")
