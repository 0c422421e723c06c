"""``seti-stream detect``: the streaming detector's entry point (Spark driver).

Runs in the foreground until the stop marker appears, ``--exit-after`` passes
or the query fails (exit code 1, so systemd restarts it).
"""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "detect", help="run the streaming detector (Kafka -> Spark -> Cassandra)",
        description="Run the Spark Structured Streaming detector with the settings of a TOML file.")
    parser.add_argument("--config", metavar="FILE.toml",
                        help="settings file (default: every setting at its default)")
    parser.add_argument("--exit-after", type=float, metavar="SECONDS",
                        help="stop gracefully after this many seconds (tests, benchmarks)")
    parser.add_argument("--pipeline-version", help="override the settings' pipeline_version")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from seti_stream.detector.job import run as run_detector
    from seti_stream.detector.settings import load_settings

    settings = load_settings(args.config, pipeline_version=args.pipeline_version)
    return run_detector(settings, exit_after_s=args.exit_after)
