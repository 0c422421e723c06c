"""Event rules over a cadence's complete scans, and the anomaly rows that changed.

Rebuilds the library's scans from the records kept in Cassandra (the
scan_end record for the header, the hit records for the hits) and calls the
library's pure `evaluate_cadence`, the same function `seti-stream events`
uses. Evaluating from everything stored, not from the micro-batch alone, makes
the result independent of how records were split into batches and of replays.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from seti_stream import events, records
from seti_stream.model import Scan
from seti_stream.reobserve import mjd_to_datetime, reobserve_by
from seti_stream.detector.settings import DetectorSettings

log = logging.getLogger(__name__)


def event_params(settings: DetectorSettings) -> events.EventParams:
    e = settings.events
    return events.EventParams(
        filter_threshold=e.filter_threshold, snr_cut=e.snr_cut,
        min_drift_rate=e.min_drift_rate, max_drift_rate=e.max_drift_rate,
        check_zero_drift=e.check_zero_drift)


def build_scans(scan_rows: list[dict], hits_by_scan: dict[str, list[dict]]) -> dict[int, Scan]:
    """Rebuild the library's scans of one cadence from stored rows.

    Only scans whose scan_end arrived are included: a scan counts for the event
    rules once it is complete.
    """
    scans: dict[int, Scan] = {}
    for row in scan_rows:
        if not row.get("scan_end_seen"):
            continue
        end = records.parse_record(row["scan_end_record"].encode("utf-8"))
        hits = []
        parsed = [records.parse_record(hit_row["record"].encode("utf-8")).hit
                  for hit_row in hits_by_scan.get(row["scan_id"], [])]
        # File order (Top_Hit_#), as `seti-stream events` reads the .dat file.
        parsed.sort(key=lambda hit: (hit.top_hit_number, hit.key()))
        hits.extend(parsed)
        scans[row["scan_index"]] = Scan(scan_id=row["scan_id"], header=end.header, hits=hits,
                                        scan_index=row["scan_index"],
                                        is_on_source=row["is_on_source"])
    return scans


def _reobserve(scans: dict[int, Scan], settings: DetectorSettings):
    """When the target sets: searched from the end of the latest complete scan."""
    latest = max(scans.values(), key=lambda scan: scan.header.mjd)
    after = mjd_to_datetime(latest.header.mjd) + timedelta(seconds=latest.header.obs_length_s)
    session_end = None
    if settings.session_end_utc:
        session_end = datetime.fromisoformat(settings.session_end_utc)
    try:
        return reobserve_by(latest.header.ra, latest.header.dec, after, settings.site, session_end)
    except ValueError as error:
        log.warning("reobserve_by not computed for source %s (ra %r, dec %r): %s",
                    latest.header.source, latest.header.ra, latest.header.dec, error)
        return session_end


def anomaly_rows(cadence_id: str, scans: dict[int, Scan], number_in_cadence: int,
                 closed: bool, settings: DetectorSettings) -> list[dict]:
    """Evaluate the cadence and return one anomaly row per event (no clock columns)."""
    if not scans:
        return []
    # Positions without a complete scan yet follow the first scan's ON/OFF flag.
    on_off_first = "ON" if scans.get(0) is None or scans[0].is_on_source else "OFF"
    result = events.evaluate_cadence(scans, number_in_cadence, event_params(settings),
                                     closed=closed, on_off_first=on_off_first,
                                     cadence_id=cadence_id)
    if not result.events:
        return []

    reobserve = _reobserve(scans, settings)
    on_source = next((s.header.source for s in scans.values() if s.is_on_source), None)
    rows = []
    for event in result.events:
        rows.append({
            "cadence_id": cadence_id,
            "event_id": event.event_id,
            "source": on_source,
            "seed_hit_id": event.seed_hit_id,
            "seed_scan_id": event.seed.scan_id,
            "level": event.level,
            "status": event.status,
            "member_hit_ids": [member.hit_id for member in event.members],
            "member_scan_ids": [member.scan_id for member in event.members],
            "frequency_mhz": event.frequency_mhz,
            "drift_rate_hz_per_s": event.drift_rate_hz_per_s,
            "max_snr": event.max_snr,
            "reobserve_by": reobserve,
        })
    return rows


def changed_anomalies(rows: list[dict], previous: list[dict], now: datetime) -> tuple[list[dict], list[dict]]:
    """Add the clock columns and split rows into (all rows, rows to publish).

    A row is published when its event is new or its level or status changed;
    first_seen_at is kept from the stored row.
    """
    stored = {row["event_id"]: row for row in previous}
    complete, publish = [], []
    for row in rows:
        old = stored.get(row["event_id"])
        row = {**row, "first_seen_at": old["first_seen_at"] if old else now, "updated_at": now}
        complete.append(row)
        if old is None or (old["level"], old["status"]) != (row["level"], row["status"]):
            publish.append(row)
    return complete, publish
