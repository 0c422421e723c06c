"""playbooks/unit_tests.yml on a throwaway project: result files, failures, guards."""

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests.integration.delivery import FAILING_TEST, commit_file, git, make_project, run_playbook


def read_result(workspace, commit_id):
    return json.loads((Path(workspace) / "reports" / "unit-tests" / f"{commit_id}.json").read_text())


def test_unit_tests_pass_writes_result(tmp_path):
    _, workspace = make_project(tmp_path)
    head = git(workspace, "rev-parse", "HEAD")

    run = run_playbook("unit_tests.yml", f"unit_tests_checkout={workspace}", "unit_tests_seed=7")

    assert run.returncode == 0, run.output
    result = read_result(workspace, head)
    assert result["commit"] == head
    assert result["passed"] is True
    assert result["exit_code"] == 0
    assert result["tests"] == 2
    assert result["failures"] == 0
    assert result["errors"] == 0
    assert result["seed"] == 7
    assert result["started_at"]
    assert result["finished_at"]
    suite = ElementTree.parse(result["junit_xml"]).getroot().find("testsuite")
    assert suite.get("tests") == "2"


def test_unit_tests_failure_fails_and_records(tmp_path):
    _, workspace = make_project(tmp_path)
    head = commit_file(workspace, "tests/unit/test_broken.py", FAILING_TEST, "Break a test")

    run = run_playbook("unit_tests.yml", f"unit_tests_checkout={workspace}")

    assert run.returncode != 0
    assert f"Unit tests did not pass for commit {head}" in run.output
    result = read_result(workspace, head)
    assert result["passed"] is False
    assert result["exit_code"] == 1
    assert result["tests"] == 3
    assert result["failures"] == 1


def test_unit_tests_no_tests_is_not_a_pass(tmp_path):
    _, workspace = make_project(tmp_path)
    git(workspace, "rm", "--quiet", "tests/unit/test_basic.py")
    git(workspace, "commit", "--quiet", "-m", "Remove the tests")
    head = git(workspace, "rev-parse", "HEAD")

    run = run_playbook("unit_tests.yml", f"unit_tests_checkout={workspace}")

    assert run.returncode != 0
    result = read_result(workspace, head)
    assert result["passed"] is False
    assert result["tests"] == 0


def test_unit_tests_rejects_dirty_checkout(tmp_path):
    _, workspace = make_project(tmp_path)
    head = git(workspace, "rev-parse", "HEAD")
    (workspace / "detector.txt").write_text("threshold = 3\n")

    run = run_playbook("unit_tests.yml", f"unit_tests_checkout={workspace}")

    assert run.returncode != 0
    assert "has uncommitted changes" in run.output
    assert not (workspace / "reports" / "unit-tests" / f"{head}.json").exists()


def test_unit_tests_rejects_bad_seed(tmp_path):
    _, workspace = make_project(tmp_path)

    run = run_playbook("unit_tests.yml", f"unit_tests_checkout={workspace}", "unit_tests_seed=abc")

    assert run.returncode != 0
    assert "unit_tests_seed" in run.output
