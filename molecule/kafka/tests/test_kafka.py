"""Verify a single-node KRaft Kafka as a client and an operator see it."""

import re
import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

BROKER_PORT = "9092"
CONTROLLER_PORT = "9093"


def cluster_address(host):
    """Return the address the node advertises to clients."""
    properties = host.file("/etc/kafka/server.properties").content_string
    return re.search(r"(?m)^advertised\.listeners=PLAINTEXT://([^:]+):", properties).group(1)


def test_service_active_and_enabled(host):
    service = host.service("kafka")
    assert service.is_running
    assert service.is_enabled


def test_service_restarts_on_failure(host):
    unit = host.check_output("systemctl show -p Restart --value kafka")
    assert unit == "on-failure"


def test_broker_runs_as_kafka_user(host):
    pid = host.check_output("systemctl show -p MainPID --value kafka")
    assert host.check_output("ps -o user= -p %s", pid) == "kafka"


def listening_sockets(host, pid):
    """Return (address, port) of each TCP socket the process listens on.

    The JVM listens on IPv6 sockets, so an IPv4 address shows as [::ffff:A.B.C.D].
    """
    sockets = []
    for line in host.check_output("ss -H -ltnp").splitlines():
        if "pid=%s," % pid not in line:
            continue
        address, _, port = line.split()[3].rpartition(":")
        sockets.append((address.strip("[]").removeprefix("::ffff:"), port))
    return sockets


def test_ports_bound_to_cluster_address_only(host):
    address = cluster_address(host)
    pid = host.check_output("systemctl show -p MainPID --value kafka")
    sockets = listening_sockets(host, pid)

    assert (address, BROKER_PORT) in sockets
    assert (address, CONTROLLER_PORT) in sockets
    for bound_address, port in sockets:
        assert bound_address == address, "Kafka listens on %s:%s" % (bound_address, port)


def test_cluster_id_kept_by_second_converge(host):
    first = host.file("/var/tmp/molecule-first-cluster-id").content_string.strip()
    meta = host.file("/var/lib/kafka/data/meta.properties").content_string
    current = re.search(r"(?m)^cluster\.id=(\S+)", meta).group(1)
    assert len(first) == 22
    assert current == first


def test_topics_created_with_settings(host):
    address = cluster_address(host)
    described = host.check_output(
        "/usr/local/bin/kafka-topics --bootstrap-server %s:%s --describe --topic seti.hits", address, BROKER_PORT
    )
    assert "PartitionCount: 6" in described
    assert "ReplicationFactor: 1" in described
    assert "min.insync.replicas=1" in described

    listed = host.check_output(
        "/usr/local/bin/kafka-topics --bootstrap-server %s:%s --list", address, BROKER_PORT
    ).split()
    assert "seti.anomalies" in listed


def test_metadata_quorum_has_one_voter(host):
    address = cluster_address(host)
    status = host.check_output(
        "/usr/local/bin/kafka-metadata-quorum --bootstrap-server %s:%s describe --status", address, BROKER_PORT
    )
    assert re.search(r"(?m)^LeaderId:\s+1$", status), status


def test_produce_consume_round_trip(host):
    bootstrap = "%s:%s" % (cluster_address(host), BROKER_PORT)
    topic = "seti.hits"
    marker = uuid.uuid4().hex.encode()

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=30000)
    try:
        metadata = producer.send(topic, key=b"round-trip", value=marker).get(timeout=60)
    finally:
        producer.close(timeout=10)

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=30000, enable_auto_commit=False)
    try:
        partition = TopicPartition(topic, metadata.partition)
        consumer.assign([partition])
        consumer.seek(partition, metadata.offset)
        received = next(iter(consumer))
    finally:
        consumer.close()

    assert received.value == marker
    assert received.key == b"round-trip"
