"""Verify a three-node KRaft cluster: its quorum and how it rides out a lost broker.

testinfra runs each test once per host; the cluster-wide tests run on kafka-1 only and
reach the other nodes through their own ssh connections.
"""

import os
import re
import time
import uuid
from pathlib import Path

import pytest
import testinfra
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

BROKER_PORT = "9092"
NODES = ("kafka-1", "kafka-2", "kafka-3")
SSH_CONFIG = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", ".")) / ".lab" / "ssh" / "config"


def node(name):
    return testinfra.get_host("ssh://%s" % name, ssh_config=str(SSH_CONFIG))


def cluster_address(host):
    properties = host.file("/etc/kafka/server.properties").content_string
    return re.search(r"(?m)^advertised\.listeners=PLAINTEXT://([^:]+):", properties).group(1)


def bootstrap_servers():
    return ",".join("%s:%s" % (cluster_address(node(name)), BROKER_PORT) for name in NODES)


def wait_for(predicate, timeout, interval=1.0):
    """Poll predicate until it returns a true value or timeout seconds pass; return the last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


def under_replicated(host):
    return host.run(
        "/usr/local/bin/kafka-topics --bootstrap-server %s:%s --describe --under-replicated-partitions",
        cluster_address(host), BROKER_PORT,
    )


@pytest.fixture
def first_node_only(host):
    if host.backend.get_hostname() != "kafka-1":
        pytest.skip("cluster-wide check, run from kafka-1 only")


def test_service_active_and_enabled(host):
    assert host.service("kafka").is_running
    assert host.service("kafka").is_enabled


def test_all_nodes_share_cluster_id(host, first_node_only):
    ids = set()
    for name in NODES:
        meta = node(name).file("/var/lib/kafka/data/meta.properties").content_string
        ids.add(re.search(r"(?m)^cluster\.id=(\S+)", meta).group(1))
    assert len(ids) == 1, ids

    first = node("kafka-1").file("/var/tmp/molecule-first-cluster-id").content_string.strip()
    assert ids == {first}


def test_quorum_has_three_voters(host, first_node_only):
    replication = host.check_output(
        "/usr/local/bin/kafka-metadata-quorum --bootstrap-server %s describe --replication",
        bootstrap_servers(),
    )
    rows = [line.split() for line in replication.splitlines()[1:] if line.strip()]
    voters = sorted(int(row[0]) for row in rows if row[-1] in ("Leader", "Follower"))
    assert voters == [1, 2, 3], replication

    status = host.check_output(
        "/usr/local/bin/kafka-metadata-quorum --bootstrap-server %s describe --status", bootstrap_servers()
    )
    current_voters = re.search(r"(?m)^CurrentVoters:\s+(.*)$", status).group(1)
    assert sorted(int(found) for found in re.findall(r'"id":\s*(\d+)', current_voters)) == [1, 2, 3], status


def test_seti_topics_replicated_three_times(host, first_node_only):
    for topic in ("seti.hits", "seti.anomalies"):
        described = host.check_output(
            "/usr/local/bin/kafka-topics --bootstrap-server %s --describe --topic %s", bootstrap_servers(), topic
        )
        assert "ReplicationFactor: 3" in described, described
        assert "min.insync.replicas=2" in described, described


def test_acks_all_writes_survive_stopped_broker(host, first_node_only):
    servers = bootstrap_servers()
    topic = "molecule.failover.%s" % uuid.uuid4().hex[:8]
    admin = KafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=30000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3,
                                      topic_configs={"min.insync.replicas": "2"})])
    finally:
        admin.close()

    stopped = node("kafka-2")
    producer = KafkaProducer(bootstrap_servers=servers, acks="all", retries=10,
                             request_timeout_ms=20000, max_block_ms=60000)
    sent = []
    try:
        stopped.run_test("systemctl stop kafka")
        assert not stopped.service("kafka").is_running

        for number in range(50):
            value = ("message-%d" % number).encode()
            producer.send(topic, key=str(number % 3).encode(), value=value).get(timeout=60)
            sent.append(value)
    finally:
        producer.close(timeout=10)
        stopped.run_test("systemctl start kafka")

    assert len(sent) == 50

    consumer = KafkaConsumer(bootstrap_servers=servers, consumer_timeout_ms=20000, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    try:
        partitions = [TopicPartition(topic, number) for number in range(3)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        received = [record.value for record in consumer]
    finally:
        consumer.close()
    assert sorted(received) == sorted(sent)

    healed = wait_for(lambda: under_replicated(host).stdout.strip() == "", timeout=180, interval=3)
    assert healed, "partitions stayed under-replicated after kafka-2 came back"


def test_systemd_restarts_killed_broker(host, first_node_only):
    victim = node("kafka-3")
    before = int(victim.check_output("systemctl show -p MainPID --value kafka"))
    assert before > 0

    victim.run_test("kill -9 %s", str(before))

    def restarted_pid():
        pid = int(victim.check_output("systemctl show -p MainPID --value kafka"))
        return pid if pid not in (0, before) else 0

    after = wait_for(restarted_pid, timeout=60)
    assert after, "systemd did not restart the killed broker"
    assert victim.check_output("systemctl show -p NRestarts --value kafka") != "0"

    listening = wait_for(lambda: victim.run("ss -H -ltn 'sport = :%s'", BROKER_PORT).stdout.strip(), timeout=120)
    assert listening, "the restarted broker does not listen on port %s" % BROKER_PORT

    healed = wait_for(lambda: under_replicated(host).stdout.strip() == "", timeout=180, interval=3)
    assert healed, "partitions stayed under-replicated after kafka-3 was restarted"
