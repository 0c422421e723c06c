"""Unit tests of the .dat reader: accepted variants, rejected rows, rejected headers."""

import logging

import pytest

from conftest import EDGE_CASES, REAL, SYNTHETIC
from seti_stream import datfile
from seti_stream.datfile import DatParseError, format_dat, parse_dat_text, read_dat
from seti_stream.settings import Settings

FIRST_ON = SYNTHETIC / "dat" / "synth_00_SYNTH_ON.dat"


def _text(path=FIRST_ON):
    return path.read_text()


def _with_rows(rows, base=FIRST_ON):
    header = "\n".join(_text(base).splitlines()[:9])
    return header + "\n" + "\n".join(rows) + "\n"


GOOD_ROW = "000001\t -0.571438\t 15.753345\t   8421.378936\t   8421.378936\t2785\t   8421.381127\t   8421.376748\t0.0\t      0.000000\t0\t319\t"


def test_read_dat_header_fields():
    dat = read_dat(FIRST_ON)
    header = dat.header
    assert header.file_id == "synth_00_SYNTH_ON.h5"
    assert header.source == "SYNTH_ON"
    assert header.mjd == 59046.926342592589
    assert header.ra == "17h47m15s"
    assert header.dec == "-28d22m59.16s"
    assert header.tsamp_s == 18.253611
    assert header.foff_hz == -2.793968
    assert header.max_drift_rate_hz_per_s == 4.0
    assert header.obs_length_s == 292.057776
    assert header.header_defaults == ()


def test_read_dat_hit_columns():
    hit = read_dat(FIRST_ON).hits[0]
    assert hit.top_hit_number == 1
    assert hit.drift_rate_hz_per_s == -0.571438
    assert hit.snr == 15.753345
    assert hit.uncorrected_frequency_mhz == 8421.378936
    assert hit.corrected_frequency_mhz == 8421.378936
    assert hit.channel_index == 2785
    assert hit.freq_start_mhz == 8421.381127
    assert hit.freq_end_mhz == 8421.376748
    assert hit.sefd_jy == 0.0
    assert hit.sefd_freq_mhz == 0.0
    assert hit.coarse_channel_number == 0
    assert hit.full_number_of_hits == 319


def test_read_dat_report_counts():
    report = read_dat(FIRST_ON).report
    assert report.rows_read == 6
    assert report.rows_kept == 6
    assert report.rows_rejected == 0
    assert report.duplicates_collapsed == 0


def test_read_dat_any_whitespace():
    text = _text().replace("\t", "   ")
    dat = parse_dat_text("spaces.dat", text)
    assert len(dat.hits) == 6
    assert dat.header.obs_length_s == 292.057776
    assert dat.hits == read_dat(FIRST_ON).hits


def test_read_dat_crlf_edge_case():
    dat = read_dat(EDGE_CASES / "crlf_line_endings.dat")
    assert dat.hits == read_dat(FIRST_ON).hits
    assert dat.header.source == "SYNTH_ON"


def test_read_dat_old_header_uses_settings_defaults(caplog):
    path = EDGE_CASES / "old_header_no_maxdrift_obslength.dat"
    with caplog.at_level(logging.WARNING, logger="seti_stream"):
        dat = read_dat(path, Settings(default_max_drift_rate_hz_per_s=2.5, default_obs_length_s=310.0))
    assert dat.header.max_drift_rate_hz_per_s == 2.5
    assert dat.header.obs_length_s == 310.0
    assert dat.header.header_defaults == ("max_drift_rate", "obs_length")
    assert len(dat.hits) == 6
    assert any(str(path) in record.getMessage() for record in caplog.records)


def test_read_dat_old_header_env_override(monkeypatch):
    monkeypatch.setenv("SETI_STREAM_DEFAULT_OBS_LENGTH", "123.5")
    dat = read_dat(EDGE_CASES / "old_header_no_maxdrift_obslength.dat")
    assert dat.header.obs_length_s == 123.5
    assert dat.header.max_drift_rate_hz_per_s == 2.0


def test_read_dat_bytes_repr_source():
    text = _text().replace("# Source:SYNTH_ON", "# Source:b'VOYAGER-1'")
    assert parse_dat_text("bytes.dat", text).header.source == "VOYAGER-1"


def test_read_dat_empty_body():
    dat = read_dat(EDGE_CASES / "empty_body.dat")
    assert dat.hits == []
    assert dat.report.rows_read == 0
    assert dat.header.source == "SYNTH_ON"


def test_read_dat_real_empty_file():
    dat = read_dat(REAL / "setigen_sample.snr10.dat")
    assert dat.hits == []
    assert dat.header.source == "DIAG_SGR_B2"
    assert dat.header.tsamp_s == 1.431656


def test_read_dat_real_voyager_scan():
    dat = read_dat(REAL / "voyager1_2020_scan0011_512ch.dat")
    assert len(dat.hits) == 1
    assert dat.hits[0].drift_rate_hz_per_s == -0.357149
    assert dat.hits[0].channel_index == 236


@pytest.mark.parametrize("name, line, category", [
    ("nan_drift_rate.dat", 10, datfile.NOT_FINITE),
    ("non_numeric_snr.dat", 11, datfile.NOT_A_NUMBER),
    ("short_row_5_columns.dat", 11, datfile.WRONG_COLUMN_COUNT),
])
def test_read_dat_edge_case_rejects_one_row(name, line, category):
    dat = read_dat(EDGE_CASES / name)
    assert dat.report.rows_read == 6
    assert dat.report.rows_kept == 5
    assert [(r.line, r.category) for r in dat.report.rejected] == [(line, category)]
    assert len(dat.hits) == 5


@pytest.mark.parametrize("row, category, detail", [
    (GOOD_ROW.replace("\t319\t", "\t319\t7\t"), datfile.WRONG_COLUMN_COUNT, "13 columns"),
    (GOOD_ROW.replace("15.753345", "1e400"), datfile.NOT_FINITE, "snr"),
    (GOOD_ROW.replace("15.753345", "inf"), datfile.NOT_FINITE, "snr"),
    (GOOD_ROW.replace(" -0.571438", "-nan"), datfile.NOT_FINITE, "drift"),
    (GOOD_ROW.replace("15.753345", "-3.0"), datfile.SNR_NOT_POSITIVE, "snr"),
    (GOOD_ROW.replace("15.753345", "0.0"), datfile.SNR_NOT_POSITIVE, "snr"),
    (GOOD_ROW.replace("   8421.378936\t   8421.378936", "   -1.0\t   8421.378936"), datfile.FREQUENCY_NOT_POSITIVE, "uncorrected"),
    (GOOD_ROW.replace("   8421.378936\t   8421.378936", "   8421.378936\t   0.0"), datfile.FREQUENCY_NOT_POSITIVE, "corrected"),
    (GOOD_ROW.replace("\t2785\t", "\t-1\t"), datfile.NEGATIVE_CHANNEL, "channel_index"),
    (GOOD_ROW.replace("\t2785\t", "\t27.5\t"), datfile.NOT_A_NUMBER, "Index"),
    (GOOD_ROW.replace("000001", "x1"), datfile.NOT_A_NUMBER, "Top_Hit_#"),
    ("# a comment in the table", datfile.UNEXPECTED_COMMENT, "#"),
])
def test_parse_rejects_bad_row_keeps_good(row, category, detail):
    second = GOOD_ROW.replace("000001", "000002").replace("\t2785\t", "\t2786\t")
    dat = parse_dat_text("rows.dat", _with_rows([GOOD_ROW, row, second]))
    assert len(dat.hits) == 2
    assert dat.report.rows_read == 3
    assert len(dat.report.rejected) == 1
    rejection = dat.report.rejected[0]
    assert rejection.line == 11
    assert rejection.category == category
    assert detail.lower() in rejection.detail.lower()
    assert dat.report.reasons() == {category: 1}


def test_parse_collapses_duplicate_rows():
    duplicate = GOOD_ROW.replace("000001", "000007").replace("15.753345", "99.0")
    dat = parse_dat_text("dup.dat", _with_rows([GOOD_ROW, duplicate]))
    assert len(dat.hits) == 1
    assert dat.hits[0].snr == 15.753345
    assert dat.report.duplicates_collapsed == 1
    assert dat.report.rows_kept == 1


def test_parse_blank_lines_are_not_rows():
    dat = parse_dat_text("blank.dat", _with_rows(["", GOOD_ROW, "   ", ""]))
    assert dat.report.rows_read == 1
    assert len(dat.hits) == 1


@pytest.mark.parametrize("lines_kept", [0, 1, 5, 8])
def test_parse_truncated_header_names_line(lines_kept):
    text = "\n".join(_text().splitlines()[:lines_kept])
    with pytest.raises(DatParseError) as error:
        parse_dat_text("cut.dat", text)
    assert error.value.path == "cut.dat"
    assert error.value.line == lines_kept + 1
    assert "cut.dat, line" in str(error.value)
    assert "truncated" in str(error.value)


@pytest.mark.parametrize("old, new, line, words", [
    ("MJD: 59046.926342592589", "MJD: soon", 5, "'mjd'"),
    ("DELTAT:  18.253611", "DELTAT:  x", 6, "'deltat'"),
    ("DELTAF(Hz):  -2.793968", "DELTAF(Hz):  0.0", 6, "DELTAF is 0"),
    ("max_drift_rate:   4.000000\t", "", 6, "only one"),
    ("obs_length: 292.057776", "obs_length: -5", 6, "obs_length"),
    ("# File ID: synth_00_SYNTH_ON.h5", "# Nothing here", 2, "File ID"),
    ("# Source:SYNTH_ON", "Source:SYNTH_ON", 4, "does not start with '#'"),
])
def test_parse_unreadable_header_names_line(old, new, line, words):
    text = _text().replace(old, new)
    with pytest.raises(DatParseError) as error:
        parse_dat_text("bad.dat", text)
    assert error.value.line == line
    assert words in str(error.value)


def test_read_dat_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_dat(tmp_path / "absent.dat")


def test_format_dat_round_trip(tmp_path):
    original = read_dat(FIRST_ON)
    path = tmp_path / "copy.dat"
    datfile.write_dat(path, original.header, original.hits)
    copy = read_dat(path)
    assert copy.header == original.header
    assert copy.hits == original.hits


def test_format_dat_matches_turboseti_layout():
    original = read_dat(FIRST_ON)
    assert format_dat(original.header, original.hits) == _text()


def test_parse_negative_zero_drift_duplicate():
    zero = GOOD_ROW.replace(" -0.571438", "0.000000")
    negative_zero = GOOD_ROW.replace("000001", "000002").replace(" -0.571438", "-0.000000")
    dat = parse_dat_text("zero.dat", _with_rows([zero, negative_zero]))
    assert len(dat.hits) == 1
    assert dat.report.duplicates_collapsed == 1


def test_parse_duplicates_collapse_on_slow_path():
    duplicate = GOOD_ROW.replace("000001", "000007")
    dat = parse_dat_text("dup.dat", _with_rows([GOOD_ROW, "bad row", duplicate]))
    assert len(dat.hits) == 1
    assert dat.report.duplicates_collapsed == 1
    assert dat.report.reasons() == {datfile.WRONG_COLUMN_COUNT: 1}


def test_hit_table_behaves_as_hit_list():
    table_hits = read_dat(FIRST_ON).hits
    list_hits = [datfile.parse_row(line)[0] for line in _text().splitlines()[9:]]
    assert isinstance(table_hits, datfile.HitTable)
    assert table_hits == list_hits
    assert table_hits[-1] == list_hits[-1]
    assert table_hits[1:3] == list_hits[1:3]
    assert list(table_hits) == list_hits
    assert table_hits.column("channel_index").tolist() == [hit.channel_index for hit in list_hits]


def test_read_dat_list_from_datfile(synthetic_list):
    from seti_stream.cadence import read_dat_list

    assert datfile.read_dat_list(synthetic_list) == read_dat_list(synthetic_list)
