"""The cassandra role's settings checks and rendered files, without hosts.

A playbook runs the role's validate.yml on inventory hosts that use the local
connection, then renders cassandra.yaml and cassandra-rackdc.properties into
a temporary directory, so seeds, addresses and guards are checked in seconds.
"""

import os
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
TEMPLATES = REPO / "roles" / "cassandra" / "templates"

PLAYBOOK = """
- name: Validate and render the Cassandra settings
  hosts: cassandra
  gather_facts: false
  tasks:
    - name: Run the role's validation.
      ansible.builtin.include_role:
        name: cassandra
        tasks_from: validate.yml
        public: true

    - name: Render the configuration files.
      ansible.builtin.template:
        src: "{templates}/{{{{ item }}}}.j2"
        dest: "{out}/{{{{ inventory_hostname }}}}-{{{{ item }}}}"
        mode: "0600"
      loop: [cassandra.yaml, cassandra-rackdc.properties]
"""


def run_role(tmp_path, node_count, extra_vars=None):
    """Run the validation on node_count local hosts; return the completed process."""
    hosts = {f"cassandra-{index}": {"seti_cluster_address": f"127.0.0.{10 + index}",
                                    "ansible_connection": "local",
                                    "ansible_python_interpreter": str(BIN / "python")}
             for index in range(1, node_count + 1)}
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {"children": {"cassandra": {"hosts": hosts}}}}))
    playbook = tmp_path / "render.yml"
    playbook.write_text(PLAYBOOK.format(templates=TEMPLATES, out=tmp_path))
    command = [str(BIN / "ansible-playbook"), "-i", str(inventory), str(playbook)]
    if extra_vars:
        command += ["-e", yaml.safe_dump(extra_vars, default_flow_style=True)]
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_ROLES_PATH=str(REPO / "roles"),
               ANSIBLE_NOCOLOR="1", PATH=f"{BIN}:{os.environ.get('PATH', '')}")
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def rendered_yaml(directory, host):
    return yaml.safe_load((directory / f"{host}-cassandra.yaml").read_text())


@pytest.fixture(scope="module")
def three_nodes(tmp_path_factory):
    """Directory of the files rendered for a ring of three nodes."""
    directory = tmp_path_factory.mktemp("three-nodes")
    result = run_role(directory, 3)
    assert result.returncode == 0, result.stdout + result.stderr
    return directory


def test_two_seeds_for_three_nodes(three_nodes):
    for index in range(1, 4):
        config = rendered_yaml(three_nodes, f"cassandra-{index}")
        assert config["seed_provider"][0]["parameters"][0]["seeds"] == "127.0.0.11:7000,127.0.0.12:7000"


def test_one_seed_for_one_node(tmp_path):
    result = run_role(tmp_path, 1)
    assert result.returncode == 0, result.stdout + result.stderr

    config = rendered_yaml(tmp_path, "cassandra-1")
    assert config["seed_provider"][0]["parameters"][0]["seeds"] == "127.0.0.11:7000"


def test_listen_and_rpc_address_per_node(three_nodes):
    for index in range(1, 4):
        config = rendered_yaml(three_nodes, f"cassandra-{index}")
        assert config["listen_address"] == f"127.0.0.{10 + index}"
        assert config["rpc_address"] == f"127.0.0.{10 + index}"


def test_rendered_types_and_defaults(three_nodes):
    config = rendered_yaml(three_nodes, "cassandra-1")

    assert config["num_tokens"] == 16
    assert config["native_transport_port"] == 9042
    assert config["auto_snapshot"] is True
    assert config["authenticator"] == "AllowAllAuthenticator"
    assert config["endpoint_snitch"] == "GossipingPropertyFileSnitch"
    assert config["commitlog_directory"] == "/var/lib/cassandra/commitlog"
    rackdc = (three_nodes / "cassandra-1-cassandra-rackdc.properties").read_text()
    assert "dc=dc1\n" in rackdc
    assert "rack=rack1\n" in rackdc


def test_variables_reach_the_yaml(tmp_path):
    result = run_role(tmp_path, 1, {
        "cassandra_auto_snapshot": False,
        "cassandra_authentication_enabled": True,
        "cassandra_superuser_password": "not-a-real-secret",
        "cassandra_cluster_name": "night-shift",
        "cassandra_yaml_overrides": {"concurrent_writes": 8},
    })
    assert result.returncode == 0, result.stdout + result.stderr

    config = rendered_yaml(tmp_path, "cassandra-1")
    assert config["auto_snapshot"] is False
    assert config["authenticator"] == "PasswordAuthenticator"
    assert config["cluster_name"] == "night-shift"
    assert config["concurrent_writes"] == 8
    assert "not-a-real-secret" not in result.stdout


def test_every_node_a_seed_rejected(tmp_path):
    result = run_role(tmp_path, 3, {"cassandra_seed_hosts": ["cassandra-1", "cassandra-2", "cassandra-3"]})

    assert result.returncode != 0
    assert "seeds do not bootstrap" in result.stdout


def test_seed_outside_group_rejected(tmp_path):
    result = run_role(tmp_path, 2, {"cassandra_seed_hosts": ["kafka-1"]})

    assert result.returncode != 0
    assert "must name one or more hosts" in result.stdout


def test_authentication_without_password_rejected(tmp_path):
    result = run_role(tmp_path, 1, {"cassandra_authentication_enabled": True})

    assert result.returncode != 0
    # The check runs with no_log, so only the failed task name shows the cause.
    failed_task = result.stdout.split("fatal:")[0].rsplit("TASK [", 1)[-1]
    assert failed_task.startswith("cassandra : Ensure a superuser password is set"), result.stdout


def test_invalid_heap_size_rejected(tmp_path):
    result = run_role(tmp_path, 1, {"cassandra_heap_size": "lots"})

    assert result.returncode != 0
    assert "invalid heap size" in result.stdout
