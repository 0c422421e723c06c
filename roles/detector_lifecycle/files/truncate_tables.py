#!/usr/bin/env python3
"""Truncate the detector's Cassandra tables before a replay.

Run with the Python of a detector version's venv, which has cassandra-driver.
Tables that do not exist yet (a keyspace never written to) are skipped.
Cassandra's auto_snapshot, when enabled, keeps a copy of each truncated table.
Prints one JSON line with the truncated and skipped tables.
"""

import argparse
import json
import sys

from cassandra.cluster import Cluster


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", required=True, help="comma-separated Cassandra contact points")
    parser.add_argument("--port", type=int, default=9042, help="native protocol port")
    parser.add_argument("--keyspace", required=True)
    parser.add_argument("--tables", required=True, help="comma-separated table names")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per TRUNCATE")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    hosts = [host for host in args.hosts.split(",") if host]
    tables = [table for table in args.tables.split(",") if table]
    cluster = Cluster(hosts, port=args.port)
    try:
        session = cluster.connect()
        keyspace = cluster.metadata.keyspaces.get(args.keyspace)
        existing = set(keyspace.tables) if keyspace else set()
        truncated, skipped = [], []
        for table in tables:
            if table not in existing:
                skipped.append(table)
                continue
            session.execute(f'TRUNCATE "{args.keyspace}"."{table}"', timeout=args.timeout)
            truncated.append(table)
    finally:
        cluster.shutdown()
    print(json.dumps({"keyspace": args.keyspace, "truncated": truncated, "skipped": skipped}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
