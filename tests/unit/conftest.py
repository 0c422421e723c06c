"""Shared fixtures of the unit tests: paths to the bundled SETI data.

The unit tests import seti_stream from this checkout's job/src, ahead of any
installed copy, so they test the code next to them.
"""

import logging
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
JOB_SRC = REPO / "job" / "src"
if str(JOB_SRC) not in sys.path:
    sys.path.insert(0, str(JOB_SRC))

DATA = REPO / "tests" / "data"
SYNTHETIC = DATA / "synthetic_cadence"
VOYAGER = DATA / "voyager2020_reconstructed"
EDGE_CASES = DATA / "edge_cases"
REAL = DATA / "real"


@pytest.fixture
def synthetic_list() -> Path:
    return SYNTHETIC / "dat_files.lst"


@pytest.fixture
def voyager_list() -> Path:
    return VOYAGER / "dat_files.lst"


@pytest.fixture(autouse=True)
def restore_package_logger():
    """Undo setup_logging after each test, so that caplog receives the package's records."""
    logger = logging.getLogger("seti_stream")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]
