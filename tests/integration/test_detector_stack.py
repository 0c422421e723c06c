"""The streaming detector on the converged lab stack (Kafka, Spark, Cassandra).

Every test sends its own cadences (distinct cadence ids), so the tests share
one stack and one detector and can run in any order.
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from tests.integration.stack import REPO_ROOT, wait_for

pytestmark = pytest.mark.lab

DATA = REPO_ROOT / "tests" / "data"
# The command of the checkout under test, whatever the venv's editable install points at.
SETI_STREAM = [sys.executable, "-m", "seti_stream.cli"]
SETI_STREAM_ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "job" / "src")}
CLOCK_COLUMNS = {"ingested_at", "updated_at", "last_activity_at", "closed_at", "first_seen_at",
                 "rejected_at", "pipeline_version"}
PROCESSING_TIMEOUT_S = 600


# --- helpers ---------------------------------------------------------------

def produce_list(stack, dat_list: Path) -> None:
    subprocess.run([*SETI_STREAM, "produce", "--bootstrap-servers", stack.bootstrap_servers,
                    "--dat-list", str(dat_list)], env=SETI_STREAM_ENV, check=True, timeout=300)


def batch_events(dat_list: Path, tmp_path: Path) -> dict[str, tuple]:
    """Run `seti-stream events --filter-threshold 3`: event id -> (cadence, seed, members)."""
    out = tmp_path / f"{dat_list.stem}-events.csv"
    subprocess.run([*SETI_STREAM, "events", "--dat-list", str(dat_list), "--filter-threshold", "3",
                    "--out", str(out)], env=SETI_STREAM_ENV, check=True, timeout=300)
    members = defaultdict(list)
    seeds = {}
    with open(out, newline="") as handle:
        for row in csv.DictReader(handle):
            members[row["event_id"]].append(row["hit_id"])
            seeds[row["event_id"]] = (row["cadence_id"], row["seed_hit_id"])
    return {event: (*seeds[event], tuple(hits)) for event, hits in members.items()}


def cadence_rows(session, cadence_id: str, version: str) -> dict:
    return session.execute("SELECT * FROM cadences WHERE cadence_id = %s AND pipeline_version = %s",
                           (cadence_id, version)).one()


def anomalies(session, cadence_id: str, version: str) -> list[dict]:
    return list(session.execute("SELECT * FROM anomalies WHERE cadence_id = %s AND pipeline_version = %s",
                                (cadence_id, version)))


def scans(session, cadence_id: str, version: str) -> list[dict]:
    return list(session.execute("SELECT * FROM scans WHERE cadence_id = %s AND pipeline_version = %s",
                                (cadence_id, version)))


def wait_complete(session, cadence_ids, version, status="complete", timeout_s=PROCESSING_TIMEOUT_S):
    def done():
        rows = [cadence_rows(session, cadence_id, version) for cadence_id in cadence_ids]
        return all(row is not None and row["status"] == status for row in rows)

    wait_for(done, timeout_s, what=f"cadences {sorted(cadence_ids)} {status}")


def confirmed_events(session, cadence_ids, version) -> dict[str, tuple]:
    found = {}
    for cadence_id in cadence_ids:
        for row in anomalies(session, cadence_id, version):
            if row["level"] == 3:
                found[row["event_id"]] = (row["cadence_id"], row["seed_hit_id"],
                                          tuple(row["member_hit_ids"]))
    return found


def anomaly_records(stack) -> list[dict]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer("seti.anomalies", bootstrap_servers=stack.bootstrap_servers,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=10000)
    try:
        return [json.loads(message.value) for message in consumer]
    finally:
        consumer.close()


def kafka_producer(stack):
    from kafka import KafkaProducer

    return KafkaProducer(bootstrap_servers=stack.bootstrap_servers, acks="all",
                         max_request_size=4 * 1024 * 1024)


def send(producer, key: bytes, value: bytes):
    """Send one record and return (partition, offset)."""
    metadata = producer.send("seti.hits", key=key, value=value).get(timeout=60)
    return metadata.partition, metadata.offset


def assert_detector_running(stack):
    assert stack.ssh("spark-1", "systemctl is-active seti-detector.service").strip() == "active"
    status = stack.detector_status()
    assert status["query_active"] is True
    assert status["pipeline_version"] == stack.pipeline_version()


# --- tests -----------------------------------------------------------------

def test_replay_equals_batch_events(stack, cassandra_session, tmp_path):
    from seti_stream.synthetic import generate_night

    version = stack.pipeline_version()
    night_dir = tmp_path / "night"
    night = generate_night(seed=7, cadences=2, hits_per_scan=60)
    lists = [DATA / "voyager2020_reconstructed" / "dat_files.lst",
             DATA / "synthetic_cadence" / "dat_files.lst"]
    for number, cadence in enumerate(night):
        lists.append(cadence.write(night_dir / str(number)))

    expected = {}
    for dat_list in lists:
        expected.update(batch_events(dat_list, tmp_path))
        produce_list(stack, dat_list)
    cadence_ids = {event[0] for event in expected.values()}
    assert len(cadence_ids) == len(lists)

    wait_complete(cassandra_session, cadence_ids, version)
    found = confirmed_events(cassandra_session, cadence_ids, version)
    assert found == expected

    published = {(record["event_id"], record["level"], record["status"])
                 for record in anomaly_records(stack) if record["pipeline_version"] == version}
    for event_id in expected:
        assert (event_id, 3, "confirmed") in published, event_id


def test_level2_row_before_rest_of_cadence(stack, cassandra_session):
    from seti_stream.producer import scan_records
    from seti_stream.synthetic import generate_cadence

    version = stack.pipeline_version()
    cadence = generate_cadence(seed=21, hits_per_scan=40)
    producer = kafka_producer(stack)

    def send_scans(indexes):
        for scan in cadence.scans:
            if scan.scan_index in indexes:
                for record in scan_records(scan, cadence.cadence_id, cadence.number_in_cadence):
                    send(producer, record.key, record.value)

    send_scans({0, 1})
    rows = wait_for(lambda: anomalies(cassandra_session, cadence.cadence_id, version), 300,
                    what="level-2 anomaly rows")
    assert {row["status"] for row in rows} == {"candidate"}
    assert {row["level"] for row in rows} == {2}
    assert all(row["reobserve_by"] is not None for row in rows)
    assert cadence_rows(cassandra_session, cadence.cadence_id, version)["status"] == "open"

    send_scans({2, 3, 4, 5})
    producer.close()
    wait_complete(cassandra_session, {cadence.cadence_id}, version)
    statuses = {row["status"] for row in anomalies(cassandra_session, cadence.cadence_id, version)}
    assert "confirmed" in statuses
    assert "candidate" not in statuses


def test_bad_input_accounted_for(stack, cassandra_session, tmp_path):
    from seti_stream.datfile import read_dat
    from seti_stream.producer import scan_records
    from seti_stream.synthetic import generate_cadence

    version = stack.pipeline_version()

    # Edge-case .dat files, each as its own one-scan list.
    edge_scans = {}
    unparsed_rows = []
    for path in sorted((DATA / "edge_cases").glob("*.dat")):
        dat = read_dat(path)
        edge_scans[dat.scan_id] = len(dat.hits)
        unparsed_rows += [rejection.text for rejection in dat.report.rejected]
        dat_list = tmp_path / f"{path.stem}.lst"
        dat_list.write_text(f"{path}\n")
        produce_list(stack, dat_list)

    # Hand-made malformed records next to a valid cadence with duplicate hits.
    cadence = generate_cadence(seed=41, hits_per_scan=20)
    producer = kafka_producer(stack)
    outgoing = [r for s in cadence.scans for r in scan_records(s, cadence.cadence_id, 6)]
    good = json.loads(outgoing[0].value)
    malformed = [
        b"{this is not json",
        json.dumps({k: v for k, v in good.items() if k != "snr"}).encode(),
        json.dumps({**good, "channel_index": "twelve"}).encode(),
        json.dumps({**good, "drift_rate_hz_per_s": math.nan}).encode(),
        json.dumps({**good, "padding": "x" * 200_000}).encode(),
        b"",
    ]
    rejected_positions = [send(producer, b"malformed", value) for value in malformed]
    for record in outgoing:
        send(producer, record.key, record.value)
    duplicates = [r for r in outgoing if r.kind == "hit" and r.scan_id == cadence.scans[0].scan_id][:5]
    for record in duplicates:
        send(producer, record.key, record.value)
    producer.close()

    wait_complete(cassandra_session, {cadence.cadence_id}, version)

    # Every malformed record is in rejected_hits at its Kafka position.
    for partition, offset in rejected_positions:
        row = wait_for(lambda: cassandra_session.execute(
            "SELECT * FROM rejected_hits WHERE kafka_topic = 'seti.hits' AND kafka_partition = %s "
            "AND kafka_offset = %s AND pipeline_version = %s", (partition, offset, version)).one(),
            120, what=f"rejected record at {partition}/{offset}")
        assert row["reason"]

    # Every unparseable .dat row is in rejected_hits with its text.
    payloads = {bytes(row["payload"]) for row in cassandra_session.execute(
        "SELECT payload, pipeline_version FROM rejected_hits") if row["pipeline_version"] == version}
    for text in unparsed_rows:
        assert text.encode() in payloads, text

    # Every valid hit is in hits, once; the duplicates are counted in scans.
    for scan_id, count in edge_scans.items():
        stored = wait_for(lambda: list(cassandra_session.execute(
            "SELECT hit_id FROM hits WHERE scan_id = %s AND pipeline_version = %s", (scan_id, version))),
            120, what=f"hits of {scan_id}") if count else []
        assert len(stored) == count, scan_id
    scan_rows = {row["scan_index"]: row for row in scans(cassandra_session, cadence.cadence_id, version)}
    for scan in cadence.scans:
        row = scan_rows[scan.scan_index]
        assert row["complete"] is True, scan.scan_id
        assert row["hits_received"] == len(scan.hits) == row["hits_expected"]
    assert scan_rows[0]["duplicates"] == len(duplicates)
    assert sum(row["duplicates"] for row in scan_rows.values()) == len(duplicates)

    def edge_scans_complete():
        rows = [row for row in cassandra_session.execute("SELECT scan_id, complete, pipeline_version FROM scans")
                if row["scan_id"] in edge_scans and row["pipeline_version"] == version]
        return len(rows) == len(edge_scans) and all(row["complete"] for row in rows)

    wait_for(edge_scans_complete, 120, what="edge-case scans complete")
    assert_detector_running(stack)


def table_rows(session, cadence_ids, version) -> dict:
    """Every row of the night's cadences in every table, without clock-set columns."""
    def strip(row):
        return {key: (sorted(value) if isinstance(value, (set, frozenset)) else value)
                for key, value in row.items() if key not in CLOCK_COLUMNS}

    result = {"cadences": [], "scans": [], "anomalies": [], "hits": []}
    for cadence_id in sorted(cadence_ids):
        result["cadences"].append(strip(cadence_rows(session, cadence_id, version)))
        scan_rows = sorted(scans(session, cadence_id, version), key=lambda r: r["scan_index"])
        result["scans"] += [strip(row) for row in scan_rows]
        result["anomalies"] += sorted((strip(row) for row in anomalies(session, cadence_id, version)),
                                      key=lambda r: r["event_id"])
        for scan in scan_rows:
            hits = session.execute("SELECT * FROM hits WHERE scan_id = %s AND pipeline_version = %s",
                                   (scan["scan_id"], version))
            result["hits"] += sorted((strip(row) for row in hits), key=lambda r: r["hit_id"])
    return result


def run_reference_detector(stack, tmp_path, version: str, cadence_ids, session) -> None:
    """Run an undisturbed detector (Spark local mode, on this machine) over the same topic."""
    jars = sorted((REPO_ROOT / ".cache" / "artifacts" / "spark-sql-kafka" / "4.1.1").glob("*.jar"))
    config = tmp_path / "reference.toml"
    config.write_text(
        f'pipeline_version = "{version}"\ndeployment_line = "reference"\n'
        f'kafka_bootstrap_servers = "{stack.bootstrap_servers}"\n'
        f'cassandra_hosts = ["{stack.cassandra}"]\nkeyspace = "seti"\nconsistency = "ONE"\n'
        f'spark_master = "local[1]"\ncheckpoint_root = "{tmp_path}/checkpoints"\n'
        f'stop_marker = "{tmp_path}/stop-requested"\nstatus_file = "{tmp_path}/status.json"\n'
        'cadence_timeout_s = 3600\n'
        f'[spark_conf]\n"spark.jars" = "{",".join(str(jar) for jar in jars)}"\n'
        '"spark.driver.memory" = "768m"\n"spark.ui.enabled" = "false"\n')
    log = open(tmp_path / "reference.log", "w")
    process = subprocess.Popen([*SETI_STREAM, "detect", "--config", str(config)], stdout=log,
                               stderr=subprocess.STDOUT, env=SETI_STREAM_ENV)
    try:
        wait_complete(session, cadence_ids, version, timeout_s=900)
        (tmp_path / "stop-requested").touch()
        process.wait(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def test_killed_driver_restarts_and_tables_match(stack, cassandra_session, tmp_path):
    from seti_stream.producer import scan_records
    from seti_stream.synthetic import generate_night

    version = stack.pipeline_version()
    # A seed of its own per run: the undisturbed run reads the whole topic, and a
    # night sent twice would carry duplicates the killed run never saw.
    night = generate_night(seed=50_000 + int(time.time()) % 50_000, cadences=3, hits_per_scan=200)
    cadence_ids = {cadence.cadence_id for cadence in night}
    outgoing = [record for cadence in night for scan in cadence.scans
                for record in scan_records(scan, cadence.cadence_id, cadence.number_in_cadence)]
    restarts_before = stack.detector_restarts()

    producer = kafka_producer(stack)
    killed = False
    for number, record in enumerate(outgoing):
        producer.send("seti.hits", key=record.key, value=record.value)
        if number == len(outgoing) // 3:
            producer.flush()
            first = night[0].cadence_id
            wait_for(lambda: cadence_rows(cassandra_session, first, version), 300,
                     what="the first cadence's row")
            stack.ssh("spark-1", f"kill -9 {stack.detector_main_pid()}")
            killed = True
    producer.flush()
    producer.close()
    assert killed

    wait_for(lambda: stack.detector_restarts() > restarts_before, 120, what="systemd restart")
    wait_complete(cassandra_session, cadence_ids, version)
    assert_detector_running(stack)

    reference = f"undisturbed-{int(time.time())}"
    run_reference_detector(stack, tmp_path, reference, cadence_ids, cassandra_session)

    after_kill = table_rows(cassandra_session, cadence_ids, version)
    undisturbed = table_rows(cassandra_session, cadence_ids, reference)
    for table in after_kill:
        assert after_kill[table] == undisturbed[table], table
    assert len(after_kill["hits"]) == sum(len(s.hits) for c in night for s in c.scans)
    assert any(row["level"] == 3 for row in after_kill["anomalies"])
