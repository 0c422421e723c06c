"""Run the cassandra role's Molecule scenarios on lab hosts.

cassandra: one node, converged without and then with password
authentication. cassandra-cluster: a ring of three nodes, QUORUM with one
node stopped and a killed node rejoining. Cassandra takes tens of seconds to
start on two shared cores, so the timeouts are generous but bounded.
"""

import pytest

from tests.molecule.scenario import run_scenario

pytestmark = pytest.mark.lab


def test_cassandra_scenario_passes(repo_root):
    run_scenario(repo_root, "cassandra", timeout=1800)


def test_cassandra_cluster_scenario_passes(repo_root):
    run_scenario(repo_root, "cassandra-cluster", timeout=2700)
