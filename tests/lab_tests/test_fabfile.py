"""fabfile.py over real SSH to lab hosts: status, logs, strict host keys, detector stop and start.

The detector job is not deployed here: detector-stop and detector-start act on
a stand-in seti-detector.service (tests/lab_tests/standin/) that keeps the
job's side of the stop-marker and status-file contract.
"""

import json
import shutil
import subprocess
import time

import pytest

from tests.lab_tests.fabric_lab import (
    DETECTOR,
    OTHER,
    fab,
    install_standin_unit,
    ssh,
    start_lab,
    write_inventory,
)

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fabric")
    lab = start_lab(root)
    inventory = write_inventory(root)
    install_standin_unit(lab, "/usr/bin/python3 /opt/seti-standin/seti_detector_standin.py run")
    ssh(lab, DETECTOR, "mkdir -p /opt/seti-stream/versions/standin && ln -sfn /opt/seti-stream/versions/standin /opt/seti-stream/current")
    yield lab, inventory
    lab.down()


def events(lab):
    return ssh(lab, DETECTOR, "cat /var/lib/seti-stream/standin-events.log", check=False).splitlines()


def wait_for_status(lab, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = ssh(lab, DETECTOR, "cat /var/lib/seti-stream/status.json", check=False)
        if text and json.loads(text)["query_active"]:
            return json.loads(text)
        time.sleep(1)
    raise AssertionError("stand-in wrote no active status within the timeout")


def test_status_reports_each_host(lab_root):
    lab, inventory = lab_root

    run = fab("status", "--inventory", str(inventory))

    assert run.returncode == 0, run.output
    assert f"[{DETECTOR.name}] address {lab.address(DETECTOR)}, systemd running" in run.stdout
    assert f"[{OTHER.name}] address {lab.address(OTHER)}, systemd running" in run.stdout
    assert f"[{DETECTOR.name}]   seti-detector.service: inactive" in run.stdout


def test_logs_reads_the_journal(lab_root):
    _, inventory = lab_root

    run = fab("logs", "--inventory", str(inventory), "--group", "all", "--unit", "ssh.service", "--lines", "20")

    assert run.returncode == 0, run.output
    for host in (DETECTOR, OTHER):
        lines = [line for line in run.stdout.splitlines() if line.startswith(f"[{host.name}]")]
        assert any("sshd" in line for line in lines), run.stdout


def test_host_key_mismatch_is_rejected(lab_root, tmp_path):
    lab, _ = lab_root
    inventory = write_inventory(tmp_path, hosts=(DETECTOR,))
    (tmp_path / ".lab" / "ssh").mkdir(parents=True)
    shutil.copy(lab.key_file, tmp_path / ".lab" / "ssh" / "id_ed25519")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "other_key")], check=True)
    other_key = " ".join((tmp_path / "other_key.pub").read_text().split()[:2])
    (tmp_path / ".lab" / "ssh" / "known_hosts").write_text(f"{lab.address(DETECTOR)} {other_key}\n")

    run = fab("status", "--inventory", str(inventory))

    assert run.returncode != 0
    assert f"[{DETECTOR.name}] host key mismatch for {lab.address(DETECTOR)}" in run.stderr
    assert "systemd running" not in run.stdout


def test_unknown_host_is_rejected(lab_root, tmp_path):
    lab, _ = lab_root
    inventory = write_inventory(tmp_path, hosts=(DETECTOR,))
    (tmp_path / ".lab" / "ssh").mkdir(parents=True)
    shutil.copy(lab.key_file, tmp_path / ".lab" / "ssh" / "id_ed25519")
    (tmp_path / ".lab" / "ssh" / "known_hosts").write_text("")

    run = fab("status", "--inventory", str(inventory))

    assert run.returncode != 0
    assert "not found in known_hosts" in run.stderr
    assert "systemd running" not in run.stdout


def test_detector_start_then_graceful_stop(lab_root):
    lab, inventory = lab_root

    start = fab("detector-start", "--inventory", str(inventory))
    status = wait_for_status(lab)
    stop = fab("detector-stop", "--inventory", str(inventory), "--timeout", "60")

    assert start.returncode == 0, start.output
    assert status["pipeline_version"] == "standin"
    assert stop.returncode == 0, stop.output
    assert ssh(lab, DETECTOR, "systemctl is-active seti-detector.service", check=False) == "inactive"
    assert events(lab)[-1].startswith("stopped-by-marker")
    assert not any(line.startswith("sigterm") for line in events(lab))
    assert ssh(lab, DETECTOR, "test -e /var/lib/seti-stream/stop-requested || echo absent", check=False) == "absent"


def test_detector_restart_starts_new_process(lab_root):
    lab, inventory = lab_root
    assert fab("detector-start", "--inventory", str(inventory)).returncode == 0
    wait_for_status(lab)
    first_pid = ssh(lab, DETECTOR, "systemctl show --property=MainPID --value seti-detector.service")

    run = fab("detector-restart", "--inventory", str(inventory), "--timeout", "60")

    assert run.returncode == 0, run.output
    assert ssh(lab, DETECTOR, "systemctl is-active seti-detector.service") == "active"
    assert ssh(lab, DETECTOR, "systemctl show --property=MainPID --value seti-detector.service") != first_pid
    assert any(line.startswith("stopped-by-marker") for line in events(lab))
    assert fab("detector-stop", "--inventory", str(inventory), "--timeout", "60").returncode == 0


def test_detector_start_without_version_fails(lab_root):
    lab, inventory = lab_root
    ssh(lab, DETECTOR, "mv /opt/seti-stream/current /opt/seti-stream/current.aside")
    try:
        run = fab("detector-start", "--inventory", str(inventory))
    finally:
        ssh(lab, DETECTOR, "mv /opt/seti-stream/current.aside /opt/seti-stream/current")

    assert run.returncode != 0
    assert "/opt/seti-stream/current is missing" in run.stderr
    assert ssh(lab, DETECTOR, "systemctl is-active seti-detector.service", check=False) == "inactive"
