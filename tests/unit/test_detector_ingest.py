"""Validation of seti.hits records into hit, scan_end and rejected rows."""

import json
from datetime import datetime, timezone

from seti_stream.detector.ingest import MAX_STORED_PAYLOAD_BYTES, KafkaRecord, ingest
from seti_stream.model import hit_id_for
from seti_stream.producer import scan_records
from seti_stream.synthetic import generate_cadence

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def kafka_records(outgoing, first_offset=0):
    return [KafkaRecord("seti.hits", 0, first_offset + n, r.key, r.value)
            for n, r in enumerate(outgoing)]


def first_scan_records():
    cadence = generate_cadence(seed=3, hits_per_scan=5)
    scan = cadence.scans[0]
    return cadence, scan, kafka_records(scan_records(scan, cadence.cadence_id, 6))


def test_hits_and_scan_end_split():
    cadence, scan, batch = first_scan_records()

    result = ingest(batch, NOW)

    assert len(result.hits) == len(scan.hits)
    assert len(result.scan_ends) == 1
    assert result.rejected == []
    assert result.cadence_ids() == {cadence.cadence_id}


def test_hit_row_keys_and_conversions():
    _, scan, batch = first_scan_records()

    row = ingest(batch, NOW).hits[0]
    hit = scan.hits[0]

    assert row["hit_id"] == hit_id_for(scan.scan_id, hit.coarse_channel_number,
                                       hit.channel_index, hit.drift_rate_hz_per_s)
    assert row["scan_id"] == scan.scan_id
    assert row["frequency_hz"] == hit.corrected_frequency_mhz * 1e6
    assert row["kafka_offset_key"] == "seti.hits/0/0"
    assert json.loads(row["record"])["snr"] == hit.snr


def test_scan_end_row_counts():
    _, scan, batch = first_scan_records()

    end = ingest(batch, NOW).scan_ends[0]

    assert end["hits_expected"] == len(scan.hits)
    assert end["scan_end_seen"] is True
    assert end["scan_index"] == 0
    assert end["is_on_source"] is True


def test_bad_records_rejected_with_reason():
    _, _, batch = first_scan_records()
    good = json.loads(batch[0].value)
    cases = {
        b"{not json": "not valid JSON",
        json.dumps({k: v for k, v in good.items() if k != "snr"}).encode(): "missing field 'snr'",
        json.dumps({**good, "snr": "high"}).encode(): "expected a number",
        json.dumps({**good, "snr": float("nan")}).encode(): "not a finite number",
        b"000001\t-0.36\t22.3": "not valid JSON",
    }
    bad = [KafkaRecord("seti.hits", 2, 100 + n, b"k", value) for n, value in enumerate(cases)]

    result = ingest(bad, NOW)

    assert result.hits == []
    assert len(result.rejected) == len(cases)
    for row, expected in zip(result.rejected, cases.values()):
        assert expected in row["reason"], row["reason"]
        assert row["kafka_partition"] == 2
    assert [row["kafka_offset"] for row in result.rejected] == [100, 101, 102, 103, 104]


def test_oversize_payload_rejected_and_capped():
    big = b"x" * (MAX_STORED_PAYLOAD_BYTES + 10)

    row = ingest([KafkaRecord("seti.hits", 0, 7, None, big)], NOW, max_record_bytes=1000).rejected[0]

    assert "over the limit of 1000 bytes" in row["reason"]
    assert row["payload_bytes"] == len(big)
    assert len(row["payload"]) == MAX_STORED_PAYLOAD_BYTES
    assert row["kafka_key"] is None


def test_empty_value_rejected():
    row = ingest([KafkaRecord("seti.hits", 0, 1, b"c", None)], NOW).rejected[0]

    assert row["reason"] == "payload is empty"
