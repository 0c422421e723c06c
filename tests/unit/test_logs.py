"""Unit tests of the package logging setup."""

import io
import logging
import re

import pytest

from seti_stream.logs import get_logger, setup_logging


def test_setup_logging_line_format():
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    get_logger("unit").info("cadence %s: scan %s complete", "c1", "s1")
    line = stream.getvalue().strip()
    pattern = (r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO seti_stream\.unit "
               r"test_setup_logging_line_format test_logs\.py:\d+ cadence c1: scan s1 complete$")
    assert re.match(pattern, line), line


def test_setup_logging_twice_one_handler():
    stream = io.StringIO()
    setup_logging("INFO", stream=io.StringIO())
    setup_logging("INFO", stream=stream)
    get_logger("seti_stream.unit").info("once")
    assert stream.getvalue().count("once") == 1


def test_setup_logging_level_filters():
    stream = io.StringIO()
    setup_logging("WARNING", stream=stream)
    get_logger("unit").info("hidden")
    get_logger("unit").warning("shown")
    assert "hidden" not in stream.getvalue()
    assert "shown" in stream.getvalue()


def test_setup_logging_env_level(monkeypatch):
    monkeypatch.setenv("SETI_STREAM_LOG_LEVEL", "debug")
    assert setup_logging(stream=io.StringIO()).level == logging.DEBUG


def test_setup_logging_unknown_level():
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        setup_logging("LOUD")
