"""Fixtures of the integration tests that need the converged lab stack."""

import pytest

from tests.integration.stack import converge


@pytest.fixture(scope="session")
def stack():
    """The lab stack converged by site.yml, shared by every test of the session."""
    return converge()


@pytest.fixture(scope="session")
def cassandra_session(stack):
    from cassandra.cluster import Cluster
    from cassandra.query import dict_factory

    cluster = Cluster([stack.cassandra], connect_timeout=30)
    session = cluster.connect("seti")
    session.row_factory = dict_factory
    session.default_timeout = 60
    yield session
    cluster.shutdown()
