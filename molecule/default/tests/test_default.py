"""Verify lab hosts as Molecule reaches them: own identity, systemd, sshd, isolation."""

import time


def test_hostname_is_the_inventory_name(host):
    expected = host.backend.get_hostname()
    assert host.check_output("hostname") == expected


def test_systemd_is_running(host):
    assert host.run("systemctl is-system-running").stdout.strip() == "running"


def test_sshd_is_active(host):
    assert host.service("ssh").is_running


def test_opt_marker_is_only_this_hosts(host):
    expected = host.backend.get_hostname()
    assert host.file("/opt/lab-marker").content_string.strip() == expected


def test_probe_restarts_after_kill(host):
    before = int(host.check_output("systemctl show -p MainPID --value lab-probe"))
    assert before > 0
    host.run_test("kill -9 %s", str(before))
    deadline = time.monotonic() + 15
    after = 0
    while time.monotonic() < deadline:
        after = int(host.check_output("systemctl show -p MainPID --value lab-probe"))
        if after not in (0, before):
            break
        time.sleep(0.2)
    assert after not in (0, before)
    assert host.service("lab-probe").is_running
