"""Git repositories and playbook runs for the delivery playbook tests.

Each test gets a bare repository standing in for the project's Git remote and
a clone of it standing in for a Jenkins workspace, so unit_tests.yml and
promote.yml run exactly as in CI, without a network or a lab.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.invalid",
}

PASSING_TEST = '''\
import os


def test_seed_is_fixed():
    assert os.environ["PYTHONHASHSEED"] == os.environ["SETI_TEST_SEED"]


def test_sum():
    assert 1 + 1 == 2
'''

FAILING_TEST = '''\
def test_sum():
    assert 1 + 1 == 3
'''


def git(cwd, *args):
    """Run git in cwd and return its stripped standard output."""
    completed = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY, "GIT_TERMINAL_PROMPT": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def commit_file(checkout, relative_path, text, message):
    """Write a file in checkout, commit it and return the new commit id."""
    path = Path(checkout) / relative_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(checkout, "add", relative_path)
    git(checkout, "commit", "--quiet", "-m", message)
    return git(checkout, "rev-parse", "HEAD")


def make_project(tmp_path):
    """Create a remote with master and develop, and a workspace clone on develop.

    develop is one commit ahead of master. Returns (remote, workspace).
    """
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=master", str(remote))

    workspace = tmp_path / "workspace"
    git(tmp_path, "clone", "--quiet", str(remote), str(workspace))
    git(workspace, "checkout", "--quiet", "-b", "master")
    commit_file(workspace, ".gitignore", "/reports/\n__pycache__/\n", "Ignore reports")
    commit_file(workspace, "tests/unit/test_basic.py", PASSING_TEST, "Add unit tests")
    commit_file(workspace, "detector.txt", "threshold = 10\n", "Add detector settings")
    git(workspace, "push", "--quiet", "origin", "master")

    git(workspace, "checkout", "--quiet", "-b", "develop")
    commit_file(workspace, "notes.txt", "develop work\n", "Start develop")
    git(workspace, "push", "--quiet", "--set-upstream", "origin", "develop")
    return remote, workspace


def add_master_commit(tmp_path, remote, relative_path, text):
    """Push a commit to the remote's master from a separate clone; return its id."""
    other = tmp_path / "other"
    if not other.exists():
        git(tmp_path, "clone", "--quiet", "--branch", "master", str(remote), str(other))
    git(other, "pull", "--quiet", "--ff-only")
    commit_id = commit_file(other, relative_path, text, f"Change {relative_path} on master")
    git(other, "push", "--quiet", "origin", "master")
    return commit_id


def write_result(workspace, file_commit, **fields):
    """Write a unit test result file named for file_commit, as unit_tests.yml does."""
    result = {"commit": file_commit, "passed": True, "tests": 2, "failures": 0, "errors": 0, "skipped": 0}
    result.update(fields)
    path = Path(workspace) / "reports" / "unit-tests" / f"{file_commit}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    return path


def snapshot(remote, workspace):
    """Return every ref of the remote and the workspace, HEAD and the working tree status."""
    return {
        "remote_refs": git(remote, "for-each-ref", "--format=%(refname) %(objectname)"),
        "workspace_refs": git(workspace, "for-each-ref", "--format=%(refname) %(objectname)"),
        "workspace_head": git(workspace, "rev-parse", "HEAD"),
        "workspace_status": git(workspace, "status", "--porcelain"),
    }


def run_playbook(playbook, *extra_vars):
    """Run a playbook of this repository with -e arguments; return the completed process."""
    argv = [str(ANSIBLE_PLAYBOOK), str(REPO_ROOT / "playbooks" / playbook)]
    for extra in extra_vars:
        argv += ["-e", extra]
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    completed = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    completed.output = completed.stdout + completed.stderr
    return completed
