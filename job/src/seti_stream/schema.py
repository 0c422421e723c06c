"""Cassandra schema of the keyspace the detector writes (`seti-stream schema`).

The CQL lives in ``cql/schema.cql`` inside the package; this module fills in
the keyspace name and replication and applies each statement with the driver.
Every statement is idempotent, so the detector role applies it on each run.
"""

from __future__ import annotations

import json
import logging
import re
from importlib import resources

log = logging.getLogger(__name__)

TABLES = ("hits", "scans", "cadences", "anomalies", "rejected_hits")
_KEYSPACE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,47}$")


def replication_cql(replication: dict | str) -> str:
    """Render a replication map as CQL, e.g. ``{'class': 'SimpleStrategy', ...}``."""
    if isinstance(replication, str):
        replication = json.loads(replication)
    if "class" not in replication:
        raise ValueError(f"replication {replication!r} has no 'class'")
    items = ", ".join(f"'{key}': '{value}'" for key, value in replication.items())
    return "{" + items + "}"


def schema_statements(keyspace: str, replication: dict | str) -> list[str]:
    """Return the CQL statements that create `keyspace` and its tables."""
    if not _KEYSPACE_NAME.match(keyspace):
        raise ValueError(f"invalid keyspace name {keyspace!r}: letters, digits and _ only")

    text = resources.files("seti_stream").joinpath("cql/schema.cql").read_text()
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    text = text.replace("{keyspace}", keyspace).replace("{replication}", replication_cql(replication))
    return [statement.strip() for statement in text.split(";") if statement.strip()]


def existing_tables(session, keyspace: str) -> set[str]:
    rows = session.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,))
    return {row["table_name"] if isinstance(row, dict) else row.table_name for row in rows}


def apply_schema(session, keyspace: str, replication: dict | str) -> list[str]:
    """Create the keyspace and its tables where they do not exist; return the tables created."""
    before = existing_tables(session, keyspace)
    for statement in schema_statements(keyspace, replication):
        session.execute(statement, timeout=60)
    created = [table for table in TABLES if table not in before]
    log.info("schema applied: keyspace %s, tables %s; created: %s", keyspace, ", ".join(TABLES),
             ", ".join(created) or "none")
    return created
