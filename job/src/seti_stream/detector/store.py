"""Cassandra reads and writes of the detector (keyspace of `seti_stream.schema`).

Writes use prepared statements run concurrently with
`execute_concurrent_with_args`; every write is keyed so that processing the
same Kafka record again is an upsert. Reads return plain dicts.
"""

from __future__ import annotations

import logging
from datetime import datetime

from cassandra import ConsistencyLevel
from cassandra.cluster import Cluster, Session
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.policies import DCAwareRoundRobinPolicy
from cassandra.query import dict_factory

log = logging.getLogger(__name__)

HIT_COLUMNS = (
    "cadence_id", "scan_index", "is_on_source", "source", "top_hit_number",
    "drift_rate_hz_per_s", "snr", "uncorrected_frequency_mhz", "corrected_frequency_mhz",
    "channel_index", "freq_start_mhz", "freq_end_mhz", "sefd_jy", "sefd_freq_mhz",
    "coarse_channel_number", "full_number_of_hits", "frequency_hz", "bandwidth_hz",
    "scan_start", "record", "ingested_at",
)
SCAN_HEADER_COLUMNS = (
    "number_in_cadence", "is_on_source", "file_id", "source", "mjd", "scan_start", "ra",
    "dec", "tsamp_s", "foff_hz", "max_drift_rate_hz_per_s", "obs_length_s", "updated_at",
)
SCAN_END_COLUMNS = ("scan_end_seen", "scan_end_record", "hits_expected")
SCAN_COUNT_COLUMNS = ("hits_received", "duplicates", "complete", "updated_at")
CADENCE_COLUMNS = (
    "source", "number_in_cadence", "status", "scan_ids", "scans_ended",
    "first_scan_start", "last_activity_at", "closed_at",
)
ANOMALY_COLUMNS = (
    "source", "seed_hit_id", "seed_scan_id", "level", "status", "member_hit_ids",
    "member_scan_ids", "frequency_mhz", "drift_rate_hz_per_s", "max_snr", "reobserve_by",
    "first_seen_at", "updated_at",
)
REJECTED_COLUMNS = ("kafka_key", "payload", "payload_bytes", "reason", "rejected_at")


def connect(hosts, port: int, keyspace: str | None = None, connect_timeout: float = 30.0,
            username: str | None = None, password: str | None = None) -> tuple[Cluster, Session]:
    """Open a session to the Cassandra cluster (rows as dicts)."""
    auth = None
    if username:
        from cassandra.auth import PlainTextAuthProvider

        auth = PlainTextAuthProvider(username=username, password=password or "")
    cluster = Cluster(
        auth_provider=auth,
        contact_points=list(hosts),
        port=port,
        load_balancing_policy=DCAwareRoundRobinPolicy(),
        protocol_version=5,
        connect_timeout=connect_timeout,
    )
    session = cluster.connect(keyspace)
    session.row_factory = dict_factory
    session.default_timeout = 30
    return cluster, session


def _update(keyspace: str, table: str, columns, keys, extra: str = "") -> str:
    assignments = [f"{column} = ?" for column in columns]
    if extra:
        assignments.append(extra)
    where = " AND ".join(f"{key} = ?" for key in keys)
    return f"UPDATE {keyspace}.{table} SET {', '.join(assignments)} WHERE {where}"


class Store:
    """Prepared statements of the detector's tables, bound to one pipeline version."""

    def __init__(self, session: Session, keyspace: str, pipeline_version: str,
                 consistency: str = "LOCAL_QUORUM", concurrency: int = 64):
        self.session = session
        self.keyspace = keyspace
        self.pipeline_version = pipeline_version
        self.concurrency = concurrency
        level = ConsistencyLevel.name_to_value[consistency.upper()]

        def prepare(cql: str):
            statement = session.prepare(cql)
            statement.consistency_level = level
            return statement

        ks = keyspace
        hit_keys = ("scan_id", "pipeline_version", "hit_id")
        scan_keys = ("cadence_id", "pipeline_version", "scan_index", "scan_id")
        self._upsert_hit = prepare(_update(ks, "hits", HIT_COLUMNS, hit_keys,
                                           "kafka_offsets = kafka_offsets + ?"))
        self._upsert_scan_header = prepare(_update(ks, "scans", SCAN_HEADER_COLUMNS, scan_keys))
        self._upsert_scan_end = prepare(_update(ks, "scans", SCAN_END_COLUMNS, scan_keys))
        self._upsert_scan_counts = prepare(_update(ks, "scans", SCAN_COUNT_COLUMNS, scan_keys))
        self._upsert_cadence = prepare(_update(ks, "cadences", CADENCE_COLUMNS,
                                               ("cadence_id", "pipeline_version")))
        self._upsert_anomaly = prepare(_update(ks, "anomalies", ANOMALY_COLUMNS,
                                               ("cadence_id", "pipeline_version", "event_id")))
        self._upsert_rejected = prepare(_update(
            ks, "rejected_hits", REJECTED_COLUMNS,
            ("kafka_topic", "kafka_partition", "kafka_offset", "pipeline_version")))
        self._select_scan_hits = prepare(
            f"SELECT hit_id, record, kafka_offsets FROM {ks}.hits "
            "WHERE scan_id = ? AND pipeline_version = ?")
        self._select_cadence_scans = prepare(
            f"SELECT * FROM {ks}.scans WHERE cadence_id = ? AND pipeline_version = ?")
        self._select_cadence = prepare(
            f"SELECT * FROM {ks}.cadences WHERE cadence_id = ? AND pipeline_version = ?")
        self._select_anomalies = prepare(
            f"SELECT * FROM {ks}.anomalies WHERE cadence_id = ? AND pipeline_version = ?")

    def _run(self, statement, parameters: list[tuple]) -> None:
        if not parameters:
            return
        execute_concurrent_with_args(self.session, statement, parameters,
                                     concurrency=self.concurrency, raise_on_first_error=True)

    # Writes: each row is a dict with the columns of its statement and its keys.

    def write_hits(self, rows: list[dict]) -> None:
        self._run(self._upsert_hit, [
            (*[row[c] for c in HIT_COLUMNS], {row["kafka_offset_key"]},
             row["scan_id"], self.pipeline_version, row["hit_id"])
            for row in rows])

    def write_scan_headers(self, rows: list[dict]) -> None:
        self._run(self._upsert_scan_header, [
            (*[row[c] for c in SCAN_HEADER_COLUMNS], *self._scan_key(row)) for row in rows])

    def write_scan_ends(self, rows: list[dict]) -> None:
        self._run(self._upsert_scan_end, [
            (*[row[c] for c in SCAN_END_COLUMNS], *self._scan_key(row)) for row in rows])

    def write_scan_counts(self, rows: list[dict]) -> None:
        self._run(self._upsert_scan_counts, [
            (*[row[c] for c in SCAN_COUNT_COLUMNS], *self._scan_key(row)) for row in rows])

    def write_cadences(self, rows: list[dict]) -> None:
        self._run(self._upsert_cadence, [
            (*[row[c] for c in CADENCE_COLUMNS], row["cadence_id"], self.pipeline_version)
            for row in rows])

    def write_anomalies(self, rows: list[dict]) -> None:
        self._run(self._upsert_anomaly, [
            (*[row[c] for c in ANOMALY_COLUMNS], row["cadence_id"], self.pipeline_version,
             row["event_id"])
            for row in rows])

    def write_rejected(self, rows: list[dict]) -> None:
        self._run(self._upsert_rejected, [
            (*[row[c] for c in REJECTED_COLUMNS], row["kafka_topic"], row["kafka_partition"],
             row["kafka_offset"], self.pipeline_version)
            for row in rows])

    def _scan_key(self, row: dict) -> tuple:
        return (row["cadence_id"], self.pipeline_version, row["scan_index"], row["scan_id"])

    # Reads.

    def scan_hits(self, scan_id: str) -> list[dict]:
        """Return the hits of one scan: hit_id, record (JSON text), kafka_offsets."""
        return list(self.session.execute(self._select_scan_hits, (scan_id, self.pipeline_version)))

    def cadence_scans(self, cadence_id: str) -> list[dict]:
        return list(self.session.execute(self._select_cadence_scans, (cadence_id, self.pipeline_version)))

    def cadence(self, cadence_id: str) -> dict | None:
        rows = list(self.session.execute(self._select_cadence, (cadence_id, self.pipeline_version)))
        return rows[0] if rows else None

    def anomalies(self, cadence_id: str) -> list[dict]:
        return list(self.session.execute(self._select_anomalies, (cadence_id, self.pipeline_version)))

    def open_cadences(self) -> list[dict]:
        """Return this version's open cadences (a full scan of the cadences table).

        NOTE: runs once at start; a keyspace with millions of cadences would want
        an index by status instead.
        """
        rows = self.session.execute(
            f"SELECT cadence_id, pipeline_version, status, last_activity_at FROM {self.keyspace}.cadences")
        return [row for row in rows
                if row["pipeline_version"] == self.pipeline_version and row["status"] == "open"]


def utc_from_cassandra(value: datetime | None) -> datetime | None:
    """Attach UTC to a naive timestamp read by the driver (it returns naive UTC)."""
    from datetime import timezone

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)
