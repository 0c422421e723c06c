"""``seti-stream produce``: send hits to Kafka topic ``seti.hits``.

Replays a .dat list in cadence order, watches a folder for new .dat files, or
sends a seeded synthetic night (see `seti_stream.producer`).
"""

from __future__ import annotations

import argparse


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r} is invalid; must be > 0")
        return value
    return parse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "produce", help="send hits to Kafka: replay .dat lists, watch a folder or a synthetic night",
        description="Send turboSETI hits to Kafka as seti.hits records: each scan's hits, "
                    "then its scan_end record, keyed by cadence id, with acks=all.")
    parser.add_argument("--bootstrap-servers", required=True, metavar="H:P[,H:P]",
                        help="Kafka bootstrap servers")
    parser.add_argument("--topic", default="seti.hits", help="topic to send to (default: seti.hits)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dat-list", metavar="FILE.lst",
                        help="send the .dat files of a list, grouped into cadences by scan start time")
    source.add_argument("--watch", metavar="DIR",
                        help="send each new .dat file of DIR once it is complete (runs until stopped)")
    source.add_argument("--synthetic", action="store_true",
                        help="send a seeded synthetic night (with --seed, --cadences, --hits-per-scan)")
    parser.add_argument("--seed", type=int, default=1, help="synthetic: random seed (default: 1)")
    parser.add_argument("--cadences", type=_positive(int), default=1,
                        help="synthetic: number of cadences (default: 1)")
    parser.add_argument("--hits-per-scan", type=_positive(int), default=100,
                        help="synthetic: hits in each scan (default: 100)")
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--rate", type=_positive(float), metavar="HITS_PER_S",
                      help="send at most this many hit records per second")
    pace.add_argument("--realtime", action="store_true",
                      help="send each scan as long after the first as their start times differ")
    parser.add_argument("--number-in-cadence", type=_positive(int), default=6,
                        help="scans per cadence (default: 6)")
    parser.add_argument("--on-off-first", choices=("ON", "OFF"), default="ON",
                        help="whether a cadence's first scan is ON or OFF (default: ON)")
    parser.add_argument("--on-source", metavar="NAME",
                        help="decide ON/OFF by source name instead of position")
    parser.add_argument("--state-file", default=None, metavar="PATH",
                        help="watch: where sent files are remembered (default: DIR/.seti-produce-state.json)")
    parser.add_argument("--settle-s", type=_positive(float), default=5.0,
                        help="watch: seconds a file must stay unchanged before it is sent (default: 5)")
    parser.add_argument("--cadence-gap-s", type=_positive(float), default=1800.0,
                        help="watch: a scan starting this many seconds after the previous one starts "
                             "a new cadence (default: 1800)")
    parser.set_defaults(run=run)


def run(args) -> int:
    from seti_stream.cli import UsageError
    from seti_stream.cadence import CadenceError
    from seti_stream.datfile import DatParseError
    from seti_stream.producer import FolderWatcher, HitSender, produce_dat_list, produce_synthetic

    sender = HitSender(args.bootstrap_servers, args.topic, rate=args.rate)
    try:
        if args.dat_list:
            produce_dat_list(sender, args.dat_list, args.number_in_cadence, args.on_off_first,
                             args.on_source, realtime=args.realtime)
        elif args.synthetic:
            produce_synthetic(sender, args.seed, args.cadences, args.hits_per_scan,
                              realtime=args.realtime)
        else:
            state_file = args.state_file or f"{args.watch.rstrip('/')}/.seti-produce-state.json"
            FolderWatcher(sender, args.watch, state_file, args.number_in_cadence,
                          args.on_off_first, args.on_source, args.settle_s,
                          args.cadence_gap_s).run()
    except (CadenceError, DatParseError) as error:
        raise UsageError(str(error)) from None
    finally:
        sender.close()
    return 0
