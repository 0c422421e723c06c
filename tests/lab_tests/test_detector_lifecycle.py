"""deploy.yml, detector_stop.yml and detector_start.yml on a lab host, with a stand-in detector.

The real detector job is not deployed here. A throwaway Git repository contains
a package named seti-stream whose `seti-stream run` is the stand-in
(tests/lab_tests/standin/), so the playbooks build, install, smoke-check,
switch, health-check and roll back real versions over SSH. Truncate needs
Cassandra and is not covered here.
"""

import json
import subprocess

import pytest

from tests.integration.delivery import commit_file, git
from tests.lab_tests.fabric_lab import (
    DETECTOR,
    STANDIN,
    ansible_playbook,
    install_standin_unit,
    ssh,
    start_lab,
    write_inventory,
)

pytestmark = [pytest.mark.lab, pytest.mark.slow]

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "seti-stream"
version = "0.0.0"

[project.scripts]
seti-stream = "seti_detector_standin:main"

[tool.setuptools]
py-modules = ["seti_detector_standin"]
package-dir = {"" = "src"}
"""
CHECKPOINT = "/var/lib/seti-stream/checkpoints/main"
FAST = [
    "detector_health_timeout=40",
    "detector_stop_timeout=60",
    "detector_rollback_stop_timeout=30",
    '{"detector_package_extras": []}',
]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Return (lab, inventory, source repository, {version name: commit id})."""
    root = tmp_path_factory.mktemp("lifecycle")
    lab = start_lab(root)
    inventory = write_inventory(root)
    install_standin_unit(lab, "/opt/seti-stream/current/bin/seti-stream run")

    source = root / "source"
    source.mkdir()
    git(source, "init", "--quiet", "--initial-branch=master")
    standin = STANDIN.read_text()
    commit_file(source, "job/pyproject.toml", PYPROJECT, "Add the package")
    commits = {"healthy": commit_file(source, "job/src/seti_detector_standin.py", standin, "Add the stand-in")}
    unhealthy = standin.replace('action="store_true", help="report', 'action="store_true", default=True, help="report')
    commits["unhealthy"] = commit_file(source, "job/src/seti_detector_standin.py", unhealthy, "Report no progress")
    failing = standin.replace('action="store_true", help="make', 'action="store_true", default=True, help="make')
    commits["smoke_fails"] = commit_file(source, "job/src/seti_detector_standin.py", failing, "Fail the smoke check")
    commits["healthy_again"] = commit_file(source, "job/src/seti_detector_standin.py", standin + "\n# v4\n", "Fix it")
    assert len(set(commits.values())) == 4

    yield lab, inventory, source, commits
    lab.down()


def deploy(project, version, *extra):
    lab, inventory, source, commits = project
    return ansible_playbook(
        inventory, "deploy.yml", f"detector_ref={commits[version]}", f"detector_source_repo={source}",
        f"detector_build_dir={source.parent / 'builds'}", *FAST, *extra,
    )


def current_version(lab):
    return ssh(lab, DETECTOR, "readlink /opt/seti-stream/current").rsplit("/", 1)[-1]


def status(lab):
    return json.loads(ssh(lab, DETECTOR, "cat /var/lib/seti-stream/status.json"))


def main_pid(lab):
    return ssh(lab, DETECTOR, "systemctl show --property=MainPID --value seti-detector.service")


def test_first_deploy_starts_version(project):
    lab, _, _, commits = project

    run = deploy(project, "healthy")

    assert run.returncode == 0, run.output
    assert current_version(lab) == commits["healthy"]
    assert ssh(lab, DETECTOR, "systemctl is-active seti-detector.service") == "active"
    assert status(lab)["pipeline_version"] == commits["healthy"]
    assert status(lab)["query_active"] is True


def test_unhealthy_version_rolls_back(project):
    lab, _, _, commits = project
    ssh(lab, DETECTOR, f"mkdir -p {CHECKPOINT}/offsets && echo 41 > {CHECKPOINT}/offsets/0")

    run = deploy(project, "unhealthy")

    assert run.returncode != 0
    assert f"Rolled back to {commits['healthy']}, which is running from its own checkpoint" in run.output
    assert current_version(lab) == commits["healthy"]
    assert ssh(lab, DETECTOR, "systemctl is-active seti-detector.service") == "active"
    assert status(lab)["pipeline_version"] == commits["healthy"]
    assert ssh(lab, DETECTOR, f"cat {CHECKPOINT}/offsets/0") == "41"
    assert ssh(lab, DETECTOR, f"ls -d {CHECKPOINT}.failed-{commits['unhealthy'][:12]}-*")
    assert ssh(lab, DETECTOR, f"test -d /opt/seti-stream/versions/{commits['unhealthy']} && echo kept") == "kept"


def test_failed_smoke_changes_nothing(project):
    lab, _, _, commits = project
    pid_before = main_pid(lab)

    run = deploy(project, "smoke_fails")

    assert run.returncode != 0
    assert f"Smoke check of {commits['smoke_fails']} failed" in run.output
    assert "Nothing was changed" in run.output
    assert current_version(lab) == commits["healthy"]
    assert main_pid(lab) == pid_before


def test_replay_moves_checkpoint_aside(project):
    lab, _, _, commits = project

    run = deploy(project, "healthy_again", "replay=true")

    assert run.returncode == 0, run.output
    assert current_version(lab) == commits["healthy_again"]
    assert status(lab)["pipeline_version"] == commits["healthy_again"]
    assert ssh(lab, DETECTOR, f"test -e {CHECKPOINT} || echo absent") == "absent"
    moved = ssh(lab, DETECTOR, f"ls -d {CHECKPOINT}.before-{commits['healthy_again'][:12]}-*").splitlines()
    assert ssh(lab, DETECTOR, f"cat {moved[-1]}/offsets/0") == "41"


def test_deploy_rejects_unknown_ref(project):
    lab, inventory, source, _ = project

    run = ansible_playbook(inventory, "deploy.yml", "detector_ref=no-such-branch", f"detector_source_repo={source}")

    assert run.returncode != 0
    assert "detector_ref no-such-branch not found" in run.output


def test_stop_and_start_playbooks(project):
    lab, inventory, _, commits = project

    stop = ansible_playbook(inventory, "detector_stop.yml", "detector_stop_timeout=60")
    state_after_stop = ssh(lab, DETECTOR, "systemctl is-active seti-detector.service", check=False)
    log = ssh(lab, DETECTOR, "cat /var/lib/seti-stream/standin-events.log").splitlines()
    start = ansible_playbook(inventory, "detector_start.yml", "detector_health_timeout=40")

    assert stop.returncode == 0, stop.output
    assert state_after_stop == "inactive"
    assert log[-1].startswith("stopped-by-marker")
    assert start.returncode == 0, start.output
    assert ssh(lab, DETECTOR, "systemctl is-active seti-detector.service") == "active"
    assert status(lab)["pipeline_version"] == commits["healthy_again"]
