"""The smoke check of a detector version (`seti-stream smoke`).

Before a deploy switches to a new version, the version runs its own streaming
code on a seeded synthetic night. The records go to a smoke topic, and the query
runs in Spark local mode until it has read them (trigger availableNow). Its
rows go to a smoke keyspace. The check passes when the level-3 anomalies in the
smoke keyspace equal the same version's batch event finder (`events`) on the
same cadences. The settings are the deployed ones with the topics, keyspace,
checkpoint and state files replaced. The check does not start when any
of them would be the production one. So production tables never see smoke rows.

The pure parts (settings, the expected events, the comparison) are separate
from `run_smoke`, which talks to Kafka, Cassandra and Spark.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from seti_stream.batch import find_events
from seti_stream.detector.evaluate import event_params
from seti_stream.detector.settings import DetectorSettings

log = logging.getLogger(__name__)

LEVEL3 = 3
CONFIRMED = "confirmed"


@dataclass(frozen=True)
class SmokeOptions:
    """Input and destinations of the smoke check."""

    seed: int = 1977
    cadences: int = 2
    hits_per_scan: int = 60
    hits_topic: str = "seti.smoke.hits"
    anomalies_topic: str = "seti.smoke.anomalies"
    keyspace: str = "seti_smoke"
    #: Seconds the query may take to read every smoke record.
    timeout_s: float = 600.0
    #: Directory of the smoke query's checkpoint and state files; a new
    #: temporary directory when None.
    work_dir: str | None = None


@dataclass
class SmokeResult:
    """Expected and found level-3 events, and what differs."""

    expected: dict[str, tuple] = field(default_factory=dict)
    found: dict[str, tuple] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.differences and bool(self.expected)


def isolation_errors(production: DetectorSettings, options: SmokeOptions) -> list[str]:
    """Return why the smoke names would touch production data (empty when they do not)."""
    errors = []
    if options.keyspace == production.keyspace:
        errors.append(f"smoke keyspace {options.keyspace!r} is the detector's keyspace; "
                      "choose another with --keyspace")
    production_topics = {production.hits_topic, production.anomalies_topic}
    for flag, topic in (("--topic", options.hits_topic),
                        ("--anomalies-topic", options.anomalies_topic)):
        if topic in production_topics:
            errors.append(f"smoke topic {topic!r} is one of the detector's topics "
                          f"({', '.join(sorted(production_topics))}); choose another with {flag}")
    if options.hits_topic == options.anomalies_topic:
        errors.append(f"smoke hits and anomalies topics are both {options.hits_topic!r}; "
                      "they must differ")
    if options.seed < 0 or options.cadences < 1 or options.hits_per_scan < 10:
        errors.append(f"seed {options.seed}, cadences {options.cadences}, hits per scan "
                      f"{options.hits_per_scan}: need seed >= 0, cadences >= 1, hits per scan >= 10")
    return errors


def smoke_settings(production: DetectorSettings, options: SmokeOptions, work_dir: Path,
                   starting_offsets: str) -> DetectorSettings:
    """Return the production settings redirected to the smoke topics, keyspace and files.

    Raises ValueError when a smoke name equals a production one.
    """
    errors = isolation_errors(production, options)
    if errors:
        raise ValueError("; ".join(errors))
    return dataclasses.replace(
        production,
        deployment_line="smoke",
        hits_topic=options.hits_topic,
        anomalies_topic=options.anomalies_topic,
        starting_offsets=starting_offsets,
        keyspace=options.keyspace,
        spark_master="local[2]",
        checkpoint_root=str(work_dir / "checkpoints"),
        stop_marker=str(work_dir / "stop-requested"),
        status_file=str(work_dir / "status.json"),
        # Every smoke cadence is complete, so none may be closed as idle.
        cadence_timeout_s=max(production.cadence_timeout_s, options.timeout_s * 2),
    )


def starting_offsets_json(topic: str, end_offsets: dict[int, int]) -> str:
    """Return Spark's startingOffsets JSON that starts each partition at the given offset."""
    if not end_offsets:
        raise ValueError(f"topic {topic!r} has no partitions")
    return json.dumps({topic: {str(partition): int(offset)
                               for partition, offset in sorted(end_offsets.items())}})


def expected_events(cadences, settings: DetectorSettings) -> dict[str, tuple]:
    """Return event id -> (cadence id, seed hit id, member hit ids) of the batch finder at level 3."""
    params = dataclasses.replace(event_params(settings), filter_threshold=LEVEL3)
    result = find_events(cadences, params)
    events = {}
    for cadence in result.cadences:
        for event in cadence.confirmed():
            events[event.event_id] = (cadence.cadence_id, event.seed_hit_id,
                                      tuple(member.hit_id for member in event.members))
    return events


def stream_events(rows) -> dict[str, tuple]:
    """Return event id -> (cadence id, seed hit id, member hit ids) of confirmed anomaly rows."""
    return {row["event_id"]: (row["cadence_id"], row["seed_hit_id"], tuple(row["member_hit_ids"]))
            for row in rows if row["level"] == LEVEL3 and row["status"] == CONFIRMED}


def compare(expected: dict[str, tuple], found: dict[str, tuple]) -> list[str]:
    """Return one line per difference between the batch and the stream events."""
    differences = []
    for event_id in sorted(expected.keys() - found.keys()):
        cadence_id, seed, _ = expected[event_id]
        differences.append(f"event {event_id} (cadence {cadence_id}, seed {seed}) found by "
                           "`events` is missing from the smoke anomalies")
    for event_id in sorted(found.keys() - expected.keys()):
        cadence_id, seed, _ = found[event_id]
        differences.append(f"event {event_id} (cadence {cadence_id}, seed {seed}) is in the "
                           "smoke anomalies but not in the `events` output")
    for event_id in sorted(expected.keys() & found.keys()):
        if expected[event_id] != found[event_id]:
            differences.append(f"event {event_id}: `events` gives {expected[event_id]}, "
                               f"the stream gives {found[event_id]}")
    if not expected:
        differences.append("the seeded night has no level-3 event, so it checks nothing; "
                           "use more hits per scan or another seed")
    return differences


def _prepare_keyspace(settings: DetectorSettings) -> None:
    """Create the smoke keyspace if needed and empty its tables."""
    from seti_stream.detector.store import connect
    from seti_stream.schema import TABLES, apply_schema

    cluster, session = connect(settings.cassandra_hosts, settings.cassandra_port,
                               username=settings.cassandra_username,
                               password=settings.cassandra_password)
    try:
        nodes = len(cluster.metadata.all_hosts())
        replication = {"class": "SimpleStrategy", "replication_factor": min(nodes, 3)}
        apply_schema(session, settings.keyspace, replication)
        for table in TABLES:
            session.execute(f"TRUNCATE {settings.keyspace}.{table}", timeout=120)
    finally:
        cluster.shutdown()


def _prepare_topics(settings: DetectorSettings) -> dict[int, int]:
    """Create the smoke topics if needed; return the hits topic's end offsets."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    servers = settings.kafka_bootstrap_servers.split(",")
    admin = KafkaAdminClient(bootstrap_servers=servers, client_id="seti-stream-smoke")
    try:
        brokers = len(admin.describe_cluster()["brokers"])
        existing = set(admin.list_topics())
        for topic in (settings.hits_topic, settings.anomalies_topic):
            if topic in existing:
                continue
            try:
                admin.create_topics([NewTopic(topic, num_partitions=1,
                                              replication_factor=min(brokers, 3))])
                log.info("created smoke topic %s", topic)
            except TopicAlreadyExistsError:
                pass
    finally:
        admin.close()

    consumer = KafkaConsumer(bootstrap_servers=servers, client_id="seti-stream-smoke")
    try:
        deadline = time.monotonic() + 60
        partitions = consumer.partitions_for_topic(settings.hits_topic)
        while not partitions and time.monotonic() < deadline:
            time.sleep(1)
            partitions = consumer.partitions_for_topic(settings.hits_topic)
        if not partitions:
            raise RuntimeError(f"smoke topic {settings.hits_topic} has no partitions after 60 s")
        ends = consumer.end_offsets([TopicPartition(settings.hits_topic, p) for p in partitions])
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        consumer.close()


def _send_night(settings: DetectorSettings, options: SmokeOptions):
    from seti_stream.producer import HitSender, produce_synthetic

    sender = HitSender(settings.kafka_bootstrap_servers, settings.hits_topic)
    try:
        return produce_synthetic(sender, options.seed, options.cadences, options.hits_per_scan)
    finally:
        sender.close()


def _run_query(settings: DetectorSettings, timeout_s: float, cadence_ids) -> list[dict]:
    """Run the version's query until it has read every record; return the cadences' anomalies."""
    from seti_stream.detector.job import build_spark, open_processor, start_query

    cluster, processor = open_processor(settings)
    spark = build_spark(settings)
    try:
        query = start_query(spark, settings, processor, {"availableNow": True})
        if not query.awaitTermination(timeout_s):
            query.stop()
            raise RuntimeError(f"the smoke query did not read every record within {timeout_s:.0f} s")
        error = query.exception()
        if error is not None:
            raise RuntimeError(f"the smoke query failed: {error}")
        rows = []
        for cadence_id in sorted(cadence_ids):
            rows.extend(processor.store.anomalies(cadence_id))
        return rows
    finally:
        processor.publisher.close()
        cluster.shutdown()
        spark.stop()


def run_smoke(production: DetectorSettings, options: SmokeOptions) -> SmokeResult:
    """Send the seeded night through the version's stream and compare with its batch events."""
    errors = isolation_errors(production, options)
    if errors:
        raise ValueError("; ".join(errors))
    with tempfile.TemporaryDirectory(prefix="seti-smoke-", dir=options.work_dir) as work_dir:
        probe = smoke_settings(production, options, Path(work_dir), "latest")
        log.info("smoke check of pipeline_version %s: seed %d, %d cadence(s) of %d hits per scan, "
                 "topic %s, keyspace %s", probe.pipeline_version, options.seed, options.cadences,
                 options.hits_per_scan, probe.hits_topic, probe.keyspace)
        _prepare_keyspace(probe)
        ends = _prepare_topics(probe)
        settings = smoke_settings(production, options, Path(work_dir),
                                  starting_offsets_json(probe.hits_topic, ends))
        night = _send_night(settings, options)
        started = time.monotonic()
        rows = _run_query(settings, options.timeout_s, [cadence.cadence_id for cadence in night])
        log.info("smoke query read the night in %.1f s", time.monotonic() - started)

    expected = expected_events(night, settings)
    found = stream_events(rows)
    return SmokeResult(expected, found, compare(expected, found))
