"""Event evaluation from stored rows equals the batch event finder."""

from datetime import datetime, timedelta, timezone

from seti_stream.batch import find_events
from seti_stream.cadence import Cadence
from seti_stream.detector.evaluate import anomaly_rows, build_scans, changed_anomalies
from seti_stream.detector.ingest import KafkaRecord, ingest
from seti_stream.detector.settings import DetectorSettings
from seti_stream.events import EventParams
from seti_stream.producer import scan_records
from seti_stream.synthetic import generate_cadence

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
SETTINGS = DetectorSettings()


def stored_rows(cadence, indexes):
    """Scan rows and hit rows as the detector stores them, for some scans."""
    batch = []
    for scan in cadence.scans:
        if scan.scan_index in indexes:
            batch += [KafkaRecord("seti.hits", 0, len(batch), r.key, r.value)
                      for r in scan_records(scan, cadence.cadence_id, cadence.number_in_cadence)]
    result = ingest(batch, NOW)
    scan_rows = [dict(row) for row in result.scan_ends]
    hits_by_scan = {}
    for row in result.hits:
        hits_by_scan.setdefault(row["scan_id"], []).append(row)
    return scan_rows, hits_by_scan


def evaluate(cadence, indexes, closed):
    scan_rows, hits_by_scan = stored_rows(cadence, indexes)
    scans = build_scans(scan_rows, hits_by_scan)
    return anomaly_rows(cadence.cadence_id, scans, cadence.number_in_cadence, closed, SETTINGS)


def batch_events(cadence):
    whole = Cadence(cadence.cadence_id, cadence.scans, cadence.number_in_cadence)
    rows = find_events([whole], EventParams(filter_threshold=3)).rows
    events = {}
    for row in rows:
        events.setdefault(row["event_id"], []).append(row["hit_id"])
    return events


def test_confirmed_events_equal_batch_finder():
    for seed in (1, 2, 5):
        cadence = generate_cadence(seed=seed, hits_per_scan=40)

        rows = evaluate(cadence, range(6), closed=True)
        confirmed = {r["event_id"]: r["member_hit_ids"] for r in rows if r["level"] == 3}

        assert confirmed == batch_events(cadence), f"seed {seed}"
        assert confirmed, f"seed {seed} has no confirmed event"


def test_candidates_after_first_on_and_off():
    cadence = generate_cadence(seed=1, hits_per_scan=40)

    rows = evaluate(cadence, {0, 1}, closed=False)

    assert rows
    assert {r["status"] for r in rows} == {"candidate"}
    assert {r["level"] for r in rows} == {2}
    assert set(batch_events(cadence)) <= {r["event_id"] for r in rows}


def test_nothing_before_first_off_scan():
    cadence = generate_cadence(seed=1, hits_per_scan=40)

    assert evaluate(cadence, {0}, closed=False) == []


def test_closed_cadence_has_no_candidates():
    cadence = generate_cadence(seed=1, hits_per_scan=40)

    statuses = {r["status"] for r in evaluate(cadence, range(6), closed=True)}

    assert "candidate" not in statuses
    assert "confirmed" in statuses


def test_anomaly_row_fields():
    cadence = generate_cadence(seed=1, hits_per_scan=40)

    row = next(r for r in evaluate(cadence, range(6), closed=True) if r["level"] == 3)

    assert row["seed_hit_id"] == row["member_hit_ids"][0]
    assert row["seed_scan_id"] == cadence.scans[0].scan_id
    assert len(row["member_scan_ids"]) == 3
    assert row["source"] == cadence.scans[0].header.source
    assert row["reobserve_by"] is not None


def test_changed_anomalies_publishes_new_and_raised():
    base = {"event_id": "e1", "cadence_id": "c", "level": 2, "status": "candidate"}
    first_seen = NOW - timedelta(minutes=5)

    rows, publish = changed_anomalies([base], [], NOW)
    assert publish == rows
    assert rows[0]["first_seen_at"] == NOW

    stored = [{**base, "first_seen_at": first_seen}]
    rows, publish = changed_anomalies([base], stored, NOW)
    assert publish == []
    assert rows[0]["first_seen_at"] == first_seen

    raised = {**base, "level": 3, "status": "confirmed"}
    rows, publish = changed_anomalies([raised], stored, NOW)
    assert [r["status"] for r in publish] == ["confirmed"]
    assert rows[0]["first_seen_at"] == first_seen
