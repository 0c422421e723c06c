"""Unit tests of grouping scans into cadences and the consistency checks."""

import random
import shutil

import pytest

from conftest import SYNTHETIC, VOYAGER
from seti_stream.cadence import (CadenceError, cadence_layout, group_cadences, read_cadences,
                                 read_dat_list)
from seti_stream.datfile import parse_dat_text, read_dat

SYNTH_DATS = sorted((SYNTHETIC / "dat").glob("*.dat"))


def _copy_cadence(tmp_path, names=None):
    for path in SYNTH_DATS:
        shutil.copy(path, tmp_path / path.name)
    names = names or [path.name for path in SYNTH_DATS]
    list_path = tmp_path / "cadence.lst"
    list_path.write_text("\n".join(names) + "\n")
    return list_path


def test_cadence_layout_on_first():
    assert cadence_layout(6, "ON") == (True, False, True, False, True, False)


def test_cadence_layout_off_first():
    assert cadence_layout(6, "off") == (False, True, False, True, False, True)


def test_cadence_layout_rejects_other():
    with pytest.raises(ValueError, match="'MAYBE'"):
        cadence_layout(6, "MAYBE")


def test_read_dat_list_relative_to_list_file(synthetic_list):
    paths = read_dat_list(synthetic_list)
    assert paths == [SYNTHETIC / "dat" / path.name for path in SYNTH_DATS]


def test_read_dat_list_skips_blank_and_comment_lines(tmp_path):
    list_path = _copy_cadence(tmp_path)
    list_path.write_text("# cadence\n\n" + list_path.read_text() + "\n\n")
    assert len(read_dat_list(list_path)) == 6


def test_read_dat_list_missing_file_named(tmp_path):
    list_path = _copy_cadence(tmp_path)
    list_path.write_text(list_path.read_text() + "synth_06_MISSING.dat\n")
    with pytest.raises(CadenceError) as error:
        read_dat_list(list_path)
    assert "line 7" in str(error.value)
    assert "synth_06_MISSING.dat not found" in str(error.value)


def test_read_dat_list_missing_list(tmp_path):
    with pytest.raises(CadenceError, match="list file not found"):
        read_dat_list(tmp_path / "none.lst")


def test_read_dat_list_empty_list(tmp_path):
    (tmp_path / "empty.lst").write_text("\n# nothing\n")
    with pytest.raises(CadenceError, match="names no .dat files"):
        read_dat_list(tmp_path / "empty.lst")


def test_group_cadences_synthetic(synthetic_list):
    [cadence] = read_cadences(synthetic_list)
    assert cadence.cadence_id == "synth_00_SYNTH_ON@59046.92634259"
    assert cadence.layout() == (True, False, True, False, True, False)
    assert [scan.scan_index for scan in cadence.scans] == [0, 1, 2, 3, 4, 5]
    assert [scan.header.source for scan in cadence.on_scans] == ["SYNTH_ON"] * 3


def test_group_cadences_list_order_never_matters(tmp_path, synthetic_list):
    names = [path.name for path in SYNTH_DATS]
    random.Random(7).shuffle(names)
    [shuffled] = read_cadences(_copy_cadence(tmp_path, names))
    [ordered] = read_cadences(synthetic_list)
    assert [scan.scan_id for scan in shuffled.scans] == [scan.scan_id for scan in ordered.scans]
    assert shuffled.layout() == ordered.layout()


def test_group_cadences_off_first(synthetic_list):
    with pytest.raises(CadenceError, match="ON scan points at 'SYNTH_OFF2'"):
        read_cadences(synthetic_list, on_off_first="OFF")


def test_group_cadences_on_source(synthetic_list):
    [cadence] = read_cadences(synthetic_list, on_source="synth_on")
    assert cadence.layout() == (True, False, True, False, True, False)


def test_group_cadences_on_source_not_found(synthetic_list):
    with pytest.raises(CadenceError, match="no scan of the cadence starting here has source 'VOYAGER-1'"):
        read_cadences(synthetic_list, on_source="VOYAGER-1")


def test_group_cadences_on_source_bytes_repr(voyager_list):
    [cadence] = read_cadences(voyager_list, on_source="b'VOYAGER-1'")
    assert all(scan.is_on_source for scan in cadence.scans)


def test_group_cadences_partial_cadence_rejected(tmp_path):
    list_path = _copy_cadence(tmp_path, [path.name for path in SYNTH_DATS[:5]])
    with pytest.raises(CadenceError) as error:
        read_cadences(list_path)
    message = str(error.value)
    assert "synth_00_SYNTH_ON.dat" in message
    assert "5 scans, not whole cadences of 6" in message


def test_group_cadences_partial_allowed_for_level1(tmp_path):
    list_path = _copy_cadence(tmp_path, [path.name for path in SYNTH_DATS[:4]])
    [cadence] = read_cadences(list_path, require_whole=False)
    assert not cadence.is_whole
    assert cadence.layout() == (True, False, True, False)


def test_group_cadences_two_cadences():
    first = [read_dat(path) for path in SYNTH_DATS]
    second = [parse_dat_text(f"next_{path.name}", path.read_text().replace("MJD: 59046.", "MJD: 59047."))
              for path in SYNTH_DATS]
    cadences = group_cadences(second + first)
    assert [cadence.cadence_id for cadence in cadences] == [
        "synth_00_SYNTH_ON@59046.92634259", "next_synth_00_SYNTH_ON@59047.92634259"]
    assert all(cadence.layout() == (True, False, True, False, True, False) for cadence in cadences)


def test_group_cadences_interleaved_targets_rejected():
    files = [read_dat(path) for path in SYNTH_DATS] + [read_dat(path) for path in sorted((VOYAGER / "dat").glob("*.dat"))]
    with pytest.raises(CadenceError, match="ON scan points at"):
        group_cadences(files)


def test_group_cadences_mixed_deltaf_named():
    files = [read_dat(path) for path in SYNTH_DATS]
    text = SYNTH_DATS[3].read_text().replace("DELTAF(Hz):  -2.793968", "DELTAF(Hz):  -1.396984")
    files[3] = parse_dat_text("other_setup.dat", text)
    with pytest.raises(CadenceError) as error:
        group_cadences(files)
    assert "other_setup.dat: DELTAF is -1.396984" in str(error.value)


def test_group_cadences_mixed_deltat_named():
    files = [read_dat(path) for path in SYNTH_DATS]
    text = SYNTH_DATS[2].read_text().replace("DELTAT:  18.253611", "DELTAT:  1.431656")
    files[2] = parse_dat_text("fast.dat", text)
    with pytest.raises(CadenceError, match="fast.dat: DELTAT is 1.431656"):
        group_cadences(files)


def test_group_cadences_channel_zero_mismatch_named():
    files = [read_dat(path) for path in SYNTH_DATS]
    text = SYNTH_DATS[4].read_text().replace("\t5174\t", "\t5274\t")
    files[4] = parse_dat_text("shifted.dat", text)
    with pytest.raises(CadenceError) as error:
        group_cadences(files)
    assert "shifted.dat: channel 0 of coarse channel 0" in str(error.value)


def test_group_cadences_same_scan_twice(tmp_path):
    list_path = _copy_cadence(tmp_path, [SYNTH_DATS[0].name] * 2 + [p.name for p in SYNTH_DATS[1:5]])
    with pytest.raises(CadenceError, match="listed twice"):
        read_cadences(list_path)


def test_group_cadences_empty_scans_still_count(voyager_list):
    [cadence] = read_cadences(voyager_list)
    assert len(cadence.scans) == 6
    assert [len(scan.hits) for scan in cadence.scans] == [3, 0, 3, 0, 3, 0]
