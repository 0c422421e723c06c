"""Operating the running query: status file, stop marker, idle-cadence timer.

The status file is what the deploy's health check reads:
``{"query_active", "last_progress_at", "batch_id", "pipeline_version"}``,
rewritten atomically on each progress event (Spark sends one per batch and,
when idle, one every ``spark.sql.streaming.noDataProgressEventInterval``).
The stop marker is a file the deploy creates; the job then stops the query
after the running micro-batch and removes the marker.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)


def write_status(path: str, query_active: bool, batch_id: int | None,
                 pipeline_version: str, when: datetime | None = None) -> dict:
    """Write the status file atomically (a temporary file renamed over it)."""
    status = {
        "query_active": query_active,
        "last_progress_at": (when or datetime.now(timezone.utc)).isoformat(),
        "batch_id": batch_id,
        "pipeline_version": pipeline_version,
    }
    directory = Path(path).parent
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=directory, delete=False, suffix=".tmp") as handle:
        json.dump(status, handle)
        temporary = handle.name
    os.replace(temporary, path)
    return status


def stop_requested(marker: str) -> bool:
    return Path(marker).exists()


def clear_stop_marker(marker: str) -> None:
    try:
        Path(marker).unlink()
    except FileNotFoundError:
        pass


class IdleCadenceTimer(threading.Thread):
    """Calls `close_idle` every `interval_s` seconds, batches or not, until stopped."""

    def __init__(self, close_idle, interval_s: float):
        super().__init__(name="idle-cadence-timer", daemon=True)
        self._close_idle = close_idle
        self._interval_s = interval_s
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self._interval_s):
            try:
                self._close_idle()
            except Exception:  # the timer must outlive a Cassandra hiccup; next tick retries
                log.exception("closing idle cadences failed; retrying in %.0f s", self._interval_s)

    def stop(self) -> None:
        self._stopped.set()


def progress_listener(status_file: str, pipeline_version: str):
    """Return a StreamingQueryListener that writes the status file on each event."""
    from pyspark.sql.streaming import StreamingQueryListener

    class StatusListener(StreamingQueryListener):
        # Idle and termination events carry no batch id: they repeat the last one.
        last_batch_id = None

        def onQueryStarted(self, event):
            write_status(status_file, True, None, pipeline_version)
            log.info("query %s started", event.id)

        def onQueryProgress(self, event):
            self.last_batch_id = event.progress.batchId
            write_status(status_file, True, self.last_batch_id, pipeline_version)

        def onQueryIdle(self, event):
            write_status(status_file, True, self.last_batch_id, pipeline_version)

        def onQueryTerminated(self, event):
            write_status(status_file, False, self.last_batch_id, pipeline_version)
            if event.exception:
                log.error("query %s terminated with an error: %s", event.id, event.exception)
            else:
                log.info("query %s terminated", event.id)

    return StatusListener()
