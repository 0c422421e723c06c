"""The delivery loop end to end on the converged lab stack.

A researcher deploys a detector whose conversion stores the drift rate in
`hits` 10 times too small, then commits the fix on develop. The commands of
the Jenkins stages run as Jenkins runs them: unit_tests.yml and promote.yml in
a workspace cloned from a local bare repository (the remote), then deploy.yml
with replay and truncate. A version whose smoke check fails is never switched
to, and one whose query does not start is rolled back.

The tests of this module run in file order and share the stack's detector:
each one leaves a running, healthy version behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.delivery import git
from tests.integration.stack import BIN, REPO_ROOT, wait_for

pytestmark = pytest.mark.lab

SETI_STREAM = [sys.executable, "-m", "seti_stream.cli"]
SETI_STREAM_ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "job" / "src")}
SYNTHETIC_LIST = REPO_ROOT / "demo" / "synthetic.lst"
RESULTS = REPO_ROOT / "reports" / "delivery-e2e.json"

INGEST = "job/src/seti_stream/detector/ingest.py"
GOOD_DRIFT = '"drift_rate_hz_per_s": hit.drift_rate_hz_per_s,'
BAD_DRIFT = '"drift_rate_hz_per_s": hit.drift_rate_hz_per_s / 10,'
EVALUATE = "job/src/seti_stream/detector/evaluate.py"
GOOD_MEMBERS = '"member_hit_ids": [member.hit_id for member in event.members],'
BAD_MEMBERS = '"member_hit_ids": [member.hit_id for member in event.members][:1],'
CLI_DETECT = "job/src/seti_stream/cli_detect.py"
DETECT_RUN = "    settings = load_settings(args.config, pipeline_version=args.pipeline_version)\n"
DETECT_BROKEN = DETECT_RUN + '    raise RuntimeError("the detector cannot start")\n'

# Columns that differ between two versions' rows of the same hit by design. A
# replaying version also reads copies of a record sent before the older version's
# checkpoint began, so kafka_offsets (where the hit arrived) may list more offsets.
VERSION_COLUMNS = {"pipeline_version", "ingested_at", "kafka_offsets"}
DEPLOY_TIMEOUT_S = 1800
# A version that starts reports progress within a minute here; the rollback
# case waits this long before it gives up on the broken version.
HEALTH_TIMEOUT = "detector_health_timeout=180"


def run(argv, cwd, timeout=DEPLOY_TIMEOUT_S, env=None):
    """Run a command of a Jenkins stage; return the completed process with .output."""
    environment = {**os.environ, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
                   "ANSIBLE_NOCOLOR": "1", "PATH": f"{BIN}:{os.environ['PATH']}", **(env or {})}
    completed = subprocess.run(argv, cwd=cwd, env=environment, capture_output=True, text=True,
                               timeout=timeout)
    completed.output = completed.stdout + completed.stderr
    return completed


def playbook(name, *extra_vars):
    argv = [str(BIN / "ansible-playbook"), str(REPO_ROOT / "playbooks" / name)]
    for extra in extra_vars:
        argv += ["-e", extra]
    return run(argv, cwd=REPO_ROOT)


def commit_change(workspace: Path, path: str, old: str, new: str, message: str) -> str:
    """Replace `old` by `new` in one file of the workspace, commit, push develop; return the commit."""
    target = workspace / path
    text = target.read_text()
    assert old in text, f"{path} no longer contains {old!r}; update this test"
    target.write_text(text.replace(old, new, 1))
    git(workspace, "commit", "--quiet", "-am", message)
    git(workspace, "push", "--quiet", "origin", "develop")
    return git(workspace, "rev-parse", "HEAD")


class Delivery:
    """The remote, the Jenkins workspace and the commits of the scenario."""

    def __init__(self, root: Path):
        self.root = root
        self.remote = root / "remote.git"
        self.workspace = root / "workspace"
        self.builds = root / "builds"
        self.commits: dict[str, str] = {}
        self.timings: dict[str, float] = {}

    def deploy(self, ref: str, *extra_vars, source: Path | None = None):
        """The CD stage's command, with a workspace as the control node's checkout."""
        return playbook("deploy.yml", f"detector_ref={ref}",
                        f"detector_source_repo={source or self.workspace}",
                        f"detector_build_dir={self.builds}", HEALTH_TIMEOUT, *extra_vars)

    def cd_checkout(self) -> tuple[Path, str]:
        """Check out master as the CD job does; return (its workspace, the commit to deploy)."""
        checkout = self.root / "cd-workspace"
        if checkout.exists():
            git(checkout, "pull", "--quiet", "--ff-only")
        else:
            git(self.root, "clone", "--quiet", "--branch", "master", str(self.remote), str(checkout))
        return checkout, git(checkout, "rev-parse", "HEAD")

    def unit_tests(self):
        """The CI unit test stage (the workspace's own package on the path, as its venv has)."""
        environment = json.dumps({"PYTHONPATH": str(self.workspace / "job" / "src")})
        return playbook("unit_tests.yml", f"unit_tests_checkout={self.workspace}",
                        "unit_tests_seed=0", f'{{"unit_tests_environment": {environment}}}')

    def promote(self, commit: str):
        return playbook("promote.yml", f"promote_repo={self.workspace}",
                        f"promote_commit={commit}", "promote_merge_mode=fast-forward")


def assert_ok(completed, what):
    assert completed.returncode == 0, f"{what} failed ({completed.returncode}):\n{completed.output[-6000:]}"


def hits_by_version(session, scan_ids) -> dict[str, dict[str, dict]]:
    """pipeline_version -> hit_id -> row, over the given scans."""
    result: dict[str, dict[str, dict]] = {}
    for scan_id in scan_ids:
        # Every version's rows of a scan: part of the partition key, so the query filters.
        for row in session.execute("SELECT * FROM hits WHERE scan_id = %s ALLOW FILTERING", (scan_id,)):
            result.setdefault(row["pipeline_version"], {})[row["hit_id"]] = row
    return result


def cadence_complete(session, cadence_id, version) -> bool:
    row = session.execute("SELECT status FROM cadences WHERE cadence_id = %s AND pipeline_version = %s",
                          (cadence_id, version)).one()
    return row is not None and row["status"] == "complete"


def unit_times(stack) -> dict[str, int]:
    text = stack.ssh("spark-1", "systemctl show seti-detector.service "
                     "-p InactiveEnterTimestampMonotonic -p ActiveEnterTimestampMonotonic")
    return {key: int(value) for key, value in (line.split("=", 1) for line in text.split())}


@pytest.fixture(scope="module")
def delivery(stack, cassandra_session, tmp_path_factory):
    """Remote and workspace from this checkout's HEAD; the drift bug deployed with data sent."""
    from seti_stream.cadence import group_cadences
    from seti_stream.datfile import read_dat, read_dat_list

    scenario = Delivery(tmp_path_factory.mktemp("delivery"))
    git(scenario.root, "clone", "--quiet", "--bare", str(REPO_ROOT), str(scenario.remote))
    head = git(REPO_ROOT, "rev-parse", "HEAD")
    git(scenario.remote, "branch", "--force", "master", head)
    git(scenario.remote, "branch", "--force", "develop", head)
    git(scenario.root, "clone", "--quiet", "--branch", "develop", str(scenario.remote),
        str(scenario.workspace))
    # A Jenkins workspace keeps its venv and caches across builds (git clean
    # excludes them); the unit tests use both.
    for kept in (".venv", ".cache"):
        (scenario.workspace / kept).symlink_to(REPO_ROOT / kept)

    scenario.commits["bad"] = commit_change(scenario.workspace, INGEST, GOOD_DRIFT, BAD_DRIFT,
                                            "Store the drift rate in kHz/s")
    assert_ok(scenario.deploy(scenario.commits["bad"]), "deploy of the drift bug")
    assert stack.pipeline_version() == scenario.commits["bad"]

    files = [read_dat(path) for path in read_dat_list(str(SYNTHETIC_LIST))]
    cadence = group_cadences(files, 6, "ON", None, require_whole=False)[0]
    scenario.cadence_id = cadence.cadence_id
    scenario.scan_ids = [scan.scan_id for scan in cadence.scans]
    scenario.hit_count = sum(len(scan.hits) for scan in cadence.scans)
    subprocess.run([*SETI_STREAM, "produce", "--bootstrap-servers", stack.bootstrap_servers,
                    "--dat-list", str(SYNTHETIC_LIST)], env=SETI_STREAM_ENV, check=True, timeout=300)
    wait_for(lambda: cadence_complete(cassandra_session, scenario.cadence_id, scenario.commits["bad"]),
             600, what="the synthetic cadence complete under the drift bug")
    yield scenario

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(scenario.timings, indent=2) + "\n")


def test_replay_keeps_both_versions(delivery, stack, cassandra_session):
    bad = delivery.commits["bad"]
    started = time.monotonic()
    fix = commit_change(delivery.workspace, INGEST, BAD_DRIFT, GOOD_DRIFT,
                        "Store the drift rate in Hz/s again")
    delivery.commits["fix"] = fix

    assert_ok(delivery.unit_tests(), "unit_tests.yml")
    assert_ok(delivery.promote(fix), "promote.yml")
    assert git(delivery.remote, "rev-parse", "master") == fix
    before = unit_times(stack)
    checkout, deployed = delivery.cd_checkout()
    assert deployed == fix
    assert_ok(delivery.deploy(deployed, "replay=true", "truncate=false", source=checkout),
              "deploy.yml replay=true")
    after = unit_times(stack)

    assert stack.pipeline_version() == fix
    wait_for(lambda: len(hits_by_version(cassandra_session, delivery.scan_ids).get(fix, {}))
             == delivery.hit_count, 600, what="every hit replayed by the fixed version")
    delivery.timings["commit_to_rows_s"] = round(time.monotonic() - started, 1)
    # The old unit stopped, then the new one started, once each during the deploy.
    assert after["InactiveEnterTimestampMonotonic"] > before["ActiveEnterTimestampMonotonic"]
    delivery.timings["unit_down_s"] = round(
        (after["ActiveEnterTimestampMonotonic"] - after["InactiveEnterTimestampMonotonic"]) / 1e6, 1)

    rows = hits_by_version(cassandra_session, delivery.scan_ids)
    assert set(rows[bad]) == set(rows[fix])
    assert len(rows[fix]) == delivery.hit_count
    for hit_id, new in rows[fix].items():
        old = rows[bad][hit_id]
        data_columns = set(new) - VERSION_COLUMNS - {"drift_rate_hz_per_s"}
        assert {c: old[c] for c in data_columns} == {c: new[c] for c in data_columns}, hit_id
        assert new["drift_rate_hz_per_s"] == pytest.approx(old["drift_rate_hz_per_s"] * 10, rel=1e-9)
        assert json.loads(new["record"])["drift_rate_hz_per_s"] == pytest.approx(new["drift_rate_hz_per_s"])
    assert any(row["drift_rate_hz_per_s"] != 0 for row in rows[fix].values())


def test_truncate_keeps_new_version_only(delivery, stack, cassandra_session):
    fix = delivery.commits["fix"]
    started = time.monotonic()

    assert_ok(delivery.deploy(fix, "truncate=true"), "deploy.yml truncate=true")

    wait_for(lambda: cadence_complete(cassandra_session, delivery.cadence_id, fix), 600,
             what="the cadence complete again after the truncate")
    delivery.timings["truncate_to_rows_s"] = round(time.monotonic() - started, 1)
    rows = hits_by_version(cassandra_session, delivery.scan_ids)
    assert set(rows) == {fix}
    assert len(rows[fix]) == delivery.hit_count
    assert stack.detector_status()["query_active"] is True


def test_smoke_rows_stay_out_of_production(delivery, cassandra_session):
    from seti_stream.detector.smoke import SmokeOptions
    from seti_stream.synthetic import generate_night

    options = SmokeOptions()
    smoke_cadences = [c.cadence_id for c in generate_night(options.seed, options.cadences,
                                                           options.hits_per_scan)]
    for cadence_id in smoke_cadences:
        production = cassandra_session.execute(
            "SELECT * FROM cadences WHERE cadence_id = %s ALLOW FILTERING", (cadence_id,))
        assert list(production) == []
        smoke = list(cassandra_session.execute(
            f"SELECT * FROM {options.keyspace}.cadences WHERE cadence_id = %s ALLOW FILTERING",
            (cadence_id,)))
        assert smoke, f"the smoke check left no row of {cadence_id} in {options.keyspace}"


def send_and_wait(stack, session, dat_list: Path, version: str) -> None:
    """Send a list's cadence and wait until `version` has stored it complete with every hit."""
    from seti_stream.cadence import group_cadences
    from seti_stream.datfile import read_dat, read_dat_list

    files = [read_dat(path) for path in read_dat_list(str(dat_list))]
    cadence = group_cadences(files, 6, "ON", None, require_whole=False)[0]
    subprocess.run([*SETI_STREAM, "produce", "--bootstrap-servers", stack.bootstrap_servers,
                    "--dat-list", str(dat_list)], env=SETI_STREAM_ENV, check=True, timeout=300)
    wait_for(lambda: cadence_complete(session, cadence.cadence_id, version), 600,
             what=f"{dat_list.name} complete under {version}")
    stored = hits_by_version(session, [scan.scan_id for scan in cadence.scans]).get(version, {})
    assert len(stored) == sum(len(scan.hits) for scan in cadence.scans)


def synthetic_list(directory: Path, seed: int) -> Path:
    """Write a seeded synthetic cadence as .dat files and return its list."""
    from seti_stream.synthetic import generate_cadence

    return generate_cadence(seed, hits_per_scan=40, name_prefix=f"delivery_s{seed}").write(directory)


def test_failed_smoke_keeps_running_version(delivery, stack, cassandra_session, tmp_path):
    running = stack.pipeline_version()
    pid = stack.detector_main_pid()
    broken = commit_change(delivery.workspace, EVALUATE, GOOD_MEMBERS, BAD_MEMBERS,
                           "Keep only the seed in an event's members")

    completed = delivery.deploy(broken)

    assert completed.returncode != 0
    assert f"Smoke check of {broken} failed" in completed.output
    assert "the stream gives" in completed.output
    assert stack.pipeline_version() == running
    assert stack.detector_main_pid() == pid
    # The running version still writes.
    send_and_wait(stack, cassandra_session, synthetic_list(tmp_path, 8101), running)
    commit_change(delivery.workspace, EVALUATE, BAD_MEMBERS, GOOD_MEMBERS, "Keep every member")


def test_failed_start_after_truncate_rolls_back(delivery, stack, cassandra_session, tmp_path):
    running = stack.pipeline_version()
    broken = commit_change(delivery.workspace, CLI_DETECT, DETECT_RUN, DETECT_BROKEN,
                           "Break the detector's start")

    completed = delivery.deploy(broken, "truncate=true")

    assert completed.returncode != 0
    assert f"Rolled back to {running}" in completed.output
    assert stack.pipeline_version() == running
    wait_for(lambda: stack.detector_status().get("query_active") is True
             and stack.detector_status().get("pipeline_version") == running,
             300, what=f"{running} active again after the rollback")
    # The truncate emptied the tables, so the old version replays every hit from the topic.
    wait_for(lambda: cadence_complete(cassandra_session, delivery.cadence_id, running), 600,
             what="the synthetic cadence replayed by the restored version")
    rows = hits_by_version(cassandra_session, delivery.scan_ids)
    assert set(rows) == {running}
    assert len(rows[running]) == delivery.hit_count
    send_and_wait(stack, cassandra_session, synthetic_list(tmp_path, 8102), running)
