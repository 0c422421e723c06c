"""The lab over real SSH: identity, systemd, sshd, isolation, supervision, teardown.

These tests make their own lab (name ``labt``, network 10.213.9) so they never
touch the hosts of a running demo.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.lab.core import Lab, LabHost

pytestmark = pytest.mark.lab

HOSTS = [LabHost("kafka-1", 11), LabHost("cassandra-1", 21), LabHost("spark-1", 31)]


def ssh(lab: Lab, host: LabHost, command: str, check: bool = True) -> str:
    result = subprocess.run(lab.ssh_command(host, command), capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, f"{host.name}: {command}: {result.stderr}"
    return result.stdout.strip()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab(name="labt", net="10.213.9", state_dir=tmp_path_factory.mktemp("lab-state"))
    lab.up(HOSTS)
    yield lab
    lab.down()


@pytest.mark.parametrize("host", HOSTS, ids=lambda h: h.name)
def test_host_reports_its_own_hostname(lab, host):
    assert ssh(lab, host, "hostname") == host.name


@pytest.mark.parametrize("host", HOSTS, ids=lambda h: h.name)
def test_host_systemd_is_running(lab, host):
    assert ssh(lab, host, "systemctl is-system-running") == "running"


@pytest.mark.parametrize("host", HOSTS, ids=lambda h: h.name)
def test_host_sshd_is_active(lab, host):
    assert ssh(lab, host, "systemctl is-active ssh") == "active"


@pytest.mark.parametrize("host", HOSTS, ids=lambda h: h.name)
def test_host_init_is_systemd(lab, host):
    assert ssh(lab, host, "cat /proc/1/comm") == "systemd"


def test_opt_file_stays_on_its_host(lab):
    writer, *others = HOSTS
    ssh(lab, writer, "echo written-here > /opt/lab-isolation-check")
    assert ssh(lab, writer, "cat /opt/lab-isolation-check") == "written-here"
    for other in others:
        assert ssh(lab, other, "test -e /opt/lab-isolation-check && echo present || echo absent") == "absent"
    assert not Path("/opt/lab-isolation-check").exists()


def test_unknown_host_key_is_rejected(lab, tmp_path):
    host = HOSTS[0]
    empty_known_hosts = tmp_path / "known_hosts"
    empty_known_hosts.write_text("")
    command = [part.replace(str(lab.known_hosts), str(empty_known_hosts)) for part in lab.ssh_command(host, "true")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "Host key verification failed" in result.stderr


def test_restart_on_failure_unit_returns_after_kill(lab):
    host = HOSTS[1]
    ssh(lab, host, "printf '[Service]\\nExecStart=/bin/sleep infinity\\nRestart=on-failure\\nRestartSec=1\\n'"
                   " > /etc/systemd/system/lab-kill-check.service && systemctl daemon-reload"
                   " && systemctl start lab-kill-check")
    before = ssh(lab, host, "systemctl show -p MainPID --value lab-kill-check")
    assert int(before) > 0
    ssh(lab, host, f"kill -9 {before}")
    after = before
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        after = ssh(lab, host, "systemctl show -p MainPID --value lab-kill-check")
        if after not in ("0", before):
            break
        time.sleep(0.2)
    assert after not in ("0", before)
    assert ssh(lab, host, "systemctl is-active lab-kill-check") == "active"


def test_up_keeps_healthy_hosts(lab):
    before = {h.name: lab._read_host_state(h.name)["pid"] for h in HOSTS}
    lab.up(HOSTS)
    after = {h.name: lab._read_host_state(h.name)["pid"] for h in HOSTS}
    assert after == before


def test_up_recreates_a_half_made_host(lab):
    host = HOSTS[2]
    old_pid = lab._read_host_state(host.name)["pid"]
    os.kill(old_pid, 9)  # a crash: the host's init is gone, its files and namespace remain
    lab.up(HOSTS)
    new_pid = lab._read_host_state(host.name)["pid"]
    assert new_pid != old_pid
    assert ssh(lab, host, "systemctl is-system-running") == "running"


def test_up_recreates_a_host_left_by_another_checkout(tmp_path_factory):
    """A host under the lab's names but made by another checkout is replaced, not reused."""
    other = Lab(name="labo", net="10.213.10", state_dir=tmp_path_factory.mktemp("other-checkout"))
    mine = Lab(name="labo", net="10.213.10", state_dir=tmp_path_factory.mktemp("this-checkout"))
    host = LabHost("producer-1", 41)
    try:
        other.up([host])
        foreign_pid = other._read_host_state(host.name)["pid"]
        mine.up([host])
        assert not Path(f"/proc/{foreign_pid}").exists() or Lab._is_zombie(foreign_pid)
        assert ssh(mine, host, "hostname") == "producer-1"
    finally:
        mine.down()
        other.down()


def test_down_leaves_nothing_behind(tmp_path_factory):
    lab = Lab(name="labd", net="10.213.8", state_dir=tmp_path_factory.mktemp("down-state"))
    hosts = [LabHost("kafka-1", 11), LabHost("kafka-2", 12)]
    lab.up(hosts)
    inodes = {os.stat(f"/run/netns/{lab.netns(h)}").st_ino for h in hosts}
    init_pids = [lab._read_host_state(h.name)["pid"] for h in hosts]
    for host in hosts:
        ssh(lab, host, "systemd-run --unit=lab-straggler /bin/sleep 600")

    lab.down()

    assert not [n for n in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
                if n.startswith("labd-")]
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    assert "labd-" not in links
    assert "labd" not in Path("/proc/mounts").read_text()
    assert str(lab.state_dir) not in Path("/proc/mounts").read_text()
    assert not lab.cgroup_dir.exists()
    leftover_dirs = list(lab.hosts_dir.iterdir()) if lab.hosts_dir.exists() else []
    assert leftover_dirs == []
    alive_inits = [pid for pid in init_pids if Path(f"/proc/{pid}").exists() and not Lab._is_zombie(pid)]
    assert alive_inits == []
    leftovers = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if os.stat(proc / "ns" / "net").st_ino in inodes:
                    leftovers.append(proc.name)
            except OSError:
                continue
    assert leftovers == []
    neighbours = subprocess.run(["ip", "neigh", "show"], capture_output=True, text=True).stdout
    assert "10.213.8." not in neighbours
