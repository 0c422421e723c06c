"""Unit tests of `seti-stream events` run as a user runs it: a subprocess."""

import csv
import io
import os
import shutil
import subprocess
import sys

import pytest

from conftest import JOB_SRC, SYNTHETIC
from seti_stream import cli
from seti_stream.batch import COLUMNS


def _run(*args, cwd=None):
    """Run the command in a subprocess, as a user does."""
    env = dict(os.environ, PYTHONPATH=str(JOB_SRC), SETI_STREAM_LOG_LEVEL="INFO")
    return subprocess.run([sys.executable, "-m", "seti_stream.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


@pytest.fixture
def run_main(capsys):
    """Run cli.main in this process (same code path, without interpreter start-up)."""
    def run(*args):
        try:
            code = cli.main([str(arg) for arg in args])
        except SystemExit as exit_:
            code = exit_.code
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return run


def _csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_cli_events_default_filter3(synthetic_list, tmp_path):
    out = tmp_path / "events.csv"
    result = _run("events", "--dat-list", synthetic_list, "--snr-cut", "10", "--out", out)
    assert result.returncode == 0, result.stderr
    rows = _csv_rows(out.read_text())
    assert len(rows) == 9
    assert list(rows[0]) == list(COLUMNS)
    assert {row["level"] for row in rows} == {"3"}
    assert len({row["event_id"] for row in rows}) == 3
    assert "9 row(s), 3 event(s)" in result.stderr


def test_cli_events_stdout(synthetic_list):
    result = _run("events", "--dat-list", synthetic_list, "--snr-cut", "20")
    assert result.returncode == 0, result.stderr
    assert len(_csv_rows(result.stdout)) == 6


@pytest.mark.parametrize("args, rows", [
    (["--filter-threshold", "1", "--snr-cut", "10"], 18),
    (["--filter-threshold", "2", "--snr-cut", "10"], 12),
    (["--snr-cut", "10", "--min-drift-rate", "0.2", "--max-drift-rate", "4"], 6),
    (["--filter-threshold", "1", "--snr-cut", "10", "--check-zero-drift"], 18),
    (["--on-source", "SYNTH_ON"], 9),
    (["--on-off-first", "on", "--number-in-cadence", "6"], 9),
])
def test_cli_events_options(run_main, synthetic_list, args, rows):
    result = run_main("events", "--dat-list", synthetic_list, *args)
    assert result.returncode == 0, result.stderr
    assert len(_csv_rows(result.stdout)) == rows


def test_cli_events_list_relative_to_list_file(tmp_path, synthetic_list):
    # A subprocess, so that the working directory differs from the list's folder.
    result = _run("events", "--dat-list", synthetic_list.resolve(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(_csv_rows(result.stdout)) == 9


def test_cli_events_level1_partial_cadence(run_main, tmp_path):
    for path in sorted((SYNTHETIC / "dat").glob("*.dat"))[:3]:
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "three.lst").write_text("".join(f"{p.name}\n" for p in sorted(tmp_path.glob("*.dat"))))
    result = run_main("events", "--dat-list", tmp_path / "three.lst", "--filter-threshold", "1")
    assert result.returncode == 0, result.stderr
    assert len(_csv_rows(result.stdout)) == 13


@pytest.mark.parametrize("args, words", [
    (["--snr-cut", "-1"], "argument --snr-cut: '-1' is invalid"),
    (["--snr-cut", "ten"], "argument --snr-cut: 'ten' is not a number"),
    (["--min-drift-rate", "nan"], "--min-drift-rate must be a finite number"),
    (["--filter-threshold", "4"], "invalid choice: 4"),
    (["--on-off-first", "MAYBE"], "'MAYBE' is invalid; use ON or OFF"),
    (["--number-in-cadence", "0"], "must be >= 1"),
    (["--on-source", " "], "source name is empty"),
    (["--min-drift-rate", "2", "--max-drift-rate", "1"], "min_drift_rate 2.0 must be below max_drift_rate 1.0"),
    (["--on-source", "SYNTH_ON", "--on-off-first", "ON"], "give only one"),
    (["--on-source", "VOYAGER-1"], "no scan of the cadence starting here has source 'VOYAGER-1'"),
    (["--number-in-cadence", "4"], "not whole cadences of 4"),
])
def test_cli_events_bad_options_exit_2(run_main, synthetic_list, args, words):
    result = run_main("events", "--dat-list", synthetic_list, *args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_events_missing_list(tmp_path):
    result = _run("events", "--dat-list", tmp_path / "none.lst")
    assert result.returncode == 2
    assert "none.lst: list file not found" in result.stderr


def test_cli_events_missing_dat_named(run_main, tmp_path):
    (tmp_path / "broken.lst").write_text("gone.dat\n")
    result = run_main("events", "--dat-list", tmp_path / "broken.lst")
    assert result.returncode == 2
    assert "broken.lst, line 1: gone.dat not found" in result.stderr


def test_cli_events_truncated_header_named(run_main, tmp_path):
    for path in (SYNTHETIC / "dat").glob("*.dat"):
        shutil.copy(path, tmp_path / path.name)
    cut = tmp_path / "synth_03_SYNTH_OFF2.dat"
    cut.write_text("\n".join(cut.read_text().splitlines()[:4]))
    (tmp_path / "l.lst").write_text("".join(f"{p.name}\n" for p in sorted(tmp_path.glob("*.dat"))))
    result = run_main("events", "--dat-list", tmp_path / "l.lst")
    assert result.returncode == 2
    assert "synth_03_SYNTH_OFF2.dat, line 5: header is truncated" in result.stderr


def test_cli_events_unwritable_out(run_main, synthetic_list, tmp_path):
    result = run_main("events", "--dat-list", synthetic_list, "--out", tmp_path / "no" / "such" / "dir.csv")
    assert result.returncode == 2
    assert "cannot write --out" in result.stderr


def test_cli_events_requires_dat_list():
    result = _run("events")
    assert result.returncode == 2
    assert "--dat-list" in result.stderr


def test_cli_unknown_command(run_main):
    result = run_main("nonsense")
    assert result.returncode == 2
    assert "invalid choice: 'nonsense'" in result.stderr


def test_cli_log_level_after_subcommand(run_main, synthetic_list):
    result = run_main("events", "--dat-list", synthetic_list, "--log-level", "WARNING")
    assert result.returncode == 0
    assert "INFO" not in result.stderr


def test_cli_bad_log_level(run_main, synthetic_list):
    result = run_main("--log-level", "LOUD", "events", "--dat-list", synthetic_list)
    assert result.returncode == 2
    assert "unknown log level 'LOUD'" in result.stderr


def test_cli_help_lists_events():
    result = _run("--help")
    assert result.returncode == 0
    assert "events" in result.stdout
