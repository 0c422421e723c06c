"""Unit tests of ids and names: scan id, hit id, event id, source names."""

import pytest

from seti_stream.model import (Hit, canonical_drift, event_id_for, hit_id_for, normalise_source,
                               scan_id_for)


@pytest.mark.parametrize("raw, expected", [
    ("b'VOYAGER-1'", "VOYAGER-1"),
    ('b"VOYAGER-1"', "VOYAGER-1"),
    ("  SYNTH_ON ", "SYNTH_ON"),
    ("b'", "b'"),
    ("bob", "bob"),
])
def test_normalise_source_cases(raw, expected):
    assert normalise_source(raw) == expected


def test_scan_id_uses_dat_name_and_mjd():
    assert scan_id_for("/data/x/synth_00_SYNTH_ON.dat", 59046.926342592589) == "synth_00_SYNTH_ON@59046.92634259"


def test_scan_id_two_searches_differ():
    first = scan_id_for("scan_snr10.dat", 59046.9)
    second = scan_id_for("scan_snr5.dat", 59046.9)
    assert first != second


def test_scan_id_same_name_other_mjd_differs():
    assert scan_id_for("a.dat", 59046.9) != scan_id_for("a.dat", 59046.91)


def test_hit_id_ignores_top_hit_number():
    first = Hit(1, -0.5, 20.0, 8421.0, 8421.0, 100, 8421.0, 8421.0, 0.0, 0.0, 0, 10)
    renumbered = Hit(7, -0.5, 35.0, 8421.0, 8421.0, 100, 8421.0, 8421.0, 0.0, 0.0, 0, 10)
    assert first.key() == renumbered.key()
    assert hit_id_for("s", 0, 100, first.drift_rate_hz_per_s) == hit_id_for("s", 0, 100, renumbered.drift_rate_hz_per_s)


@pytest.mark.parametrize("change", [
    ("other-scan", 0, 100, -0.5),
    ("s", 1, 100, -0.5),
    ("s", 0, 101, -0.5),
    ("s", 0, 100, -0.500001),
])
def test_hit_id_changes_with_each_part(change):
    assert hit_id_for("s", 0, 100, -0.5) != hit_id_for(*change)


def test_hit_id_is_stable():
    assert hit_id_for("s", 0, 100, -0.5) == hit_id_for("s", 0, 100, -0.5)
    assert len(hit_id_for("s", 0, 100, -0.5)) == 16


def test_canonical_drift_text_forms():
    assert canonical_drift(float("-0.571438")) == "-0.571438"
    assert canonical_drift(-0.0) == canonical_drift(0.0) == "0.0"
    assert canonical_drift(1) == "1.0"


def test_event_id_depends_on_cadence_and_seed():
    assert event_id_for("c1", "h1") == event_id_for("c1", "h1")
    assert event_id_for("c1", "h1") != event_id_for("c2", "h1")
    assert event_id_for("c1", "h1") != event_id_for("c1", "h2")
