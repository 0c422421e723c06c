"""Scan and cadence rows computed from what Cassandra holds (pure).

A scan's counts come from its hit rows: hits_received is the number of
distinct hit ids, duplicates the number of extra Kafka records that carried
an already known hit. A cadence is `complete` once every one of its
number_in_cadence scans sent its scan_end, even when the idle timeout closed
it as `incomplete` before the last ones arrived, and `open` before either.
"""

from __future__ import annotations

from datetime import datetime

OPEN, COMPLETE, INCOMPLETE = "open", "complete", "incomplete"


def scan_counts(scan_row: dict, hit_rows: list[dict], now: datetime) -> dict:
    """Return the count columns of one scan from its hit rows read back."""
    received = len(hit_rows)
    duplicates = sum(max(len(row["kafka_offsets"] or ()) - 1, 0) for row in hit_rows)
    expected = scan_row.get("hits_expected")
    ended = bool(scan_row.get("scan_end_seen"))
    return {
        "cadence_id": scan_row["cadence_id"],
        "scan_index": scan_row["scan_index"],
        "scan_id": scan_row["scan_id"],
        "hits_received": received,
        "duplicates": duplicates,
        "complete": ended and expected is not None and received >= expected,
        "updated_at": now,
    }


def cadence_row(cadence_id: str, scan_rows: list[dict], previous: dict | None,
                now: datetime) -> dict:
    """Return the cadence row after new records of `cadence_id` arrived.

    A cadence already closed stays closed: a late record of an `incomplete`
    cadence updates its scans but does not reopen it. When late records end
    all of its scans, it becomes `complete`, so the final status depends only
    on the records, not on when the timeout ran.
    """
    ordered = sorted(scan_rows, key=lambda row: (row["scan_index"], row["scan_id"]))
    number = max((row.get("number_in_cadence") or 0) for row in ordered) if ordered else 0
    ended = sum(1 for row in ordered if row.get("scan_end_seen"))
    ended_indexes = {row["scan_index"] for row in ordered if row.get("scan_end_seen")}
    first = ordered[0] if ordered else {}

    previous_status = previous["status"] if previous else OPEN
    closed_at = previous.get("closed_at") if previous else None
    if number and len(ended_indexes) >= number:
        status = COMPLETE
        closed_at = closed_at if previous_status == COMPLETE else now
    elif previous_status == INCOMPLETE:
        status = INCOMPLETE
    else:
        status = OPEN

    return {
        "cadence_id": cadence_id,
        "source": _on_source_name(ordered),
        "number_in_cadence": number,
        "status": status,
        "scan_ids": [row["scan_id"] for row in ordered],
        "scans_ended": ended,
        "first_scan_start": first.get("scan_start"),
        "last_activity_at": now,
        "closed_at": closed_at,
    }


def _on_source_name(scan_rows: list[dict]) -> str | None:
    for row in scan_rows:
        if row.get("is_on_source"):
            return row.get("source")
    return scan_rows[0].get("source") if scan_rows else None
