"""Fixtures of the cassandra scenario's testinfra tests."""

import os
from pathlib import Path

import pytest
import yaml
from ansible.parsing.vault import VaultLib, VaultSecret

SCENARIO_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", SCENARIO_DIR.parent.parent))


def lab_address(name):
    """Return the lab bridge address of lab host `name`, from the lab's ssh config."""
    current = None
    for line in (PROJECT_DIR / ".lab" / "ssh" / "config").read_text().splitlines():
        words = line.split()
        if words[:1] == ["Host"]:
            current = words[1]
        elif words[:1] == ["HostName"] and current == name:
            return words[1]
    raise LookupError(f"lab host {name} is not in {PROJECT_DIR / '.lab' / 'ssh' / 'config'}")


@pytest.fixture()
def address(host):
    """The lab address of the host under test, which the role must bind to."""
    return lab_address(host.backend.get_hostname())


@pytest.fixture(scope="session")
def heap_size():
    """cassandra_heap_size of the lab inventory the scenario links."""
    heaps = SCENARIO_DIR / "inventory" / "group_vars" / "all" / "heaps.yml"
    return yaml.safe_load(heaps.read_text())["cassandra_heap_size"]


@pytest.fixture(scope="session")
def superuser():
    """(name, password) of the superuser the side_effect converge sets.

    The password is read from the scenario's vault file, decrypted with the
    scenario's vault password file, as Ansible reads it.
    """
    group_vars = SCENARIO_DIR / "inventory" / "group_vars" / "cassandra"
    name = yaml.safe_load((group_vars / "main.yml").read_text())["cassandra_superuser_name"]
    secret = VaultSecret((SCENARIO_DIR / "vault-password").read_bytes().strip())
    plain = VaultLib([("default", secret)]).decrypt((group_vars / "vault.yml").read_bytes())
    return name, yaml.safe_load(plain)["cassandra_superuser_password"]
