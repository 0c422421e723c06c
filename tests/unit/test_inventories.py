"""Inventories and playbooks that need no hosts: the graph and syntax checks."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
PLAYBOOKS = sorted((REPO / "playbooks").glob("*.yml"))


def ansible(tool: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    return subprocess.run([str(BIN / tool), *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("inventory", ["production.example", "lab", "lab-cluster"])
def test_inventory_graph_has_every_group(inventory):
    result = ansible("ansible-inventory", "-i", f"inventory/{inventory}", "--graph")
    assert result.returncode == 0, result.stderr
    for group in ("@kafka:", "@cassandra:", "@spark_master:", "@spark_worker:", "@detector:", "@producer:"):
        assert group in result.stdout, f"{inventory} lacks group {group}"


def test_production_example_has_three_kafka_and_cassandra_nodes():
    result = ansible("ansible-inventory", "-i", "inventory/production.example", "--graph", "kafka")
    assert result.stdout.count("kafka-") == 3
    result = ansible("ansible-inventory", "-i", "inventory/production.example", "--graph", "cassandra")
    assert result.stdout.count("cassandra-") == 3


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda p: p.name)
def test_playbook_syntax_on_production_example(playbook):
    result = ansible("ansible-playbook", "--syntax-check", "-i", "inventory/production.example",
                     str(playbook.relative_to(REPO)))
    assert result.returncode == 0, result.stdout + result.stderr
