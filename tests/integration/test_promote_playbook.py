"""playbooks/promote.yml against a local bare repository standing in for the remote."""

from tests.integration.delivery import (
    add_master_commit,
    commit_file,
    git,
    make_project,
    run_playbook,
    snapshot,
    write_result,
)


def promote(workspace, *extra_vars):
    return run_playbook("promote.yml", f"promote_repo={workspace}", *extra_vars)


def test_promote_rejects_missing_result(tmp_path):
    remote, workspace = make_project(tmp_path)
    before = snapshot(remote, workspace)

    run = promote(workspace)

    assert run.returncode != 0
    assert "No unit test result for commit" in run.output
    assert "Nothing was merged or pushed" in run.output
    assert snapshot(remote, workspace) == before


def test_promote_rejects_failed_result(tmp_path):
    remote, workspace = make_project(tmp_path)
    head = git(workspace, "rev-parse", "HEAD")
    write_result(workspace, head, passed=False, failures=1)
    before = snapshot(remote, workspace)

    run = promote(workspace)

    assert run.returncode != 0
    assert f"The unit tests did not pass for commit {head}" in run.output
    assert snapshot(remote, workspace) == before


def test_promote_rejects_result_of_other_commit(tmp_path):
    remote, workspace = make_project(tmp_path)
    head = git(workspace, "rev-parse", "HEAD")
    master = git(remote, "rev-parse", "master")
    write_result(workspace, head, commit=master)
    before = snapshot(remote, workspace)

    run = promote(workspace)

    assert run.returncode != 0
    assert f"is for commit {master}, not {head}" in run.output
    assert snapshot(remote, workspace) == before


def test_promote_rejects_untested_develop_tip(tmp_path):
    remote, workspace = make_project(tmp_path)
    tested = git(workspace, "rev-parse", "HEAD")
    write_result(workspace, tested)
    untested = commit_file(workspace, "notes.txt", "more work\n", "Continue develop")
    git(workspace, "push", "--quiet", "origin", "develop")
    before = snapshot(remote, workspace)

    run = promote(workspace)

    assert run.returncode != 0
    assert f"No unit test result for commit {untested}" in run.output
    assert snapshot(remote, workspace) == before


def test_promote_rejects_commit_not_on_develop(tmp_path):
    remote, workspace = make_project(tmp_path)
    git(workspace, "checkout", "--quiet", "-b", "feature")
    stray = commit_file(workspace, "notes.txt", "feature work\n", "Start a feature")
    git(workspace, "push", "--quiet", "origin", "feature")
    write_result(workspace, stray)
    before = snapshot(remote, workspace)

    run = promote(workspace, f"promote_commit={stray}")

    assert run.returncode != 0
    assert f"Commit {stray} is not on develop" in run.output
    assert snapshot(remote, workspace) == before


def test_promote_rejects_conflict(tmp_path):
    remote, workspace = make_project(tmp_path)
    add_master_commit(tmp_path, remote, "detector.txt", "threshold = 20\n")
    head = commit_file(workspace, "detector.txt", "threshold = 5\n", "Lower the threshold")
    git(workspace, "push", "--quiet", "origin", "develop")
    write_result(workspace, head)
    before = snapshot(remote, workspace)

    run = promote(workspace, "promote_merge_mode=merge-commit")

    assert run.returncode != 0
    assert "failed with conflicts in detector.txt" in run.output
    assert "Nothing was merged or pushed" in run.output
    assert snapshot(remote, workspace) == before


def test_promote_rejects_diverged_fast_forward(tmp_path):
    remote, workspace = make_project(tmp_path)
    add_master_commit(tmp_path, remote, "hotfix.txt", "fixed on master\n")
    write_result(workspace, git(workspace, "rev-parse", "HEAD"))
    before = snapshot(remote, workspace)

    run = promote(workspace, "promote_merge_mode=fast-forward")

    assert run.returncode != 0
    assert "cannot fast-forward" in run.output
    assert snapshot(remote, workspace) == before


def test_promote_rejects_unknown_merge_mode(tmp_path):
    remote, workspace = make_project(tmp_path)
    write_result(workspace, git(workspace, "rev-parse", "HEAD"))
    before = snapshot(remote, workspace)

    run = promote(workspace, "promote_merge_mode=rebase")

    assert run.returncode != 0
    assert "promote_merge_mode" in run.output
    assert snapshot(remote, workspace) == before


def test_promote_fast_forwards_and_pushes(tmp_path):
    remote, workspace = make_project(tmp_path)
    head = git(workspace, "rev-parse", "HEAD")
    write_result(workspace, head)
    branch_before = git(workspace, "rev-parse", "refs/heads/develop")

    run = promote(workspace)

    assert run.returncode == 0, run.output
    assert git(remote, "rev-parse", "master") == head
    assert git(remote, "rev-parse", "develop") == head
    assert git(workspace, "rev-parse", "refs/remotes/origin/master") == head
    assert git(workspace, "rev-parse", "refs/heads/develop") == branch_before
    assert git(workspace, "status", "--porcelain") == ""


def test_promote_merge_commit_pushes(tmp_path):
    remote, workspace = make_project(tmp_path)
    master_tip = add_master_commit(tmp_path, remote, "hotfix.txt", "fixed on master\n")
    head = git(workspace, "rev-parse", "HEAD")
    write_result(workspace, head)

    run = promote(workspace, "promote_merge_mode=merge-commit")

    assert run.returncode == 0, run.output
    merge = git(remote, "rev-parse", "master")
    parents = git(remote, "rev-list", "--parents", "-n", "1", merge).split()[1:]
    assert parents == [master_tip, head]
    assert git(remote, "log", "-1", "--format=%an <%ae>", merge) == "seti-stream CI <ci@seti-stream.invalid>"
    assert git(remote, "show", f"{merge}:hotfix.txt") == "fixed on master"
    assert git(remote, "show", f"{merge}:notes.txt") == "develop work"


def test_promote_after_real_unit_test_run(tmp_path):
    remote, workspace = make_project(tmp_path)
    head = git(workspace, "rev-parse", "HEAD")

    tests_run = run_playbook("unit_tests.yml", f"unit_tests_checkout={workspace}")
    promote_run = promote(workspace)

    assert tests_run.returncode == 0, tests_run.output
    assert promote_run.returncode == 0, promote_run.output
    assert git(remote, "rev-parse", "master") == head
