"""One logging setup for the whole package.

Every line carries UTC time, level, logger, function and file:line; callers put the
ids they work on (cadence, scan, batch) into the message, e.g.
``log.info("cadence %s: scan %s complete", cadence_id, scan_id)``.
"""

from __future__ import annotations

import logging
import os
import sys
import time

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(funcName)s %(filename)s:%(lineno)d %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
ROOT_LOGGER = "seti_stream"


class _UtcFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 (logging's name)
        return super().formatTime(record, datefmt) + f".{int(record.msecs):03d}Z"


def get_logger(name: str) -> logging.Logger:
    """Return the package logger for a module name (``seti_stream.x`` or ``x``)."""
    if name == ROOT_LOGGER or name.startswith(ROOT_LOGGER + "."):
        return logging.getLogger(name)
    return logging.getLogger(f"{ROOT_LOGGER}.{name}")


def setup_logging(level: str | int | None = None, stream=None) -> logging.Logger:
    """Attach one handler to the package logger and set its level.

    The level comes from the argument, else SETI_STREAM_LOG_LEVEL, else INFO. Calling
    it again replaces the handler instead of adding a second one, so lines never repeat.
    """
    if level is None:
        level = os.environ.get("SETI_STREAM_LOG_LEVEL", "INFO")
    if isinstance(level, str):
        numeric = logging.getLevelName(level.upper())
        if not isinstance(numeric, int):
            raise ValueError(f"unknown log level {level!r}: use DEBUG, INFO, WARNING or ERROR")
        level = numeric

    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(_UtcFormatter(LOG_FORMAT, DATE_FORMAT))
    handler.set_name("seti_stream")

    logger = logging.getLogger(ROOT_LOGGER)
    for old in [h for h in logger.handlers if h.get_name() == "seti_stream"]:
        logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger
