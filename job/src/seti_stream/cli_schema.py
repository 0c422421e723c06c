"""``seti-stream schema``: create the keyspace and tables where they do not exist."""

from __future__ import annotations

import json


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "schema", help="create the Cassandra keyspace and tables (idempotent)",
        description="Apply the detector's CQL schema: keyspace and tables, IF NOT EXISTS.")
    parser.add_argument("--cassandra", required=True, metavar="H[:P][,H[:P]]",
                        help="Cassandra contact points (default port 9042)")
    parser.add_argument("--keyspace", default="seti", help="keyspace name (default: seti)")
    parser.add_argument("--replication", default='{"class": "SimpleStrategy", "replication_factor": 1}',
                        metavar="JSON", help="replication map as JSON (default: SimpleStrategy, factor 1)")
    parser.add_argument("--print", action="store_true", dest="print_only",
                        help="print the CQL instead of applying it")
    parser.set_defaults(run=run)


def parse_contact_points(text: str) -> tuple[list[str], int]:
    """Split ``h1:9042,h2`` into hosts and one port (default 9042)."""
    hosts, ports = [], set()
    for item in text.split(","):
        host, _, port = item.strip().partition(":")
        hosts.append(host)
        ports.add(int(port) if port else 9042)
    if len(ports) > 1:
        raise ValueError(f"contact points {text!r} use different ports; the driver takes one")
    return hosts, ports.pop()


def run(args) -> int:
    from seti_stream.cli import UsageError
    from seti_stream.schema import apply_schema, schema_statements

    try:
        replication = json.loads(args.replication)
        statements = schema_statements(args.keyspace, replication)
        hosts, port = parse_contact_points(args.cassandra)
    except ValueError as error:
        raise UsageError(str(error)) from None

    if args.print_only:
        print(";\n\n".join(statements) + ";")
        return 0

    from seti_stream.detector.store import connect

    cluster, session = connect(hosts, port)
    try:
        created = apply_schema(session, args.keyspace, replication)
        session.cluster.control_connection.wait_for_schema_agreement()
    finally:
        cluster.shutdown()
    # One JSON line on stdout, so automation (the detector role) can tell a change.
    print(json.dumps({"keyspace": args.keyspace, "created": created}))
    return 0
