"""One micro-batch through the detector's stages.

Reads the records Spark's Kafka source delivered for one batch and writes, in
this order: hits and rejected_hits, the scan headers and scan ends, the scan
counts and cadence rows recomputed from what Cassandra then holds, and for
each cadence that gained a complete scan the anomaly rows (published to Kafka
first). Every write is an upsert keyed by the record, so when Spark replays
the batch after a crash (its checkpoint commits only fully processed batches)
the tables end the same.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from seti_stream.detector import accounting, evaluate
from seti_stream.detector.ingest import KafkaRecord, ingest
from seti_stream.detector.settings import DetectorSettings

log = logging.getLogger(__name__)


@dataclass
class BatchSummary:
    batch_id: int
    records: int
    hits: int
    scan_ends: int
    rejected: int
    cadences: int
    anomalies_published: int
    seconds: float


class BatchProcessor:
    """Runs micro-batches and the idle-cadence timeout against one store.

    `lock` serialises batches, the timeout timer and a graceful stop, so the
    three never write the same cadence at once.
    """

    def __init__(self, store, publisher, settings: DetectorSettings, clock=None):
        self.store = store
        self.publisher = publisher
        self.settings = settings
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.lock = threading.RLock()
        #: cadence id -> monotonic time of its last record, for open cadences.
        self.open_cadences: dict[str, float] = {}
        #: False until the first micro-batch after the start finished. The idle
        #: timeout waits for it, because a restart replays its records only then.
        self.caught_up = False

    def load_open_cadences(self) -> None:
        """Track the open cadences left by a previous run (idle from the first batch on)."""
        now = time.monotonic()
        for row in self.store.open_cadences():
            self.open_cadences[row["cadence_id"]] = now
        if self.open_cadences:
            log.info("%d open cadence(s) found at start: %s", len(self.open_cadences),
                     ", ".join(sorted(self.open_cadences)))

    def process(self, batch_id: int, batch: list[KafkaRecord]) -> BatchSummary:
        with self.lock:
            summary = self._process(batch_id, batch)
            if not self.caught_up:
                # Idle time counts from here for cadences left open by a previous run.
                now = time.monotonic()
                self.open_cadences = {cadence_id: now for cadence_id in self.open_cadences}
                self.caught_up = True
            return summary

    def _process(self, batch_id: int, batch: list[KafkaRecord]) -> BatchSummary:
        started = time.monotonic()
        now = self.clock()
        result = ingest(batch, now, self.settings.max_record_bytes)

        self.store.write_rejected(result.rejected)
        self.store.write_hits(result.hits)
        self.store.write_scan_headers(list(result.scan_headers.values()))
        self.store.write_scan_ends(result.scan_ends)

        ended_cadences = {row["cadence_id"] for row in result.scan_ends}
        touched_scans = {key[2] for key in result.scan_headers}
        published = 0
        for cadence_id in sorted(result.cadence_ids()):
            published += self._update_cadence(batch_id, cadence_id, touched_scans,
                                              evaluate_events=cadence_id in ended_cadences,
                                              now=now)

        summary = BatchSummary(batch_id, len(batch), len(result.hits), len(result.scan_ends),
                               len(result.rejected), len(result.cadence_ids()), published,
                               time.monotonic() - started)
        if batch:
            log.info("batch %d: %d records, %d hits, %d scan ends, %d rejected, %d cadence(s), "
                     "%d anomaly record(s) published, %.2f s", *vars(summary).values())
        return summary

    def _update_cadence(self, batch_id: int, cadence_id: str, touched_scans: set[str],
                        evaluate_events: bool, now: datetime, close: bool = False) -> int:
        scan_rows = self.store.cadence_scans(cadence_id)
        hits_by_scan = {}
        counts = []
        for row in scan_rows:
            if row["scan_id"] in touched_scans or (evaluate_events and row.get("scan_end_seen")):
                hits_by_scan[row["scan_id"]] = self.store.scan_hits(row["scan_id"])
            if row["scan_id"] in touched_scans:
                counts.append(accounting.scan_counts(row, hits_by_scan[row["scan_id"]], now))
        self.store.write_scan_counts(counts)

        previous = self.store.cadence(cadence_id)
        if close:
            previous = {**(previous or {}), "status": accounting.INCOMPLETE, "closed_at": now}
        cadence = accounting.cadence_row(cadence_id, scan_rows, previous, now)
        closed = cadence["status"] != accounting.OPEN
        if closed:
            self.open_cadences.pop(cadence_id, None)
        else:
            self.open_cadences[cadence_id] = time.monotonic()

        published = 0
        if evaluate_events or close:
            published = self._evaluate(batch_id, cadence_id, scan_rows, hits_by_scan,
                                       cadence["number_in_cadence"], closed, now)
        self.store.write_cadences([cadence])
        if close or cadence["status"] != (previous or {}).get("status"):
            log.info("batch %s: cadence %s %s (%d of %d scans ended)", batch_id, cadence_id,
                     cadence["status"], cadence["scans_ended"], cadence["number_in_cadence"])
        return published

    def _evaluate(self, batch_id, cadence_id, scan_rows, hits_by_scan, number_in_cadence,
                  closed, now) -> int:
        for row in scan_rows:
            if row.get("scan_end_seen") and row["scan_id"] not in hits_by_scan:
                hits_by_scan[row["scan_id"]] = self.store.scan_hits(row["scan_id"])

        scans = evaluate.build_scans(scan_rows, hits_by_scan)
        rows = evaluate.anomaly_rows(cadence_id, scans, number_in_cadence, closed, self.settings)
        rows, to_publish = evaluate.changed_anomalies(rows, self.store.anomalies(cadence_id), now)

        self.publisher.publish(to_publish)
        self.store.write_anomalies(rows)
        for row in to_publish:
            log.info("batch %s: cadence %s event %s level %d %s", batch_id, cadence_id,
                     row["event_id"], row["level"], row["status"])
        return len(to_publish)

    def close_idle_cadences(self) -> list[str]:
        """Close as incomplete every open cadence idle longer than the timeout."""
        with self.lock:
            if not self.caught_up:
                return []
            limit = time.monotonic() - self.settings.cadence_timeout_s
            idle = sorted(c for c, last in self.open_cadences.items() if last <= limit)
            for cadence_id in idle:
                log.info("cadence %s idle for %.0f s: closing it as incomplete", cadence_id,
                         self.settings.cadence_timeout_s)
                self._update_cadence("timeout", cadence_id, set(), evaluate_events=False,
                                     now=self.clock(), close=True)
                self.open_cadences.pop(cadence_id, None)
            return idle
