"""Unit tests of the Kafka JSON records: builders, parser and every rejection reason."""

import json

import pytest

from conftest import SYNTHETIC
from seti_stream.datfile import read_dat
from seti_stream.records import (HitRecord, RecordError, ScanContext, ScanEndRecord,
                                 build_hit_record, build_scan_end_record, encode_record,
                                 parse_record)

DAT = read_dat(SYNTHETIC / "dat" / "synth_00_SYNTH_ON.dat")
CONTEXT = ScanContext(cadence_id=DAT.scan_id, scan_id=DAT.scan_id, scan_index=0,
                      is_on_source=True, number_in_cadence=6)


def _hit_record(**changes):
    record = build_hit_record(CONTEXT, DAT.header, DAT.hits[1])
    record.update(changes)
    return record


def _raw(record):
    return json.dumps(record).encode()


def test_hit_record_round_trip():
    parsed = parse_record(encode_record(_hit_record()))
    assert isinstance(parsed, HitRecord)
    assert parsed.hit == DAT.hits[1]
    assert parsed.header == DAT.header
    assert parsed.context == CONTEXT


def test_hit_record_id_matches_scan():
    parsed = parse_record(encode_record(_hit_record()))
    assert parsed.hit_id == DAT.to_scan().hit_id(1)


def test_hit_record_field_names_carry_units():
    record = _hit_record()
    for name in ("drift_rate_hz_per_s", "uncorrected_frequency_mhz", "tsamp_s", "foff_hz",
                 "max_drift_rate_hz_per_s", "obs_length_s", "sefd_jy"):
        assert name in record
    assert record["schema_version"] == 1
    assert record["record_type"] == "hit"


def test_scan_end_record_round_trip():
    raw = encode_record(build_scan_end_record(CONTEXT, DAT.header, hit_count=6, rejected_row_count=1))
    parsed = parse_record(raw)
    assert isinstance(parsed, ScanEndRecord)
    assert parsed.hit_count == 6
    assert parsed.rejected_row_count == 1
    assert parsed.header == DAT.header


def test_parse_record_accepts_str_and_integral_floats():
    record = _hit_record(channel_index=5288.0, mjd=59046)
    parsed = parse_record(json.dumps(record))
    assert parsed.hit.channel_index == 5288
    assert parsed.header.mjd == 59046.0


def test_parse_record_ignores_unknown_fields():
    assert isinstance(parse_record(_raw(_hit_record(extra="x"))), HitRecord)


def _without(name):
    record = _hit_record()
    del record[name]
    return _raw(record)


@pytest.mark.parametrize("raw, reason", [
    (b"", "empty"),
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[1, 2]", "JSON list, expected an object"),
    (_raw({"record_type": "hit"}), "missing field 'schema_version'"),
    (_raw(_hit_record(schema_version=2)), "unknown schema_version 2"),
    (_raw(_hit_record(schema_version=True)), "unknown schema_version True"),
    (_raw(_hit_record(record_type="note")), "unknown record_type 'note'"),
    (_without("record_type"), "missing field 'record_type'"),
    (_without("snr"), "missing field 'snr'"),
    (_without("scan_id"), "missing field 'scan_id'"),
    (_raw(_hit_record(snr="12")), "field 'snr' is '12', expected a number"),
    (_raw(_hit_record(channel_index=12.5)), "expected an integer"),
    (_raw(_hit_record(channel_index=True)), "expected a int"),
    (_raw(_hit_record(is_on_source=1)), "expected true or false"),
    (_raw(_hit_record(source=7)), "expected a string"),
    (_raw(_hit_record(scan_id="  ")), "'scan_id' is empty"),
    (encode_record(_hit_record()).replace(b'"snr":27.45051', b'"snr":NaN'), "NaN"),
    (encode_record(_hit_record()).replace(b'"snr":27.45051', b'"snr":Infinity'), "Infinity"),
    (encode_record(_hit_record()).replace(b'"snr":27.45051', b'"snr":1e999'), "not a finite number"),
    (_raw(_hit_record(snr=0.0)), "snr is 0.0, must be > 0"),
    (_raw(_hit_record(snr=-4.0)), "must be > 0"),
    (_raw(_hit_record(uncorrected_frequency_mhz=0.0)), "uncorrected_frequency_mhz is 0.0, must be > 0"),
    (_raw(_hit_record(corrected_frequency_mhz=-1.0)), "corrected_frequency_mhz is -1.0"),
    (_raw(_hit_record(channel_index=-1)), "channel_index is -1, must be >= 0"),
    (_raw(_hit_record(coarse_channel_number=-2)), "coarse_channel_number is -2"),
    (_raw(_hit_record(scan_index=6)), "'scan_index' is 6, must be in 0..5"),
    (_raw(_hit_record(number_in_cadence=0)), "number_in_cadence' is 0"),
    (_raw(_hit_record(tsamp_s=0.0)), "tsamp_s"),
    (_raw(_hit_record(foff_hz=0.0)), "foff_hz"),
    (_raw(_hit_record(obs_length_s=-1.0)), "obs_length_s"),
    (_raw(_hit_record(max_drift_rate_hz_per_s=-1.0)), "max_drift_rate_hz_per_s"),
    (b"000002\t 0.255106\t 27.450510\t 8421.371943", "not valid JSON"),
])
def test_parse_record_rejects_with_reason(raw, reason):
    with pytest.raises(RecordError) as error:
        parse_record(raw)
    assert reason in error.value.reason


def test_parse_record_size_limit():
    record = _hit_record(padding="x" * 20000)
    with pytest.raises(RecordError) as error:
        parse_record(_raw(record))
    assert "over the limit of 16384 bytes" in error.value.reason
    assert isinstance(parse_record(_raw(record), max_bytes=40000), HitRecord)


def test_scan_end_rejects_negative_count():
    record = build_scan_end_record(CONTEXT, DAT.header, hit_count=-1)
    with pytest.raises(RecordError) as error:
        parse_record(encode_record(record))
    assert "hit_count" in error.value.reason


def test_encode_record_refuses_nan():
    with pytest.raises(ValueError):
        encode_record(_hit_record(snr=float("nan")))


def test_scan_from_records_any_order_same_scan():
    from seti_stream.records import scan_from_records
    end = parse_record(encode_record(build_scan_end_record(CONTEXT, DAT.header, hit_count=6)))
    records = [parse_record(encode_record(build_hit_record(CONTEXT, DAT.header, hit))) for hit in DAT.hits]
    shuffled = records[::-1] + [records[2]]
    scan, duplicates = scan_from_records(end, shuffled)
    assert scan.hits == DAT.hits
    assert duplicates == 1
    assert scan.scan_id == DAT.scan_id
    assert scan.is_on_source is True


def test_scan_from_records_rejects_other_scan():
    from seti_stream.records import scan_from_records
    end = parse_record(encode_record(build_scan_end_record(CONTEXT, DAT.header, hit_count=1)))
    other = ScanContext("c", "other@1", 1, False, 6)
    record = parse_record(encode_record(build_hit_record(other, DAT.header, DAT.hits[0])))
    with pytest.raises(ValueError, match="hit record of scan other@1"):
        scan_from_records(end, [record])
