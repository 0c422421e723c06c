"""Run the Molecule default scenario: lab hosts made, converged and verified."""

import pytest

from tests.molecule.scenario import run_scenario

pytestmark = pytest.mark.lab


def test_default_scenario_passes(repo_root):
    run_scenario(repo_root, "default")
