"""Benchmark of the streaming detector on the converged lab stack.

Measures, with seeded synthetic cadences:
- sustained throughput: hits/s from the first record sent until the last
  cadence of a night is complete in Cassandra, the producer sending at full speed;
- latency from a cadence's last scan_end (acknowledged by Kafka) to its level-3
  anomaly row (its updated_at), median and p95, at half the sustained rate;
- ceilings: one kafka-python consumer reading the topic, and cassandra-driver
  writing the same hit rows alone (prepared statements, execute_concurrent).

Run after site.yml on the lab (make lab-up; ansible-playbook playbooks/site.yml):
    .venv/bin/python bench/detector_bench.py --cadences 6 --hits-per-scan 500
Prints one JSON object; bench/RESULTS.md records the runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "job" / "src"))

from seti_stream.producer import scan_records  # noqa: E402
from seti_stream.synthetic import generate_night  # noqa: E402
from tests.integration.stack import lab_addresses  # noqa: E402


def pipeline_version(session) -> str:
    rows = session.execute("SELECT pipeline_version FROM seti.cadences LIMIT 1")
    row = rows.one()
    return row.pipeline_version if row else ""


def night_records(seed: int, cadences: int, hits_per_scan: int):
    night = generate_night(seed, cadences, hits_per_scan)
    per_cadence = []
    for cadence in night:
        per_cadence.append((cadence.cadence_id, [
            record for scan in cadence.scans
            for record in scan_records(scan, cadence.cadence_id, cadence.number_in_cadence)]))
    return per_cadence


def wait_complete(session, cadence_ids, timeout_s: float) -> dict[str, float]:
    """Poll until every cadence is complete; return the time each was first seen complete."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout_s
    while len(seen) < len(cadence_ids) and time.monotonic() < deadline:
        for cadence_id in cadence_ids:
            if cadence_id in seen:
                continue
            rows = list(session.execute("SELECT status FROM seti.cadences WHERE cadence_id = %s ALLOW FILTERING",
                                        (cadence_id,)))
            if rows and all(row.status == "complete" for row in rows):
                seen[cadence_id] = time.time()
        time.sleep(0.5)
    if len(seen) < len(cadence_ids):
        raise SystemExit(f"timed out: {len(seen)} of {len(cadence_ids)} cadences complete")
    return seen


def throughput(producer, session, seed, cadences, hits_per_scan, timeout_s) -> dict:
    night = night_records(seed, cadences, hits_per_scan)
    hits = sum(1 for _, records in night for r in records if r.kind == "hit")
    started = time.time()
    for _, records in night:
        for record in records:
            producer.send("seti.hits", key=record.key, value=record.value)
    producer.flush()
    sent = time.time()
    seen = wait_complete(session, [cadence_id for cadence_id, _ in night], timeout_s)
    finished = max(seen.values())
    return {"hits": hits, "records": sum(len(r) for _, r in night), "send_s": round(sent - started, 2),
            "detector_s": round(finished - started, 2), "hits_per_s": round(hits / (finished - started), 1)}


def latency(producer, session, seed, cadences, hits_per_scan, rate, timeout_s) -> dict:
    night = night_records(seed, cadences, hits_per_scan)
    last_end: dict[str, float] = {}
    interval = 1.0 / rate
    next_due = time.monotonic()
    for cadence_id, records in night:
        for record in records:
            if record.kind == "hit":
                next_due += interval
                delay = next_due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            future = producer.send("seti.hits", key=record.key, value=record.value)
        future.get(timeout=60)
        last_end[cadence_id] = time.time()
    wait_complete(session, list(last_end), timeout_s)

    latencies = []
    for cadence_id, acked in last_end.items():
        rows = [row for row in session.execute(
            "SELECT level, updated_at FROM seti.anomalies WHERE cadence_id = %s ALLOW FILTERING", (cadence_id,))
            if row.level == 3]
        if rows:
            written = min(row.updated_at for row in rows).replace(tzinfo=timezone.utc).timestamp()
            latencies.append(written - acked)
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))] if latencies else None
    return {"rate_hits_per_s": rate, "cadences": len(last_end), "with_level3": len(latencies),
            "median_s": round(statistics.median(latencies), 2) if latencies else None,
            "p95_s": round(p95, 2) if p95 is not None else None}


def consumer_ceiling(bootstrap: str, limit: int) -> dict:
    from kafka import KafkaConsumer, TopicPartition

    # Assigned partitions, no consumer group: no rebalance delay before the first record.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             consumer_timeout_ms=15000, max_poll_records=5000)
    partitions = [TopicPartition("seti.hits", p) for p in consumer.partitions_for_topic("seti.hits")]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    count = 0
    started = time.monotonic()
    last = None
    for _ in consumer:
        last = time.monotonic()
        count += 1
        if count >= limit:
            break
    # From the first fetch to the last record, so the idle wait that ends the loop is not counted.
    elapsed = last - started if last else 0.0
    consumer.close()
    return {"records": count, "seconds": round(elapsed, 2),
            "records_per_s": round(count / elapsed, 1) if elapsed else None}


def cassandra_ceiling(hosts: list[str], seed: int, hits_per_scan: int) -> dict:
    """Write one night's hit rows with the detector's own statements into a scratch keyspace."""
    from seti_stream.detector.ingest import KafkaRecord, ingest
    from seti_stream.detector.store import Store, connect
    from seti_stream.schema import apply_schema

    keyspace = "seti_bench"
    cluster, session = connect(hosts, 9042)
    apply_schema(session, keyspace, {"class": "SimpleStrategy", "replication_factor": 1})
    night = night_records(seed, 2, hits_per_scan)
    batch = [KafkaRecord("seti.hits", 0, n, r.key, r.value)
             for n, r in enumerate(r for _, records in night for r in records)]
    rows = ingest(batch, datetime.now(timezone.utc)).hits
    store = Store(session, keyspace, f"bench-{uuid.uuid4().hex[:8]}", "ONE", 64)
    started = time.monotonic()
    store.write_hits(rows)
    elapsed = time.monotonic() - started
    session.execute(f"DROP KEYSPACE {keyspace}", timeout=120)
    cluster.shutdown()
    return {"rows": len(rows), "seconds": round(elapsed, 2), "rows_per_s": round(len(rows) / elapsed, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cadences", type=int, default=6, help="cadences of the throughput night")
    parser.add_argument("--hits-per-scan", type=int, default=500)
    parser.add_argument("--latency-cadences", type=int, default=6)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000,
                        help="seed of the nights (default: from the clock, so cadence ids are new)")
    parser.add_argument("--timeout-s", type=float, default=1800)
    parser.add_argument("--ceilings-only", action="store_true",
                        help="measure only the Kafka consumer and cassandra-driver ceilings")
    args = parser.parse_args()

    from cassandra.cluster import Cluster
    from kafka import KafkaProducer

    addresses = lab_addresses()
    bootstrap = f"{addresses['kafka-1']}:9092"
    cluster = Cluster([addresses["cassandra-1"]], connect_timeout=30)
    session = cluster.connect()
    session.default_timeout = 60
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=256 * 1024)

    result = {"machine": "2 cores, 24 GiB, shared; lab hosts on one machine",
              "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    records = args.cadences * 6 * (args.hits_per_scan + 1)
    if not args.ceilings_only:
        result["throughput"] = throughput(producer, session, args.seed, args.cadences,
                                          args.hits_per_scan, args.timeout_s)
        records = result["throughput"]["records"]
        half = result["throughput"]["hits_per_s"] / 2
        result["latency"] = latency(producer, session, args.seed + 1, args.latency_cadences,
                                    args.hits_per_scan, half, args.timeout_s)
    result["ceiling_consumer"] = consumer_ceiling(bootstrap, records)
    result["ceiling_cassandra"] = cassandra_ceiling([addresses["cassandra-1"]], args.seed + 2,
                                                    args.hits_per_scan)
    producer.close()
    cluster.shutdown()
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
