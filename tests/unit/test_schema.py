"""CQL schema statements of the keyspace."""

import pytest

from seti_stream.schema import TABLES, replication_cql, schema_statements

SIMPLE = {"class": "SimpleStrategy", "replication_factor": 1}


def test_one_statement_per_table_and_keyspace():
    statements = schema_statements("seti", SIMPLE)

    assert len(statements) == 1 + len(TABLES)
    assert statements[0].startswith("CREATE KEYSPACE IF NOT EXISTS seti")
    for table in TABLES:
        assert any(f"CREATE TABLE IF NOT EXISTS seti.{table} (" in s for s in statements), table


def test_every_statement_idempotent():
    for statement in schema_statements("seti", SIMPLE):
        assert "IF NOT EXISTS" in statement


def test_replication_rendered():
    statement = schema_statements("smoke_ks", '{"class": "NetworkTopologyStrategy", "dc1": 3}')[0]

    assert "{'class': 'NetworkTopologyStrategy', 'dc1': '3'}" in statement
    assert "smoke_ks" in statement


def test_keyspace_name_checked():
    with pytest.raises(ValueError, match="invalid keyspace"):
        schema_statements("seti; DROP KEYSPACE x", SIMPLE)


def test_replication_without_class_rejected():
    with pytest.raises(ValueError, match="class"):
        replication_cql({"replication_factor": 1})


def test_every_table_carries_pipeline_version():
    for statement in schema_statements("seti", SIMPLE)[1:]:
        assert "pipeline_version text" in statement
