"""Unit tests: each file of tests/data/edge_cases used as the first ON scan of the
synthetic cadence behaves as the last column of edge_cases/README.md states."""

import shutil

import pytest

from conftest import EDGE_CASES, SYNTHETIC
from seti_stream.batch import find_events
from seti_stream.cadence import read_cadences
from seti_stream.events import EventParams


def _cadence_with_first_on(tmp_path, edge_name):
    for path in (SYNTHETIC / "dat").glob("*.dat"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(EDGE_CASES / edge_name, tmp_path / "synth_00_SYNTH_ON.dat")
    list_path = tmp_path / "cadence.lst"
    list_path.write_text("".join(f"{path.name}\n" for path in sorted(tmp_path.glob("*.dat"))))
    return list_path


def _rows(list_path, level):
    cadences = read_cadences(list_path, require_whole=level > 1)
    return find_events(cadences, EventParams(filter_threshold=level, snr_cut=10)).rows


def _labels(rows):
    return sorted({row["Hit_ID"] for row in rows})


def test_edge_empty_body_still_an_on_scan(tmp_path):
    list_path = _cadence_with_first_on(tmp_path, "empty_body.dat")
    [cadence] = read_cadences(list_path)
    assert cadence.scans[0].hits == []
    assert cadence.scans[0].is_on_source
    assert cadence.scans[1].is_on_source is False
    assert len(_rows(list_path, 1)) == 12
    assert _rows(list_path, 3) == []


def test_edge_old_header_accepted_with_defaults(tmp_path):
    list_path = _cadence_with_first_on(tmp_path, "old_header_no_maxdrift_obslength.dat")
    [cadence] = read_cadences(list_path)
    assert cadence.scans[0].header.header_defaults == ("max_drift_rate", "obs_length")
    assert len(_rows(list_path, 1)) == 18
    rows = _rows(list_path, 3)
    assert _labels(rows) == ["SYNTH_ON_1", "SYNTH_ON_4", "SYNTH_ON_5"]
    assert len(rows) == 9


def test_edge_nan_drift_row_rejected(tmp_path):
    list_path = _cadence_with_first_on(tmp_path, "nan_drift_rate.dat")
    [cadence] = read_cadences(list_path)
    assert len(cadence.scans[0].hits) == 5
    assert len(_rows(list_path, 1)) == 17
    assert _labels(_rows(list_path, 3)) == ["SYNTH_ON_1", "SYNTH_ON_4", "SYNTH_ON_5"]


@pytest.mark.parametrize("edge_name", ["non_numeric_snr.dat", "short_row_5_columns.dat"])
def test_edge_bad_row_rejected_rest_kept(tmp_path, edge_name):
    list_path = _cadence_with_first_on(tmp_path, edge_name)
    [cadence] = read_cadences(list_path)
    assert [hit.top_hit_number for hit in cadence.scans[0].hits] == [1, 3, 4, 5, 6]
    assert len(_rows(list_path, 1)) == 17
    # Row 2 is ET_B's first-ON hit, so ET_B has no seed; WEAK and ET_A remain.
    rows = _rows(list_path, 3)
    assert _labels(rows) == ["SYNTH_ON_4", "SYNTH_ON_5"]
    assert len(rows) == 6


def test_edge_crlf_same_as_baseline(tmp_path, synthetic_list):
    list_path = _cadence_with_first_on(tmp_path, "crlf_line_endings.dat")
    assert len(_rows(list_path, 1)) == 18
    ours = [(row["TopHitNum"], row["Hit_ID"]) for row in _rows(list_path, 3)]
    baseline = [(row["TopHitNum"], row["Hit_ID"]) for row in _rows(synthetic_list, 3)]
    assert ours == baseline
