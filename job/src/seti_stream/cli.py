"""Command line of seti-stream: ``seti-stream COMMAND [options]``.

Each subcommand lives in its own module with a ``register(subparsers)`` function that
adds its parser and sets ``run`` (a function of the parsed arguments that returns an
exit code). Adding a subcommand is one line in COMMAND_MODULES. Modules import heavy
dependencies (numpy, pyspark, drivers) inside ``run`` so that ``--help`` and the other
commands start fast.

Exit codes: 0 success, 1 failure while running, 2 invalid usage or input.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from seti_stream import __version__
from seti_stream.logs import get_logger, setup_logging

COMMAND_MODULES = (
    "seti_stream.cli_events",
    "seti_stream.cli_produce",
    "seti_stream.cli_detect",
    "seti_stream.cli_schema",
    "seti_stream.cli_anomalies",
    "seti_stream.cli_smoke",
)

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

log = get_logger(__name__)


class UsageError(Exception):
    """Invalid command line or input; main prints it and exits with code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="seti-stream",
        description="Streaming technosignature candidate detector for turboSETI hits.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_log_level(parser, default=None)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    # Accept --log-level after the subcommand too; there it overrides the global one.
    for subparser in subparsers.choices.values():
        _add_log_level(subparser, default=argparse.SUPPRESS)
    return parser


def _add_log_level(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("--log-level", default=default, metavar="LEVEL",
                        help="log level: DEBUG, INFO, WARNING or ERROR (default: "
                             "$SETI_STREAM_LOG_LEVEL or INFO)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        setup_logging(args.log_level)
    except ValueError as exc:
        parser.error(f"argument --log-level: {exc}")
    try:
        return int(args.run(args) or EXIT_OK)
    except UsageError as exc:
        print(f"seti-stream {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        log.warning("%s interrupted", args.command)
        return 130


if __name__ == "__main__":
    # Run the imported module's main, so that subcommand modules and this entry point
    # share one UsageError class (under -m this file is also loaded as __main__).
    from seti_stream.cli import main as package_main

    sys.exit(package_main())
