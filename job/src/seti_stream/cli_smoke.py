"""``seti-stream smoke``: check this version's stream against its own batch event finder.

The deploy runs it with the new version's venv before switching to it (see
:mod:`seti_stream.detector.smoke`). Exit code 0 when the level-3 anomalies of
the seeded night equal the `events` output, 1 when they differ or the query
fails, 2 when the options would touch the production topics or keyspace.
"""

from __future__ import annotations

import argparse
import sys

from seti_stream.detector.smoke import SmokeOptions

_DEFAULTS = SmokeOptions()


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "smoke", help="check this version's stream on a seeded night against its `events` output",
        description="Send a seeded synthetic night to a smoke topic, run this version's streaming "
                    "query on it in Spark local mode into a smoke keyspace, and compare the "
                    "level-3 anomalies with the batch event finder on the same cadences.")
    parser.add_argument("--config", metavar="FILE.toml",
                        help="the detector's settings file; the smoke check uses its hosts, "
                             "thresholds and Spark settings")
    parser.add_argument("--seed", type=int, default=_DEFAULTS.seed,
                        help=f"seed of the synthetic night (default: {_DEFAULTS.seed})")
    parser.add_argument("--cadences", type=int, default=_DEFAULTS.cadences,
                        help=f"cadences in the night (default: {_DEFAULTS.cadences})")
    parser.add_argument("--hits-per-scan", type=int, default=_DEFAULTS.hits_per_scan,
                        help=f"hits in each scan (default: {_DEFAULTS.hits_per_scan})")
    parser.add_argument("--topic", default=_DEFAULTS.hits_topic,
                        help=f"smoke hits topic (default: {_DEFAULTS.hits_topic})")
    parser.add_argument("--anomalies-topic", default=_DEFAULTS.anomalies_topic,
                        help=f"smoke anomalies topic (default: {_DEFAULTS.anomalies_topic})")
    parser.add_argument("--keyspace", default=_DEFAULTS.keyspace,
                        help=f"smoke keyspace, emptied at the start (default: {_DEFAULTS.keyspace})")
    parser.add_argument("--timeout", type=float, default=_DEFAULTS.timeout_s, metavar="SECONDS",
                        help=f"seconds the query may take (default: {_DEFAULTS.timeout_s:.0f})")
    parser.add_argument("--work-dir", metavar="DIR",
                        help="parent of the smoke query's temporary checkpoint directory")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from seti_stream.cli import UsageError
    from seti_stream.detector.settings import load_settings
    from seti_stream.detector.smoke import isolation_errors, run_smoke

    try:
        production = load_settings(args.config)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read --config {args.config}: {exc}") from exc
    options = SmokeOptions(seed=args.seed, cadences=args.cadences,
                           hits_per_scan=args.hits_per_scan, hits_topic=args.topic,
                           anomalies_topic=args.anomalies_topic, keyspace=args.keyspace,
                           timeout_s=args.timeout, work_dir=args.work_dir)
    errors = isolation_errors(production, options)
    if errors:
        raise UsageError("; ".join(errors))

    try:
        result = run_smoke(production, options)
    except Exception as exc:  # Kafka, Cassandra and Spark errors alike end the check.
        print(f"smoke check of {production.pipeline_version} failed: {exc} (Kafka "
              f"{production.kafka_bootstrap_servers}, Cassandra {','.join(production.cassandra_hosts)}); "
              "check that both are reachable from this host", file=sys.stderr)
        return 1
    if not result.passed:
        print(f"smoke check of {production.pipeline_version} failed: "
              f"{len(result.differences)} difference(s) between the stream and `events`:",
              file=sys.stderr)
        for line in result.differences:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"smoke check of {production.pipeline_version} passed: {len(result.found)} level-3 "
          f"event(s) in {args.cadences} cadence(s) equal the `events` output for seed {args.seed}")
    return 0
