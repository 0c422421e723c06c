"""Verify a three-node Cassandra ring converged by the cassandra role.

The tests run in file order and share the ring: a node is stopped and
started again, and another is killed with SIGKILL and must come back by
itself. Each wait is bounded.
"""

import os
import re
import time
import uuid
from functools import cache
from pathlib import Path

import pytest
import testinfra
import yaml
from cassandra import ConsistencyLevel
from cassandra.cluster import Cluster
from cassandra.policies import WhiteListRoundRobinPolicy
from cassandra.query import SimpleStatement

NODES = ["cassandra-1", "cassandra-2", "cassandra-3"]
CQL_PORT = 9042
# A node joins in well under a minute when the machine is idle; these bounds
# leave room for a loaded 2-core machine running three JVMs.
RING_TIMEOUT = 300
POLL_INTERVAL = 5
ROWS = 20
REQUEST_TIMEOUT = 90


SSH_CONFIG = Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / ".lab" / "ssh" / "config"


@cache
def node(name):
    return testinfra.get_host(f"ssh://{name}?ssh_config={SSH_CONFIG}")


@cache
def address(name):
    """Return the lab bridge address of lab host `name`, from the lab's ssh config."""
    current = None
    for line in SSH_CONFIG.read_text().splitlines():
        words = line.split()
        if words[:1] == ["Host"]:
            current = words[1]
        elif words[:1] == ["HostName"] and current == name:
            return words[1]
    raise LookupError(f"lab host {name} is not in {SSH_CONFIG}")


def up_normal_addresses(name):
    """Return the addresses nodetool status on node `name` shows as UN."""
    status = node(name).run("nodetool status")
    if status.rc != 0:
        return set()
    return set(re.findall(r"(?m)^UN\s+(\S+)\s", status.stdout))


def wait_for_ring(observer, expected, timeout=RING_TIMEOUT):
    """Wait until `observer` shows every node in `expected` as UN."""
    wanted = {address(name) for name in expected}
    deadline = time.monotonic() + timeout
    seen = set()
    while time.monotonic() < deadline:
        seen = up_normal_addresses(observer)
        if wanted <= seen:
            return
        time.sleep(POLL_INTERVAL)
    pytest.fail(f"{observer} shows {sorted(seen)} as UN after {timeout} s; expected {sorted(wanted)}")


def wait_until_down(observer, name, timeout=RING_TIMEOUT):
    """Wait until `observer` no longer shows node `name` as UN."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if address(name) not in up_normal_addresses(observer):
            return
        time.sleep(POLL_INTERVAL)
    pytest.fail(f"{observer} still shows {name} as UN {timeout} s after it stopped")


def daemon_pid(name):
    pids = node(name).run("systemctl show cassandra -p MainPID --value").stdout.strip()
    return int(pids or 0)


@pytest.fixture(scope="module")
def session():
    """A driver session whose requests go through cassandra-1 and cassandra-2."""
    coordinators = [address("cassandra-1"), address("cassandra-2")]
    cluster = Cluster(coordinators, port=CQL_PORT, protocol_version=5, connect_timeout=20,
                      load_balancing_policy=WhiteListRoundRobinPolicy(coordinators))
    connection = cluster.connect()
    # Schema changes and QUORUM requests with a node down take longer than
    # the 10 s default on a loaded machine.
    connection.default_timeout = REQUEST_TIMEOUT
    yield connection
    cluster.shutdown()


@pytest.fixture(scope="module")
def keyspace(session):
    """A keyspace with three replicas in dc1, dropped after the module."""
    name = f"ring_{uuid.uuid4().hex[:12]}"
    session.execute(f"CREATE KEYSPACE {name} WITH replication = "
                    "{'class': 'NetworkTopologyStrategy', 'dc1': 3}")
    session.execute(f"CREATE TABLE {name}.probe (id int PRIMARY KEY, note text)")
    yield name
    session.execute(f"DROP KEYSPACE IF EXISTS {name}")


def write_rows(session, keyspace, note):
    insert = SimpleStatement(f"INSERT INTO {keyspace}.probe (id, note) VALUES (%s, %s)",
                             consistency_level=ConsistencyLevel.QUORUM)
    for row_id in range(ROWS):
        session.execute(insert, (row_id, note))


def read_notes(session, keyspace):
    select = SimpleStatement(f"SELECT id, note FROM {keyspace}.probe WHERE id = %s",
                             consistency_level=ConsistencyLevel.QUORUM)
    return {row_id: session.execute(select, (row_id,)).one().note for row_id in range(ROWS)}


def test_every_node_sees_three_up_normal():
    for observer in NODES:
        assert up_normal_addresses(observer) == {address(name) for name in NODES}, observer


def test_seeds_are_first_two_nodes():
    expected = f"{address('cassandra-1')}:7000,{address('cassandra-2')}:7000"
    for name in NODES:
        config = yaml.safe_load(node(name).file("/etc/cassandra/cassandra.yaml").content_string)
        assert config["seed_provider"][0]["parameters"][0]["seeds"] == expected, name


def test_quorum_with_one_node_stopped(session, keyspace):
    write_rows(session, keyspace, "all up")
    stopped = node("cassandra-3")
    assert stopped.run("systemctl stop cassandra").rc == 0
    try:
        wait_until_down("cassandra-1", "cassandra-3")

        write_rows(session, keyspace, "one down")

        assert read_notes(session, keyspace) == {row_id: "one down" for row_id in range(ROWS)}
    finally:
        assert stopped.run("systemctl start cassandra").rc == 0
        wait_for_ring("cassandra-1", NODES)


def test_killed_node_restarts_and_rejoins(session, keyspace):
    victim = node("cassandra-2")
    pid_before = daemon_pid("cassandra-2")
    assert pid_before > 0, "cassandra-2 has no running CassandraDaemon"

    assert victim.run(f"kill -9 {pid_before}").rc == 0

    deadline = time.monotonic() + RING_TIMEOUT
    while time.monotonic() < deadline and daemon_pid("cassandra-2") in (0, pid_before):
        time.sleep(POLL_INTERVAL)
    assert daemon_pid("cassandra-2") not in (0, pid_before), "systemd did not restart the killed node"
    wait_for_ring("cassandra-1", NODES)
    wait_for_ring("cassandra-2", NODES)
    assert read_notes(session, keyspace) == {row_id: "one down" for row_id in range(ROWS)}
