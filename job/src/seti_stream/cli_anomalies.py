"""``seti-stream anomalies``: list the anomalies table, optionally plot them.

The plot has one panel per scan of each listed cadence (at most
`MAX_PLOTTED_CADENCES`): every hit as a line from its start frequency drifting
over the scan, event member hits marked.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime, timezone

COLUMNS = ("first_seen_at", "cadence_id", "event_id", "source", "level", "status",
           "frequency_mhz", "drift_rate_hz_per_s", "max_snr", "member_hit_ids",
           "reobserve_by", "updated_at", "pipeline_version")
MAX_PLOTTED_CADENCES = 4


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "anomalies", help="list the anomalies the detector found (and plot them)",
        description="Read the anomalies table of the detector's keyspace.")
    parser.add_argument("--cassandra", required=True, metavar="H[:P]",
                        help="Cassandra contact point(s), default port 9042")
    parser.add_argument("--keyspace", default="seti", help="keyspace (default: seti)")
    parser.add_argument("--since", type=_parse_time, metavar="T",
                        help="only anomalies updated at or after T (ISO 8601, UTC when no zone)")
    parser.add_argument("--pipeline-version", help="only rows of this pipeline version")
    parser.add_argument("--level", type=int, choices=(1, 2, 3), help="only this filter level")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="output format (default: table)")
    parser.add_argument("--plot", metavar="OUT.png",
                        help="also plot each cadence's hits per scan with the events marked")
    parser.set_defaults(run=run)


def fetch_anomalies(session, keyspace: str, since=None, pipeline_version=None, level=None) -> list[dict]:
    """Return anomaly rows, oldest first. NOTE: reads the whole table (no index by time)."""
    rows = []
    for row in session.execute(f"SELECT * FROM {keyspace}.anomalies"):
        row = dict(row)
        for key in ("first_seen_at", "updated_at", "reobserve_by"):
            if row.get(key) is not None and row[key].tzinfo is None:
                row[key] = row[key].replace(tzinfo=timezone.utc)
        if since and (row["updated_at"] is None or row["updated_at"] < since):
            continue
        if pipeline_version and row["pipeline_version"] != pipeline_version:
            continue
        if level and row["level"] != level:
            continue
        rows.append(row)
    rows.sort(key=lambda r: (r["first_seen_at"] or datetime.min.replace(tzinfo=timezone.utc),
                             r["cadence_id"], r["event_id"]))
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value)
    return str(value)


def format_rows(rows: list[dict], output_format: str) -> str:
    if output_format == "json":
        return json.dumps([{c: row.get(c) for c in COLUMNS} for row in rows], default=_cell, indent=1)
    table = [[_cell(row.get(c)) for c in COLUMNS] for row in rows]
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        writer.writerows(table)
        return buffer.getvalue()
    widths = [max([len(c)] + [len(r[i]) for r in table]) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in table]
    lines.append(f"({len(rows)} anomal{'y' if len(rows) == 1 else 'ies'})")
    return "\n".join(lines)


def plot_anomalies(session, keyspace: str, rows: list[dict], path: str) -> int:
    """Plot the hits of each cadence's scans with event members marked; return panels drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cadences = []
    for row in rows:
        key = (row["cadence_id"], row["pipeline_version"])
        if key not in cadences:
            cadences.append(key)
    cadences = cadences[:MAX_PLOTTED_CADENCES]
    members = {hit_id: row for row in rows for hit_id in row["member_hit_ids"] or []}

    scans_of = {}
    for cadence_id, version in cadences:
        scans_of[(cadence_id, version)] = list(session.execute(
            f"SELECT * FROM {keyspace}.scans WHERE cadence_id = %s AND pipeline_version = %s",
            (cadence_id, version)))
    columns = max((len(s) for s in scans_of.values()), default=1) or 1
    figure, axes = plt.subplots(max(len(cadences), 1), columns, squeeze=False,
                                figsize=(3.2 * columns, 3.0 * max(len(cadences), 1)))

    panels = 0
    for row_number, key in enumerate(cadences):
        for column, scan in enumerate(sorted(scans_of[key], key=lambda s: s["scan_index"])):
            axis = axes[row_number][column]
            hits = session.execute(
                f"SELECT hit_id, corrected_frequency_mhz, drift_rate_hz_per_s FROM {keyspace}.hits "
                "WHERE scan_id = %s AND pipeline_version = %s", (scan["scan_id"], key[1]))
            length = scan["obs_length_s"] or 300.0
            for hit in hits:
                start = hit["corrected_frequency_mhz"]
                end = start + hit["drift_rate_hz_per_s"] * length / 1e6
                member = hit["hit_id"] in members
                axis.plot([start, end], [0, length], color="red" if member else "0.6",
                          linewidth=2.0 if member else 0.8, zorder=3 if member else 1)
                if member:
                    axis.annotate(f"L{members[hit['hit_id']]['level']}", (start, 0), color="red",
                                  fontsize=7)
            kind = "ON" if scan["is_on_source"] else "OFF"
            axis.set_title(f"{scan['scan_index']} {kind} {scan['source'] or ''}", fontsize=8)
            axis.set_xlabel("frequency (MHz)", fontsize=7)
            axis.set_ylabel("time in scan (s)", fontsize=7)
            axis.tick_params(labelsize=6)
            panels += 1
    figure.suptitle("Hits per scan; event member hits in red", fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return panels


def run(args) -> int:
    from seti_stream.cli import UsageError
    from seti_stream.cli_schema import parse_contact_points
    from seti_stream.detector.store import connect

    try:
        hosts, port = parse_contact_points(args.cassandra)
    except ValueError as error:
        raise UsageError(str(error)) from None
    cluster, session = connect(hosts, port)
    try:
        rows = fetch_anomalies(session, args.keyspace, args.since, args.pipeline_version, args.level)
        sys.stdout.write(format_rows(rows, args.format) + "\n")
        if args.plot:
            panels = plot_anomalies(session, args.keyspace, rows, args.plot)
            print(f"plot: {args.plot} ({panels} scan panel(s))", file=sys.stderr)
    finally:
        cluster.shutdown()
    return 0
