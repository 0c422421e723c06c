#!/usr/bin/python3
"""Wait until the detector's status file shows an active query making progress.

The job rewrites its status file (JSON with query_active, last_progress_at,
batch_id and pipeline_version) at each progress event of its streaming query,
and Spark reports progress with or without new data. A version counts as
healthy when the file names that version, has query_active true and a
last_progress_at later than the given start time. Prints one JSON line and
exits 0 when healthy, 1 on timeout. Standard library only: runs on the node's
system Python.
"""

import argparse
import json
import sys
import time
from datetime import datetime, timezone


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--status-file", required=True, help="path of the job's status.json")
    parser.add_argument("--pipeline-version", required=True, help="commit id the running job must report")
    parser.add_argument("--since", type=float, required=True, help="Unix time the version was started")
    parser.add_argument("--timeout", type=float, required=True, help="seconds to wait")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between reads")
    return parser.parse_args(argv)


def read_status(path):
    """Return the status file's JSON object, or None while it is missing or half written."""
    try:
        with open(path, encoding="utf-8") as handle:
            status = json.load(handle)
    except (OSError, ValueError):
        return None
    return status if isinstance(status, dict) else None


def progress_time(status):
    """Return last_progress_at as Unix time, or None when missing or not ISO 8601."""
    value = status.get("last_progress_at")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def unhealthy_reason(status, pipeline_version, since):
    """Return why status does not show a healthy version, or None when it does."""
    if status is None:
        return "status file missing or not valid JSON"
    if status.get("pipeline_version") != pipeline_version:
        return f"status is for version {status.get('pipeline_version')!r}, not {pipeline_version!r}"
    if status.get("query_active") is not True:
        return "query not active"
    progress = progress_time(status)
    if progress is None:
        return f"last_progress_at missing or invalid: {status.get('last_progress_at')!r}"
    if progress < since:
        return f"no progress since the start (last at {status.get('last_progress_at')})"
    return None


def main(argv=None):
    args = parse_args(argv)
    deadline = time.monotonic() + args.timeout

    while True:
        status = read_status(args.status_file)
        reason = unhealthy_reason(status, args.pipeline_version, args.since)
        if reason is None:
            print(json.dumps({"healthy": True, "status": status}))
            return 0
        if time.monotonic() >= deadline:
            print(json.dumps({"healthy": False, "reason": reason, "status": status}))
            return 1
        time.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(main())
