"""Command line of the lab: ``python -m tests.lab up|down|status``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from tests.lab.core import REPO_ROOT, Lab, LabError, LabHost, hosts_from_inventory

INVENTORIES = {"default": REPO_ROOT / "inventory" / "lab", "cluster": REPO_ROOT / "inventory" / "lab-cluster"}


def parse_host(value: str) -> LabHost:
    name, sep, index = value.partition("=")
    if not sep or not index.isdigit():
        raise argparse.ArgumentTypeError(f"invalid --host {value!r}: expected NAME=INDEX, e.g. kafka-1=11")
    try:
        return LabHost(name, int(index))
    except LabError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.lab", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every command run")
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start lab hosts; healthy ones of this checkout are kept")
    source = up.add_mutually_exclusive_group()
    source.add_argument("--set", choices=sorted(INVENTORIES), help="a host set: default or cluster")
    source.add_argument("--inventory", type=Path, help="an inventory directory whose hosts.yml has lab_index")
    source.add_argument("--host", type=parse_host, action="append", help="NAME=INDEX, repeatable")

    down = commands.add_parser("down", help="remove lab hosts (all of them unless --host is given)")
    down.add_argument("--host", action="append", help="a host name, repeatable")
    down.add_argument("--quiet", action="store_true", help="print nothing when there is nothing to remove")

    commands.add_parser("status", help="list this lab's hosts and whether they answer")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        lab = Lab()
        if args.command == "up":
            if args.host:
                hosts = args.host
            else:
                hosts = hosts_from_inventory(args.inventory or INVENTORIES[args.set or "default"])
            started = time.monotonic()
            addresses = lab.up(hosts)
            for name, address in addresses.items():
                print(f"{name}\t{address}")
            print(f"lab {lab.name}: {len(addresses)} hosts up in {time.monotonic() - started:.1f} s "
                  f"(ssh config: {lab.ssh_dir / 'config'})")
        elif args.command == "down":
            started = time.monotonic()
            before = lab.known_host_names()
            lab.down(args.host)
            if before or not args.quiet:
                print(f"lab {lab.name}: down in {time.monotonic() - started:.1f} s")
        else:
            for row in lab.status():
                print(f"{row['name']}\t{row['address']}\t{row['state']}")
    except LabError as error:
        print(f"lab error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
