"""Set the Cassandra superuser and disable the default one, idempotently.

Reads a JSON request on standard input (host, port, superuser, password,
datacenter, system_auth_replication_factor, timeout) and writes one JSON line:
{"changed": bool, "actions": [...]}. The password is never written out.

With PasswordAuthenticator a new ring has one superuser, cassandra with the
password cassandra, created about ten seconds after the first node starts.
The script logs in as the configured superuser when it can, and otherwise as
the default one, retrying until the timeout while the default role is not yet
created. It then:
  1. sets the configured password on `cassandra`, or, for another name,
     creates that role as a superuser, logs in as it and takes login and
     superuser status away from `cassandra`;
  2. sets system_auth to NetworkTopologyStrategy with the requested
     replication factor in the datacenter, so the roles survive a node loss.
     The output's replication_changed tells the caller to repair system_auth.
"""

import json
import re
import sys
import time

from cassandra import AuthenticationFailed
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable
from cassandra.policies import WhiteListRoundRobinPolicy

DEFAULT_SUPERUSER = "cassandra"
DEFAULT_PASSWORD = "cassandra"
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
RETRY_INTERVAL = 5


class SetupError(Exception):
    """The superuser could not be set; the message names the cause."""


def connect(request, username, password):
    """Open a session on the requested node only, as username."""
    cluster = Cluster(
        [request["host"]],
        port=request["port"],
        auth_provider=PlainTextAuthProvider(username=username, password=password),
        load_balancing_policy=WhiteListRoundRobinPolicy([request["host"]]),
        protocol_version=5,
        connect_timeout=15,
    )
    try:
        return cluster, cluster.connect()
    except Exception:
        cluster.shutdown()
        raise


def is_authentication_failure(error):
    """Tell a rejected login apart from a node that cannot be reached."""
    if isinstance(error, AuthenticationFailed):
        return True
    if isinstance(error, NoHostAvailable):
        return any(isinstance(cause, AuthenticationFailed) for cause in error.errors.values())
    return False


def login(request, allow_default=True):
    """Log in as the configured superuser, else as the default one.

    Returns (cluster, session, logged_in_as). Retries until the timeout
    while no login is accepted or the node cannot be reached.
    """
    candidates = [(request["superuser"], request["password"])]
    if allow_default and (request["superuser"], request["password"]) != (DEFAULT_SUPERUSER, DEFAULT_PASSWORD):
        candidates.append((DEFAULT_SUPERUSER, DEFAULT_PASSWORD))

    deadline = time.monotonic() + request["timeout"]
    while True:
        last_error = None
        for username, password in candidates:
            try:
                cluster, session = connect(request, username, password)
                return cluster, session, username
            except Exception as error:  # the driver raises several types
                last_error = error
                if not is_authentication_failure(error):
                    break
        if time.monotonic() >= deadline:
            tried = " nor ".join(repr(username) for username, _ in candidates)
            raise SetupError(
                f"no login accepted on {request['host']}:{request['port']} within "
                f"{request['timeout']} s as {tried}; last error: {type(last_error).__name__}"
            )
        time.sleep(RETRY_INTERVAL)


def read_role(session, name):
    """Return the system_auth.roles row of name, or None."""
    return session.execute(
        "SELECT role, is_superuser, can_login FROM system_auth.roles WHERE role = %s", (name,)
    ).one()


def ensure_superuser_role(session, request, logged_in_as, actions):
    """Set the configured superuser's password, creating the role if needed."""
    superuser = request["superuser"]
    if logged_in_as == superuser:
        return

    if superuser == DEFAULT_SUPERUSER:
        session.execute(f'ALTER ROLE "{superuser}" WITH PASSWORD = %s', (request["password"],))
        actions.append(f"changed the password of {superuser}")
    elif read_role(session, superuser) is None:
        session.execute(
            f'CREATE ROLE "{superuser}" WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = %s',
            (request["password"],),
        )
        actions.append(f"created the superuser {superuser}")
    else:
        session.execute(
            f'ALTER ROLE "{superuser}" WITH SUPERUSER = true AND LOGIN = true AND PASSWORD = %s',
            (request["password"],),
        )
        actions.append(f"set the password and superuser status of {superuser}")


def ensure_default_superuser_disabled(session, actions):
    """Take login and superuser status away from the default role."""
    default = read_role(session, DEFAULT_SUPERUSER)
    if default is not None and (default.is_superuser or default.can_login):
        session.execute(f'ALTER ROLE "{DEFAULT_SUPERUSER}" WITH SUPERUSER = false AND LOGIN = false')
        actions.append(f"disabled login and superuser status of {DEFAULT_SUPERUSER}")


def ensure_system_auth_replication(session, request, actions):
    """Set system_auth to NetworkTopologyStrategy with the requested factor.

    Returns True when the replication changed: the roles written before then
    are on the old replicas only until system_auth is repaired.
    """
    row = session.execute(
        "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'"
    ).one()
    wanted = {
        "class": "org.apache.cassandra.locator.NetworkTopologyStrategy",
        request["datacenter"]: str(request["system_auth_replication_factor"]),
    }
    if dict(row.replication) == wanted:
        return False

    session.execute(
        "ALTER KEYSPACE system_auth WITH replication = "
        "{'class': 'NetworkTopologyStrategy', %s: %s}",
        (request["datacenter"], request["system_auth_replication_factor"]),
    )
    actions.append(
        f"set the system_auth replication factor to {request['system_auth_replication_factor']} "
        f"in {request['datacenter']}"
    )
    return True


def run_setup(request):
    """Run the setup steps; return (actions, replication_changed)."""
    actions = []
    cluster, session, logged_in_as = login(request)
    try:
        ensure_superuser_role(session, request, logged_in_as, actions)
    finally:
        cluster.shutdown()

    # The default role cannot take superuser status away from itself, so the
    # rest runs in a session of the configured superuser.
    cluster, session, _ = login(request, allow_default=False)
    try:
        if request["superuser"] != DEFAULT_SUPERUSER:
            ensure_default_superuser_disabled(session, actions)
        # Changed last: until system_auth is repaired, reads of roles
        # written before may miss on the new replicas.
        replication_changed = ensure_system_auth_replication(session, request, actions)
    finally:
        cluster.shutdown()
    return actions, replication_changed


def main():
    request = json.load(sys.stdin)
    if not IDENTIFIER.match(request["superuser"]):
        raise SetupError(f"invalid superuser name {request['superuser']!r}: use letters, digits and _")

    actions, replication_changed = run_setup(request)
    print(json.dumps({"changed": bool(actions), "actions": actions, "replication_changed": replication_changed}))


if __name__ == "__main__":
    try:
        main()
    except SetupError as error:
        print(json.dumps({"changed": False, "actions": [], "replication_changed": False, "error": str(error)}))
        sys.exit(1)
