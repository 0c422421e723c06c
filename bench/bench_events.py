"""Benchmark `seti-stream events` against turbo_seti 2.3.2's find_events.

For each size, one seeded synthetic cadence (6 scans, ON first, 64 coarse channels =
187.5 MHz at 2.79 Hz resolution, hits spread over the band plus injected signals) is
written to bench/work/<size>/ as .dat files. Both tools run on the same files at
filter level 3 with turboSETI's defaults, each as a whole process (start-up included):

- ours: ``python -m seti_stream.cli events --dat-list cadence.lst --out ours.csv``
- turboSETI: bench/turboseti_find_events.py under bench/.venv-turboseti, which also
  reports the time find_events itself took.

Then it checks that every event turboSETI reports (a distinct Hit_ID, i.e. a seed row
of the first ON file) is among ours, explains the events only we report, and prints a
JSON summary and a Markdown table for bench/RESULTS.md.

usage: .venv/bin/python bench/bench_events.py [--sizes 1000,10000,100000]
       [--repeat 3] [--turboseti-timeout 900] [--seed 2026]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
JOB_SRC = REPO / "job" / "src"
sys.path.insert(0, str(JOB_SRC))

from seti_stream.datfile import read_dat  # noqa: E402
from seti_stream.synthetic import generate_cadence  # noqa: E402

TURBOSETI_PYTHON = BENCH / ".venv-turboseti" / "bin" / "python"


def _time_process(command: list[str], timeout: float, env=None) -> tuple[float | None, str]:
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, ""
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.stdout


def _csv_rows(path: Path) -> list[dict]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def _turboseti_losses(work: Path, their_labels: set[str], our_labels: set[str], ours: list[dict]) -> dict:
    """Explain each event only we report by replaying turboSETI's Top_Hit_# de-duplication:
    an event vanishes from its table when the first row of its first-ON match already
    appeared (by Top_Hit_#, in any ON file) for an earlier event."""
    by_event: dict[str, list[dict]] = {}
    for row in ours:
        by_event.setdefault(row["Hit_ID"], []).append(row)
    seen: set[int] = set()
    reasons = {"lost_to_top_hit_dedup": 0, "unexplained": 0}
    unexplained = []
    # turboSETI walks its events in first-ON row order.
    for label in sorted(by_event, key=lambda name: int(name.rsplit("_", 1)[1])):
        rows = by_event[label]
        first = int(rows[0]["TopHitNum"])
        if label in their_labels:
            seen.update(int(row["TopHitNum"]) for row in rows)
            continue
        if first in seen:
            reasons["lost_to_top_hit_dedup"] += 1
        else:
            reasons["unexplained"] += 1
            unexplained.append(label)
        seen.update(int(row["TopHitNum"]) for row in rows)
    reasons["unexplained_labels"] = unexplained[:10]
    return reasons


def run_size(size: int, seed: int, repeat: int, turboseti_timeout: float) -> dict:
    work = BENCH / "work" / str(size)
    cadence = generate_cadence(seed, hits_per_scan=size, coarse_channels=64, et_signals=5,
                               rfi_drift_signals=5, rfi_zero_signals=5, partial_on_signals=5)
    list_path = cadence.write(work)
    hits = sum(len(read_dat(work / name).hits) for name in cadence.dat_names())

    env = dict(os.environ, PYTHONPATH=str(JOB_SRC), SETI_STREAM_LOG_LEVEL="WARNING")
    ours_csv = work / "ours.csv"
    ours_times = []
    for _ in range(repeat):
        elapsed, _out = _time_process([sys.executable, "-m", "seti_stream.cli", "events",
                                       "--dat-list", str(list_path), "--out", str(ours_csv)],
                                      timeout=3600, env=env)
        ours_times.append(elapsed)

    theirs_csv = work / "turboseti.csv"
    theirs_time, output = _time_process([str(TURBOSETI_PYTHON), str(BENCH / "turboseti_find_events.py"),
                                         str(list_path), str(theirs_csv)], timeout=turboseti_timeout)
    find_events_s = json.loads(output.strip().splitlines()[-1])["find_events_s"] if output else None

    ours = _csv_rows(ours_csv)
    our_labels = {row["Hit_ID"] for row in ours}
    result = {
        "hits_per_scan": size, "hits_total": hits, "ours_s": min(ours_times), "ours_runs_s": ours_times,
        "ours_events": len(our_labels), "ours_rows": len(ours),
        "turboseti_s": theirs_time, "turboseti_find_events_s": find_events_s,
        "turboseti_timeout_s": turboseti_timeout,
    }
    if theirs_time is not None:
        theirs = _csv_rows(theirs_csv)
        their_labels = {row["Hit_ID"] for row in theirs}
        result.update(
            turboseti_events=len(their_labels), turboseti_rows=len(theirs),
            turboseti_events_missing_from_ours=sorted(their_labels - our_labels),
            ours_only=_turboseti_losses(work, their_labels, our_labels, ours),
            ratio=theirs_time / result["ours_s"])
    return result


def slope(points: list[tuple[int, float]]) -> float | None:
    """Return the least-squares slope of log(time) over log(size)."""
    points = [(n, t) for n, t in points if t]
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(t) for _, t in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
    denominator = sum((x - mean_x) ** 2 for x in xs)
    return numerator / denominator


def markdown(results: list[dict]) -> str:
    lines = ["| hits/scan | hits in cadence | seti-stream events (s) | turboSETI process (s) | "
             "turboSETI find_events (s) | ratio | events ours / turboSETI |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        theirs = f"{r['turboseti_s']:.2f}" if r["turboseti_s"] else f"> {r['turboseti_timeout_s']:.0f} (stopped)"
        inner = f"{r['turboseti_find_events_s']:.2f}" if r["turboseti_find_events_s"] else "-"
        ratio = f"{r['ratio']:.0f}x" if r.get("ratio") else f"> {r['turboseti_timeout_s'] / r['ours_s']:.0f}x"
        events = f"{r['ours_events']} / {r.get('turboseti_events', '-')}"
        lines.append(f"| {r['hits_per_scan']:,} | {r['hits_total']:,} | {r['ours_s']:.2f} | {theirs} | "
                     f"{inner} | {ratio} | {events} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--turboseti-timeout", type=float, default=900.0)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not TURBOSETI_PYTHON.exists():
        print("bench/.venv-turboseti is missing: run bench/make-turboseti-venv.sh", file=sys.stderr)
        return 2

    results = []
    for size in [int(text) for text in args.sizes.split(",")]:
        result = run_size(size, args.seed, args.repeat, args.turboseti_timeout)
        print(json.dumps(result), flush=True)
        results.append(result)

    print(f"\nmachine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"log-log slope, seti-stream events: {slope([(r['hits_per_scan'], r['ours_s']) for r in results])}")
    print(f"log-log slope, turboSETI process: {slope([(r['hits_per_scan'], r['turboseti_s']) for r in results])}")
    print()
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
