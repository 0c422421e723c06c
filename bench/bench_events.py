"""Benchmark `seti-stream events` against turbo_seti 2.3.2's find_events.

For each size, one seeded synthetic cadence (6 scans, ON first, 64 coarse channels =
187.5 MHz at 2.79 Hz resolution, hits spread over the band plus injected signals) is
written to bench/work/<size>/ as .dat files. Both tools run on the same files at
filter level 3 with turboSETI's defaults, each as a whole process (start-up included):

- ours: ``python -m seti_stream.cli events --dat-list cadence.lst --out ours.csv``
- turboSETI: bench/turboseti_find_events.py under bench/.venv-turboseti, which also
  reports the time find_events itself took.

Then it checks that every event turboSETI reports (a distinct Hit_ID, i.e. a seed row
of the first ON file) is among ours, and explains the events only we report by
replaying turboSETI's Top_Hit_# de-duplication on our level-3 events: the replay must
give exactly turboSETI's events. It prints a JSON line per size and a Markdown table
for bench/RESULTS.md.

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
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
JOB_SRC = REPO / "job" / "src"
sys.path.insert(0, str(JOB_SRC))

import numpy as np  # noqa: E402

from seti_stream.cadence import read_cadences  # noqa: E402
from seti_stream.datfile import read_dat  # noqa: E402
from seti_stream.events import (CONFIRMED, EventParams, delta_t_seconds,  # noqa: E402
                                evaluate_cadence, follow_window)
from seti_stream.model import hit_column  # noqa: E402
from seti_stream.synthetic import generate_cadence  # noqa: E402

TURBOSETI_PYTHON = BENCH / ".venv-turboseti" / "bin" / "python"


def _time_process(command: list[str], timeout: float, env=None) -> tuple[float | None, float | None, str]:
    """Run a command; return its wall time, its CPU time (user + system) and stdout.

    Times are None when it ran past ``timeout`` seconds and was stopped. CPU time is
    reported beside wall time because the benchmark machine is shared and wall time
    includes waiting for a core.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, None, ""
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, cpu, done.stdout


def _csv_rows(path: Path) -> list[dict]:
    if not path.exists() or path.stat().st_size == 0:
        return []
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def replay_turboseti_dedup(list_path: Path) -> list[str]:
    """Return the event labels turboSETI 2.3.2 keeps after its Top_Hit_# de-duplication.

    Our level-3 events are turboSETI's events before that step. turboSETI then walks
    them in first-ON row order and, for each ON file, takes every level-2 hit inside
    the follow window (the first ON file included, with dt = 0). It adds those rows
    only when the Top_Hit_# of the first of them (in file order) was not added before,
    from any file; an event whose rows are all skipped vanishes from its table.
    """
    [cadence] = read_cadences(list_path)
    scans = {scan.scan_index: scan for scan in cadence.scans}
    result = evaluate_cadence(scans, 6, EventParams(), closed=True, cadence_id=cadence.cadence_id,
                              statuses=frozenset((CONFIRMED,)))
    first_on = result.on_indices[0]
    seed_header = scans[first_on].header
    seen: set[int] = set()
    kept = []
    for event in result.events:
        seed_hit = scans[first_on].hits[event.seed.position]
        added = False
        for index in result.on_indices:
            scan = scans[index]
            positions = np.array(result.level2[index], dtype=np.int64)
            frequency = hit_column(scan.hits, "uncorrected_frequency_mhz")[positions]
            delta_t = delta_t_seconds(scan.header.mjd, seed_header.mjd)
            _center, low, high = follow_window(
                np.array([seed_hit.uncorrected_frequency_mhz]), np.array([seed_hit.drift_rate_hz_per_s]),
                delta_t, seed_header.obs_length_s, seed_header.foff_hz, seed_header.tsamp_s)
            inside = positions[(frequency > low[0]) & (frequency < high[0])]
            if inside.size == 0:
                continue
            first_number = scan.hits[int(inside.min())].top_hit_number
            if first_number not in seen:
                seen.add(first_number)
                added = True
        if added:
            kept.append(f"{seed_header.source}_{seed_hit.top_hit_number - 1}")
    return kept


def run_size(size: int, seed: int, repeat: int, turboseti_timeout: float) -> dict:
    work = BENCH / "work" / str(size)
    cadence = generate_cadence(seed, hits_per_scan=size, coarse_channels=64, et_signals=5,
                               rfi_drift_signals=5, rfi_zero_signals=5, partial_on_signals=5)
    list_path = cadence.write(work)
    hits = sum(len(read_dat(work / name).hits) for name in cadence.dat_names())

    env = dict(os.environ, PYTHONPATH=str(JOB_SRC), SETI_STREAM_LOG_LEVEL="WARNING")
    ours_csv = work / "ours.csv"
    ours_times, ours_cpu = [], []
    for _ in range(repeat):
        elapsed, cpu, _out = _time_process([sys.executable, "-m", "seti_stream.cli", "events",
                                            "--dat-list", str(list_path), "--out", str(ours_csv)],
                                           timeout=3600, env=env)
        ours_times.append(elapsed)
        ours_cpu.append(cpu)

    theirs_csv = work / "turboseti.csv"
    theirs_time, theirs_cpu, output = _time_process([str(TURBOSETI_PYTHON), str(BENCH / "turboseti_find_events.py"),
                                         str(list_path), str(theirs_csv)], timeout=turboseti_timeout)
    find_events_s = json.loads(output.strip().splitlines()[-1])["find_events_s"] if output else None

    ours = _csv_rows(ours_csv)
    our_labels = {row["Hit_ID"] for row in ours}
    result = {
        "hits_per_scan": size, "hits_total": hits, "ours_s": min(ours_times), "ours_runs_s": ours_times,
        "ours_cpu_s": min(ours_cpu), "turboseti_cpu_s": theirs_cpu,
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
            turboseti_dedup_replay_matches=sorted(replay_turboseti_dedup(list_path)) == sorted(their_labels),
            ours_only=sorted(our_labels - their_labels),
            ratio=theirs_time / result["ours_s"], cpu_ratio=theirs_cpu / result["ours_cpu_s"])
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
    lines = ["| hits/scan | hits in cadence | seti-stream events wall / CPU (s) | turboSETI process "
             "wall / CPU (s) | turboSETI find_events (s) | ratio wall / CPU | events ours / turboSETI |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        ours = f"{r['ours_s']:.2f} / {r['ours_cpu_s']:.2f}"
        if r["turboseti_s"]:
            theirs = f"{r['turboseti_s']:.1f} / {r['turboseti_cpu_s']:.1f}"
            ratio = f"{r['ratio']:.0f}x / {r['cpu_ratio']:.0f}x"
        else:
            theirs = f"> {r['turboseti_timeout_s']:.0f} (stopped)"
            ratio = f"> {r['turboseti_timeout_s'] / r['ours_s']:.0f}x wall"
        inner = f"{r['turboseti_find_events_s']:.1f}" if r["turboseti_find_events_s"] else "-"
        events = f"{r['ours_events']} / {r.get('turboseti_events', '-')}"
        lines.append(f"| {r['hits_per_scan']:,} | {r['hits_total']:,} | {ours} | {theirs} | {inner} | "
                     f"{ratio} | {events} |")
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
    print(f"log-log slope, seti-stream events CPU: {slope([(r['hits_per_scan'], r['ours_cpu_s']) for r in results])}")
    print(f"log-log slope, turboSETI process: {slope([(r['hits_per_scan'], r['turboseti_s']) for r in results])}")
    print()
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
