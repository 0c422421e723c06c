"""Unit tests of the kafka_topics module's parsing of `kafka-topics --describe` and its plan."""

import importlib.util
from pathlib import Path

MODULE_PATH = Path(__file__).resolve().parents[2] / "roles/kafka/library/kafka_topics.py"
spec = importlib.util.spec_from_file_location("kafka_topics", MODULE_PATH)
kafka_topics = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kafka_topics)

DESCRIBE = (
    "Topic: seti.hits\tTopicId: q1Yd3mTqS1qvYl2c0bq8XA\tPartitionCount: 6\tReplicationFactor: 3\t"
    "Configs: min.insync.replicas=2,cleanup.policy=compact,delete\n"
    "\tTopic: seti.hits\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tElr: \tLastKnownElr: \n"
    "Topic: seti.anomalies\tTopicId: 0b3lPZ2eQ8eV1fJg9K0e4Q\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: \n"
)


def wanted(name, partitions=6, replication_factor=3, **config):
    return {"name": name, "partitions": partitions, "replication_factor": replication_factor, "config": config}


def test_parse_describe_reads_topic_lines():
    topics = kafka_topics.parse_describe(DESCRIBE)

    assert sorted(topics) == ["seti.anomalies", "seti.hits"]
    assert topics["seti.hits"]["partitions"] == 6
    assert topics["seti.hits"]["replication_factor"] == 3
    assert topics["seti.hits"]["config"] == {"min.insync.replicas": "2", "cleanup.policy": "compact,delete"}
    assert topics["seti.anomalies"]["config"] == {}


def test_plan_creates_missing_topic():
    actions, warnings = kafka_topics.plan_changes([wanted("seti.new", **{"min.insync.replicas": 2})], {})

    assert actions == [{"action": "create", "topic": "seti.new", "partitions": 6, "replication_factor": 3,
                        "config": {"min.insync.replicas": "2"}}]
    assert warnings == []


def test_plan_is_empty_for_matching_topic():
    existing = kafka_topics.parse_describe(DESCRIBE)
    actions, warnings = kafka_topics.plan_changes([wanted("seti.hits", **{"min.insync.replicas": "2"})], existing)

    assert actions == []
    assert warnings == []


def test_plan_grows_partitions_and_sets_config():
    existing = kafka_topics.parse_describe(DESCRIBE)
    actions, _ = kafka_topics.plan_changes([wanted("seti.anomalies", 6, **{"min.insync.replicas": 2})], existing)

    assert {"action": "add_partitions", "topic": "seti.anomalies", "partitions": 6} in actions
    assert {"action": "set_config", "topic": "seti.anomalies", "config": {"min.insync.replicas": "2"}} in actions


def test_plan_never_shrinks_or_rereplicates():
    existing = kafka_topics.parse_describe(DESCRIBE)
    actions, warnings = kafka_topics.plan_changes([wanted("seti.hits", 2, 1, **{"min.insync.replicas": "2"})], existing)

    assert actions == []
    assert any("never removed" in warning for warning in warnings)
    assert any("reassignment" in warning for warning in warnings)


def test_command_brackets_list_values():
    action = {"action": "set_config", "topic": "seti.hits", "config": {"cleanup.policy": "compact,delete"}}
    command = kafka_topics.command_for(action, "10.213.7.11:9092", "/usr/local/bin")

    assert command[0] == "/usr/local/bin/kafka-configs"
    assert command[-1] == "cleanup.policy=[compact,delete]"
