"""Scan counts and cadence status from stored rows."""

from datetime import datetime, timezone

from seti_stream.detector.accounting import COMPLETE, INCOMPLETE, OPEN, cadence_row, scan_counts

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def scan(index, ended=True, expected=2, number=6, on=None):
    return {"cadence_id": "c", "scan_index": index, "scan_id": f"s{index}",
            "scan_end_seen": ended, "hits_expected": expected if ended else None,
            "number_in_cadence": number, "is_on_source": index % 2 == 0 if on is None else on,
            "source": "ON" if index % 2 == 0 else "OFF", "scan_start": NOW}


def hit(offsets):
    return {"hit_id": "h", "kafka_offsets": set(offsets)}


def test_counts_received_and_duplicates():
    counts = scan_counts(scan(0), [hit({"t/0/1"}), hit({"t/0/2", "t/0/7", "t/0/9"})], NOW)

    assert counts["hits_received"] == 2
    assert counts["duplicates"] == 2
    assert counts["complete"] is True


def test_scan_missing_hits_not_complete():
    assert scan_counts(scan(0, expected=3), [hit({"t/0/1"})], NOW)["complete"] is False


def test_scan_without_end_not_complete():
    assert scan_counts(scan(0, ended=False), [hit({"a"}), hit({"b"})], NOW)["complete"] is False


def test_empty_scan_complete():
    assert scan_counts(scan(1, expected=0), [], NOW)["complete"] is True


def test_cadence_open_until_all_scans_end():
    row = cadence_row("c", [scan(i) for i in range(5)], None, NOW)

    assert row["status"] == OPEN
    assert row["scans_ended"] == 5
    assert row["closed_at"] is None


def test_cadence_complete_when_all_scans_end():
    row = cadence_row("c", [scan(i) for i in reversed(range(6))], None, NOW)

    assert row["status"] == COMPLETE
    assert row["scan_ids"] == [f"s{i}" for i in range(6)]
    assert row["closed_at"] == NOW
    assert row["source"] == "ON"


def test_complete_cadence_keeps_closed_time():
    earlier = datetime(2025, 1, 1, tzinfo=timezone.utc)
    previous = {"status": COMPLETE, "closed_at": earlier}

    assert cadence_row("c", [scan(i) for i in range(6)], previous, NOW)["closed_at"] == earlier


def test_incomplete_cadence_stays_closed():
    previous = {"status": INCOMPLETE, "closed_at": NOW}

    assert cadence_row("c", [scan(0), scan(1)], previous, NOW)["status"] == INCOMPLETE


def test_incomplete_cadence_completed_by_late_scans():
    previous = {"status": INCOMPLETE, "closed_at": NOW}

    assert cadence_row("c", [scan(i) for i in range(6)], previous, NOW)["status"] == COMPLETE


def test_duplicate_scan_index_does_not_complete():
    scans = [scan(i) for i in range(5)] + [{**scan(4), "scan_id": "other"}]

    assert cadence_row("c", scans, None, NOW)["status"] == OPEN


class StoreWithOpenCadence:
    """A store with one cadence left open by a previous run."""

    def open_cadences(self):
        return [{"cadence_id": "left-open"}]


def test_idle_timeout_waits_for_first_batch():
    from seti_stream.detector.batch import BatchProcessor
    from seti_stream.detector.settings import DetectorSettings

    processor = BatchProcessor(StoreWithOpenCadence(), None, DetectorSettings(cadence_timeout_s=0.0))
    processor.load_open_cadences()

    assert processor.close_idle_cadences() == []
    assert processor.open_cadences.keys() == {"left-open"}
