"""Verify one Cassandra node converged by the cassandra role.

The scenario runs these tests twice: after the first converge (authentication
off) and after side_effect turns authentication on. Tests that only apply to
one of the two states skip in the other, decided by the authenticator in the
node's rendered cassandra.yaml.
"""

import uuid

import pytest
import yaml
from cassandra import AuthenticationFailed, ConsistencyLevel
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable
from cassandra.policies import WhiteListRoundRobinPolicy
from cassandra.query import SimpleStatement

CQL_PORT = 9042
JMX_PORT = 7199
CASSANDRA_VERSION = "5.0.9"
SCHEMA_TIMEOUT = 90


def rendered_config(host):
    return yaml.safe_load(host.file("/etc/cassandra/cassandra.yaml").content_string)


def authentication_enabled(host):
    return rendered_config(host)["authenticator"] == "PasswordAuthenticator"


def connect(address, credentials=None):
    """Open a driver session on one node, as credentials (name, password) if given."""
    auth_provider = PlainTextAuthProvider(*credentials) if credentials else None
    cluster = Cluster(
        [address],
        port=CQL_PORT,
        auth_provider=auth_provider,
        load_balancing_policy=WhiteListRoundRobinPolicy([address]),
        protocol_version=5,
        connect_timeout=20,
    )
    session = cluster.connect()
    # Schema changes wait for every node to agree, and DROP snapshots the
    # table first (auto_snapshot). On a loaded machine both can take longer
    # than the driver's 10 s default.
    session.default_timeout = SCHEMA_TIMEOUT
    return cluster, session


def assert_round_trip(session):
    """Write a row and read it back in a keyspace made for this check."""
    keyspace = f"verify_{uuid.uuid4().hex[:12]}"
    marker = uuid.uuid4()
    session.execute(
        f"CREATE KEYSPACE {keyspace} WITH replication = "
        "{'class': 'NetworkTopologyStrategy', 'dc1': 1}"
    )
    try:
        session.execute(f"CREATE TABLE {keyspace}.probe (id uuid PRIMARY KEY, note text)")
        session.execute(f"INSERT INTO {keyspace}.probe (id, note) VALUES (%s, %s)", (marker, "round trip"))
        read = SimpleStatement(f"SELECT note FROM {keyspace}.probe WHERE id = %s",
                               consistency_level=ConsistencyLevel.ONE)
        row = session.execute(read, (marker,)).one()
        assert row is not None, f"row {marker} written to {keyspace}.probe was not read back"
        assert row.note == "round trip"
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")


def test_service_running_and_enabled(host):
    service = host.service("cassandra")

    assert service.is_running
    assert service.is_enabled


def test_service_unit_settings(host):
    properties = host.run("systemctl show cassandra -p Restart -p LimitNOFILE -p User").stdout

    assert "Restart=on-failure" in properties
    assert "User=cassandra" in properties
    assert "LimitNOFILE=20000" in properties


def test_daemon_runs_on_java_17_with_lab_heap(host, heap_size):
    daemons = [process for process in host.process.filter(user="cassandra")
               if "org.apache.cassandra.service.CassandraDaemon" in process.args]
    assert len(daemons) == 1, f"expected one CassandraDaemon process, found {len(daemons)}"

    arguments = daemons[0].args
    assert arguments.startswith("/usr/lib/jvm/java-17-openjdk-amd64/bin/java ")
    # The daemon's command line names the argument file, which contains the heap.
    options = host.file("/etc/cassandra/jvm-server.options").content_string.splitlines()
    assert f"-Xmx{heap_size}" in options
    assert f"-Xms{heap_size}" in options
    assert "--add-opens java.base/java.lang=ALL-UNNAMED" in options


def test_cql_port_on_cluster_address_only(host, address):
    cql_sockets = [socket for socket in host.socket.get_listening_sockets()
                   if socket.endswith(f":{CQL_PORT}")]

    assert cql_sockets == [f"tcp://{address}:{CQL_PORT}"]


def test_jmx_on_loopback_only(host):
    jmx_sockets = [socket for socket in host.socket.get_listening_sockets()
                   if socket.endswith(f":{JMX_PORT}")]

    assert jmx_sockets == [f"tcp://127.0.0.1:{JMX_PORT}"]


def test_nodetool_shows_node_up_normal(host, address):
    status = host.run("nodetool status")

    assert status.rc == 0, status.stderr
    assert "Datacenter: dc1" in status.stdout
    node_lines = [line.split() for line in status.stdout.splitlines() if line[:2] in ("UN", "DN", "UJ", "UL")]
    assert [line[:2] for line in node_lines] == [["UN", address]]


def test_rendered_config_from_inventory(host, address):
    config = rendered_config(host)

    assert config["listen_address"] == address
    assert config["rpc_address"] == address
    assert config["seed_provider"][0]["parameters"][0]["seeds"] == f"{address}:7000"
    assert config["endpoint_snitch"] == "GossipingPropertyFileSnitch"
    assert config["data_file_directories"] == ["/var/lib/cassandra/data"]


def test_cqlsh_on_node(host, superuser):
    if authentication_enabled(host):
        name, password = superuser
        command = host.run("cqlsh -u %s -p %s -e %s", name, password,
                           "SELECT release_version FROM system.local")
    else:
        command = host.run("cqlsh -e %s", "SELECT release_version FROM system.local")

    assert command.rc == 0, command.stderr
    assert CASSANDRA_VERSION in command.stdout


def test_cql_round_trip_without_authentication(host, address):
    if authentication_enabled(host):
        pytest.skip("authentication is on; the superuser round trip covers it")
    cluster, session = connect(address)
    try:
        assert_round_trip(session)
    finally:
        cluster.shutdown()


def test_anonymous_login_rejected(host, address):
    if not authentication_enabled(host):
        pytest.skip("authentication is off in this phase of the scenario")

    with pytest.raises(NoHostAvailable) as raised:
        connect(address)
    causes = list(raised.value.errors.values())
    assert any(isinstance(cause, AuthenticationFailed) for cause in causes), causes


def test_default_superuser_rejected(host, address):
    if not authentication_enabled(host):
        pytest.skip("authentication is off in this phase of the scenario")

    with pytest.raises(NoHostAvailable) as raised:
        connect(address, ("cassandra", "cassandra"))
    causes = list(raised.value.errors.values())
    assert any(isinstance(cause, AuthenticationFailed) for cause in causes), causes


def test_superuser_round_trip(host, address, superuser):
    if not authentication_enabled(host):
        pytest.skip("authentication is off in this phase of the scenario")

    cluster, session = connect(address, superuser)
    try:
        role = session.execute("SELECT is_superuser, can_login FROM system_auth.roles WHERE role = %s",
                               (superuser[0],)).one()
        assert role.is_superuser
        assert role.can_login
        assert_round_trip(session)
    finally:
        cluster.shutdown()
