"""Fabric tasks: ad-hoc operator commands over the hosts of the Ansible inventory.

    .venv/bin/fab status [--inventory inventory/lab] [--group all]
    .venv/bin/fab logs [--unit seti-detector.service] [--lines 100] [--since "1 hour ago"]
    .venv/bin/fab detector-stop | detector-start | detector-restart
    .venv/bin/fab anomalies [--since 2026-01-01T00:00:00] [--output-format table]

Hosts, addresses, SSH users, keys and known_hosts files come from
`ansible-inventory -i DIR --list`, with the inventory's Jinja expressions
resolved the way Ansible resolves them. Host keys are checked strictly: a host
missing from the known_hosts file or presenting another key is rejected.
The detector's paths (unit, stop marker, status file, current link) are read
from roles/detector_lifecycle/defaults/main.yml, so these tasks and the
playbooks use the same names. Inventory variables of the same name override them.
"""

import functools
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import paramiko
import yaml
from fabric import Config, Connection, task
from invoke.exceptions import Exit

REPO_ROOT = Path(__file__).resolve().parent
DEFAULT_INVENTORY = os.environ.get("SETI_INVENTORY", str(REPO_ROOT / "inventory" / "lab"))
LIFECYCLE_DEFAULTS = REPO_ROOT / "roles" / "detector_lifecycle" / "defaults" / "main.yml"
ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"
CONNECT_TIMEOUT = 10
# Unit name patterns that `status` lists: the services this project's roles install.
SERVICE_PATTERNS = ["seti-*", "kafka*", "cassandra*", "spark-*"]
# Variables the tasks read; only these are rendered, because other role
# defaults refer to play variables (playbook_dir) that do not exist here.
USED_VARIABLES = [
    "ansible_host",
    "ansible_port",
    "ansible_user",
    "ansible_ssh_private_key_file",
    "ansible_ssh_common_args",
    "seti_cluster_address",
    "detector_service_name",
    "detector_stop_marker",
    "detector_status_file",
    "detector_current_link",
]


@dataclass(frozen=True)
class Host:
    """A host of the inventory with the variables Fabric needs to reach it."""

    name: str
    address: str
    port: int
    user: str
    key_file: str | None
    known_hosts: str | None
    variables: dict


@functools.cache
def _init_ansible_plugins():
    from ansible.plugins.loader import init_plugin_loader

    init_plugin_loader()


def _resolve(variables, extra):
    """Return the used variables with their Jinja expressions rendered by Ansible's own templating."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    _init_ansible_plugins()

    def trust(value):
        if isinstance(value, str):
            return trust_as_template(value)
        if isinstance(value, dict):
            return {key: trust(item) for key, item in value.items()}
        if isinstance(value, list):
            return [trust(item) for item in value]
        return value

    context = {**trust(variables), **extra}
    templar = Templar(loader=DataLoader(), variables=context)
    return {key: templar.template(context[key]) for key in USED_VARIABLES if key in context}


def _known_hosts_from(ssh_args):
    """Return the UserKnownHostsFile named in ansible_ssh_common_args, or None."""
    words = shlex.split(ssh_args or "")
    for index, word in enumerate(words):
        option = word
        if word == "-o" and index + 1 < len(words):
            option = words[index + 1]
        if option.lower().startswith("userknownhostsfile="):
            return option.split("=", 1)[1]
    return None


def read_inventory(inventory, group):
    """Return the hosts of group in the inventory directory, sorted by name."""
    completed = subprocess.run(
        [str(ANSIBLE_INVENTORY), "-i", str(inventory), "--list"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if completed.returncode != 0:
        raise Exit(f"ansible-inventory failed for {inventory}: {completed.stderr.strip()}", code=1)
    listing = json.loads(completed.stdout)

    names = _group_hosts(listing, group)
    if not names:
        raise Exit(f"group {group!r} has no hosts in {inventory}", code=1)

    inventory_dir = str(Path(inventory).resolve() if Path(inventory).is_dir() else Path(inventory).resolve().parent)
    defaults = yaml.safe_load(LIFECYCLE_DEFAULTS.read_text())
    hosts = []
    for name in sorted(names):
        raw = {**defaults, **listing["_meta"]["hostvars"].get(name, {})}
        variables = _resolve(raw, {"inventory_hostname": name, "inventory_dir": inventory_dir, "groups": {}})
        hosts.append(
            Host(
                name=name,
                address=str(variables.get("ansible_host", name)),
                port=int(variables.get("ansible_port", 22)),
                user=str(variables.get("ansible_user", "root")),
                key_file=variables.get("ansible_ssh_private_key_file"),
                known_hosts=_known_hosts_from(variables.get("ansible_ssh_common_args")),
                variables=variables,
            )
        )
    return hosts


def _group_hosts(listing, group):
    """Return the names of the hosts in group and its child groups."""
    if group == "all":
        return set(listing["_meta"]["hostvars"])
    entry = listing.get(group)
    if entry is None:
        return set()
    names = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        names |= _group_hosts(listing, child)
    return names


def connect(host):
    """Open an SSH connection that rejects unknown hosts and changed host keys."""
    config = Config(overrides={"load_ssh_configs": False, "timeouts": {"connect": CONNECT_TIMEOUT}})
    connection = Connection(
        host.address,
        user=host.user,
        port=host.port,
        config=config,
        connect_kwargs={
            "key_filename": host.key_file,
            "look_for_keys": host.key_file is None,
            "allow_agent": host.key_file is None,
        },
    )
    # Fabric accepts unknown host keys by default; replace that with strict checking.
    connection.client.set_missing_host_key_policy(paramiko.RejectPolicy())
    if host.known_hosts:
        connection.client.load_host_keys(os.path.expanduser(host.known_hosts))
    else:
        connection.client.load_system_host_keys()
    return connection


def _run_on_hosts(inventory, group, action):
    """Call action(connection, host) on each host of group; exit 1 if any host failed."""
    failures = []
    for host in read_inventory(inventory, group):
        try:
            with connect(host) as connection:
                action(connection, host)
        except paramiko.BadHostKeyException as error:
            failures.append(host.name)
            print(f"[{host.name}] host key mismatch for {host.address}: the host presented "
                  f"{error.key.get_name()} {error.key.get_base64()[:16]}..., known_hosts has another key; "
                  "connection rejected", file=sys.stderr)
        except paramiko.SSHException as error:
            failures.append(host.name)
            print(f"[{host.name}] SSH to {host.address} failed: {error}", file=sys.stderr)
        except (OSError, TimeoutError) as error:
            failures.append(host.name)
            print(f"[{host.name}] connection to {host.address}:{host.port} failed: {error}", file=sys.stderr)
        except _HostError as error:
            failures.append(host.name)
            print(f"[{host.name}] {error}", file=sys.stderr)
    if failures:
        raise Exit(f"failed on {len(failures)} host(s): {', '.join(failures)}", code=1)


class _HostError(Exception):
    """A task's command failed on one host; the message names the command and the error."""


def _run(connection, command, host, check=True):
    result = connection.run(command, hide=True, warn=True, in_stream=False)
    if check and result.exited != 0:
        raise _HostError(f"`{command}` failed with exit code {result.exited}: {result.stderr.strip()}")
    return result


def _print(host, text):
    for line in text.rstrip("\n").splitlines():
        print(f"[{host.name}] {line}")


def _unit_state(connection, host):
    unit = shlex.quote(host.variables["detector_service_name"])
    return _run(connection, f"systemctl show --property=ActiveState --value {unit}", host).stdout.strip()


def _service_states(connection, host):
    """Return (unit, ActiveState, SubState) of each installed unit matching SERVICE_PATTERNS."""
    patterns = " ".join(shlex.quote(pattern) for pattern in SERVICE_PATTERNS)
    files = _run(connection, f"systemctl list-unit-files --type=service --no-legend --plain {patterns}", host,
                 check=False)
    units = [line.split()[0] for line in files.stdout.splitlines() if line.strip()]
    if not units:
        return []
    shown = _run(connection, "systemctl show --property=Id,ActiveState,SubState "
                 + " ".join(shlex.quote(unit) for unit in units), host)
    states = []
    for block in shown.stdout.strip().split("\n\n"):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        states.append((fields.get("Id", "?"), fields.get("ActiveState", "?"), fields.get("SubState", "?")))
    return states


@task
def status(context, inventory=DEFAULT_INVENTORY, group="all"):
    """Show each host's systemd state, uptime and the project's services."""

    def show(connection, host):
        system = _run(connection, "systemctl is-system-running", host, check=False).stdout.strip()
        uptime = _run(connection, "uptime", host).stdout.strip()
        _print(host, f"address {host.address}, systemd {system}, {uptime}")
        for unit, active, sub in _service_states(connection, host):
            _print(host, f"  {unit}: {active} ({sub})")
        current = _run(connection, f"readlink {shlex.quote(host.variables['detector_current_link'])}", host, check=False)
        if current.exited == 0:
            _print(host, f"  detector version: {Path(current.stdout.strip()).name}")
            state = _run(connection, f"cat {shlex.quote(host.variables['detector_status_file'])}", host, check=False)
            if state.exited == 0:
                _print(host, f"  detector status: {state.stdout.strip()}")

    _run_on_hosts(inventory, group, show)


@task
def logs(context, inventory=DEFAULT_INVENTORY, group="detector", unit="", lines=100, since=""):
    """Print a unit's journal on each host (default: the detector unit, last 100 lines)."""

    def show(connection, host):
        name = unit or host.variables["detector_service_name"]
        command = f"journalctl --no-pager --output=short-iso --unit {shlex.quote(name)} --lines {int(lines)}"
        if since:
            command += f" --since {shlex.quote(since)}"
        _print(host, _run(connection, command, host).stdout or "(no journal entries)")

    _run_on_hosts(inventory, group, show)


def _stop_detector(connection, host, timeout):
    """Stop the detector gracefully through its stop marker; fall back to systemctl stop."""
    variables = host.variables
    unit = shlex.quote(variables["detector_service_name"])
    marker = shlex.quote(variables["detector_stop_marker"])

    if _unit_state(connection, host) in ("inactive", "failed"):
        _print(host, f"{variables['detector_service_name']} is not running")
        return

    _run(connection, f"mkdir -p $(dirname {marker}) && echo 'stop requested by fab' > {marker}", host)
    try:
        deadline = time.monotonic() + timeout
        while _unit_state(connection, host) not in ("inactive", "failed"):
            if time.monotonic() >= deadline:
                _print(host, f"WARNING: no stop within {timeout} s of the stop marker; stopping the unit with systemctl")
                _run(connection, f"systemctl stop {unit}", host)
                break
            time.sleep(1)
    finally:
        _run(connection, f"rm -f {marker}", host)
    _print(host, f"{variables['detector_service_name']} stopped")


def _start_detector(connection, host):
    variables = host.variables
    current = shlex.quote(variables["detector_current_link"])
    if _run(connection, f"test -L {current}", host, check=False).exited != 0:
        raise _HostError(f"{variables['detector_current_link']} is missing: no detector version to start; "
                         "deploy one with playbooks/deploy.yml")
    _run(connection, f"rm -f {shlex.quote(variables['detector_stop_marker'])}", host)
    _run(connection, f"systemctl start {shlex.quote(variables['detector_service_name'])}", host)
    _print(host, f"{variables['detector_service_name']} {_unit_state(connection, host)}")


@task(name="detector-stop")
def detector_stop(context, inventory=DEFAULT_INVENTORY, group="detector", timeout=600):
    """Stop the detector gracefully: its query ends after the running micro-batch."""
    _run_on_hosts(inventory, group, lambda connection, host: _stop_detector(connection, host, float(timeout)))


@task(name="detector-start")
def detector_start(context, inventory=DEFAULT_INVENTORY, group="detector"):
    """Start the current detector version."""
    _run_on_hosts(inventory, group, _start_detector)


@task(name="detector-restart")
def detector_restart(context, inventory=DEFAULT_INVENTORY, group="detector", timeout=600):
    """Stop the detector gracefully, then start it again."""

    def restart(connection, host):
        _stop_detector(connection, host, float(timeout))
        _start_detector(connection, host)

    _run_on_hosts(inventory, group, restart)


@task
def anomalies(context, inventory=DEFAULT_INVENTORY, group="detector", since="", output_format="table"):
    """Print the anomalies table, queried on the detector host with its own seti-stream."""
    # NOTE: relies on `seti-stream anomalies` of the deployed version; not yet run against a real detector.
    cassandra = read_inventory(inventory, "cassandra")[0]
    cassandra_address = cassandra.variables.get("seti_cluster_address", cassandra.address)

    def show(connection, host):
        command = (
            f"{shlex.quote(host.variables['detector_current_link'])}/bin/seti-stream anomalies "
            f"--cassandra {shlex.quote(str(cassandra_address))} --format {shlex.quote(output_format)}"
        )
        if since:
            command += f" --since {shlex.quote(since)}"
        print(_run(connection, command, host).stdout, end="")

    _run_on_hosts(inventory, group, show)
