#!/usr/bin/python3
"""Stand-in for the streaming detector on lab hosts, for lifecycle tests only.

The real detector job is not part of these tests. This script keeps the
job's side of the lifecycle contract: it rewrites the status file once a
second as a streaming query's progress events would (query_active,
last_progress_at, batch_id, pipeline_version), polls the stop marker and, once
the marker exists, records a graceful stop and exits with status 0. A SIGTERM
is recorded as such, so tests can tell a graceful stop from a killed one.
Events go to standin-events.log in the state directory.

    seti_detector_standin.py [run] [--state-dir DIR] [--unhealthy]
    seti_detector_standin.py smoke [--fail] [--config FILE]
"""

import argparse
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path


def record(state_dir, event):
    with open(state_dir / "standin-events.log", "a", encoding="utf-8") as log:
        log.write(f"{event} {os.getpid()}\n")


def pipeline_version():
    """Return the commit in the venv's PIPELINE_VERSION file, or "standin" outside a venv."""
    path = Path(sys.prefix) / "PIPELINE_VERSION"
    return path.read_text().strip() if path.exists() else "standin"


def write_status(state_dir, batch_id, active):
    status = {
        "query_active": active,
        "last_progress_at": datetime.now(timezone.utc).isoformat(),
        "batch_id": batch_id,
        "pipeline_version": pipeline_version(),
    }
    temporary = state_dir / "status.json.tmp"
    temporary.write_text(json.dumps(status))
    temporary.replace(state_dir / "status.json")


def run(state_dir, unhealthy):
    state_dir.mkdir(parents=True, exist_ok=True)
    marker = state_dir / "stop-requested"

    def on_sigterm(signum, frame):
        record(state_dir, "sigterm")
        sys.exit(143)

    signal.signal(signal.SIGTERM, on_sigterm)
    record(state_dir, "started")
    batch_id = 0
    while True:
        if marker.exists():
            write_status(state_dir, batch_id, False)
            record(state_dir, "stopped-by-marker")
            return 0
        write_status(state_dir, batch_id, not unhealthy)
        batch_id += 1
        time.sleep(1)


def main(argv=None):
    parser = argparse.ArgumentParser(description="stand-in for the seti-stream detector")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "smoke"])
    parser.add_argument("--state-dir", type=Path, default=Path("/var/lib/seti-stream"))
    parser.add_argument("--unhealthy", action="store_true", help="report an inactive query")
    parser.add_argument("--fail", action="store_true", help="make the smoke check fail")
    parser.add_argument("--config", help="settings file the deploy passes to smoke (not read)")
    args = parser.parse_args(argv)
    if args.command == "smoke":
        print("smoke check failed" if args.fail else "smoke check passed")
        return 1 if args.fail else 0
    return run(args.state_dir, args.unhealthy)


if __name__ == "__main__":
    sys.exit(main())
