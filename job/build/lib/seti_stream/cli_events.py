"""``seti-stream events``: batch event finding over a list of ``.dat`` files.

The same rules as the streaming detector (:mod:`seti_stream.events`). Defaults are
turboSETI 2.3.2's: filter 3, no SNR cut, no drift limits, zero drift dropped.
"""

from __future__ import annotations

import argparse
import math
import sys


def _non_negative_number(option: str):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number; give a value like 10") from None
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"{text!r} is invalid; {option} must be a finite number >= 0")
        return value
    return parse


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; a standard cadence has 6 scans") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is invalid; the number of scans must be >= 1")
    return value


def _on_off(text: str) -> str:
    value = text.strip().upper()
    if value not in ("ON", "OFF"):
        raise argparse.ArgumentTypeError(f"{text!r} is invalid; use ON or OFF")
    return value


def _source_name(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the source name is empty; give the target's name as in the .dat header")
    return text.strip()


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "events", help="find events in a list of turboSETI .dat files (batch)",
        description="Find drifting narrowband events in cadences of turboSETI .dat files with "
                    "turboSETI 2.3.2's filter levels, and write turboSETI's event table plus "
                    "event id, seed hit id and level as CSV.")
    parser.add_argument("--dat-list", required=True, metavar="FILE.lst",
                        help="list of .dat files, one per line, paths relative to the list file; "
                             "order does not matter (scans are sorted by MJD)")
    parser.add_argument("--filter-threshold", type=int, choices=(1, 2, 3), default=3,
                        help="1: ON hits passing the SNR and drift cuts; 2: and no OFF hit in range; "
                             "3: and present in every ON scan (default: 3)")
    parser.add_argument("--snr-cut", type=_non_negative_number("--snr-cut"), default=None, metavar="X",
                        help="keep ON hits with SNR > X (default: no cut)")
    parser.add_argument("--min-drift-rate", type=_non_negative_number("--min-drift-rate"), default=None,
                        metavar="X", help="keep ON hits with |drift| > X Hz/s (default: no limit)")
    parser.add_argument("--max-drift-rate", type=_non_negative_number("--max-drift-rate"), default=None,
                        metavar="X", help="keep ON hits with |drift| < X Hz/s (default: no limit)")
    parser.add_argument("--check-zero-drift", action="store_true",
                        help="keep ON hits whose drift is exactly 0 Hz/s (dropped by default)")
    parser.add_argument("--on-off-first", type=_on_off, default=None, metavar="ON|OFF",
                        help="whether the first scan of each time-sorted cadence is ON or OFF (default: ON)")
    parser.add_argument("--on-source", type=_source_name, default=None, metavar="NAME",
                        help="decide ON/OFF by source name instead of position: scans of NAME are ON")
    parser.add_argument("--number-in-cadence", type=_positive_int, default=6, metavar="N",
                        help="scans per cadence (default: 6)")
    parser.add_argument("--out", default="-", metavar="FILE.csv",
                        help="CSV output file (default: standard output)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from seti_stream.batch import find_events, format_csv
    from seti_stream.cadence import CadenceError, read_cadences
    from seti_stream.cli import UsageError
    from seti_stream.datfile import DatParseError
    from seti_stream.events import EventParams
    from seti_stream.logs import get_logger

    log = get_logger("cli_events")
    if args.on_source is not None and args.on_off_first is not None:
        raise UsageError("--on-source and --on-off-first both decide which scans are ON; give only one")
    try:
        params = EventParams(filter_threshold=args.filter_threshold, snr_cut=args.snr_cut,
                             min_drift_rate=args.min_drift_rate, max_drift_rate=args.max_drift_rate,
                             check_zero_drift=args.check_zero_drift)
    except ValueError as exc:
        raise UsageError(f"{exc}; fix --min-drift-rate or --max-drift-rate") from None

    try:
        cadences = read_cadences(args.dat_list, number_in_cadence=args.number_in_cadence,
                                 on_off_first=args.on_off_first or "ON", on_source=args.on_source,
                                 require_whole=args.filter_threshold > 1)
    except (CadenceError, DatParseError) as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot read {exc.filename}: {exc.strerror}") from None

    result = find_events(cadences, params)
    text = format_csv(result.rows)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        try:
            with open(args.out, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write --out {args.out}: {exc.strerror}") from None
    log.info("%s: %d cadence(s), filter %d: %d row(s), %d event(s), written to %s",
             args.dat_list, len(cadences), params.filter_threshold, len(result.rows),
             len(result.event_ids), "standard output" if args.out == "-" else args.out)
    return 0
