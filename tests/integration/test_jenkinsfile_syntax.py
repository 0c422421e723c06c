"""Groovy syntax of the Jenkinsfiles, checked by npm-groovy-lint (installed by `make deps`).

npm-groovy-lint parses with the Groovy compiler (CodeNarc), so it reports
syntax errors; it does not know declarative pipeline structure, which
tests/unit/test_jenkinsfiles.py reads instead. A copy of a Jenkinsfile with
an extra brace proves that the check reports errors at all.
"""

import json
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
GROOVY_LINT = REPO_ROOT / ".cache" / "npm" / "bin" / "npm-groovy-lint"
JENKINSFILES = ["Jenkinsfile.ci", "Jenkinsfile.cd"]


def groovy_lint(paths, cwd):
    """Return {file name: [error messages]} that npm-groovy-lint reports for paths."""
    completed = subprocess.run(
        [
            str(GROOVY_LINT),
            "--noserver",
            "--config",
            str(REPO_ROOT / "jenkins" / ".groovylintrc.json"),
            "--output",
            "json",
            *[str(path) for path in paths],
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = json.loads(completed.stdout)
    return {
        Path(path).name: [error["msg"] for error in result["errors"] if error["severity"] == "error"]
        for path, result in report["files"].items()
    }


# npm-groovy-lint 15.2.2 hung when one run mixed a file that does not parse
# with files that do, so the broken copy gets a run of its own.
@pytest.fixture(scope="module")
def lint_errors(tmp_path_factory):
    """Return {file name: [error messages]} for both Jenkinsfiles and a broken copy."""
    assert GROOVY_LINT.exists(), f"{GROOVY_LINT} not found; run make deps (scripts/install-node-tools.sh)"
    work = tmp_path_factory.mktemp("groovy-lint")
    for name in JENKINSFILES:
        (work / name).write_text((REPO_ROOT / "jenkins" / name).read_text())
    broken_dir = tmp_path_factory.mktemp("groovy-lint-broken")
    broken = (REPO_ROOT / "jenkins" / "Jenkinsfile.ci").read_text().replace("stages {", "stages {{", 1)
    (broken_dir / "Jenkinsfile.broken").write_text(broken)

    errors = groovy_lint([work / name for name in JENKINSFILES], work)
    errors.update(groovy_lint([broken_dir / "Jenkinsfile.broken"], broken_dir))
    return errors


@pytest.mark.parametrize("name", JENKINSFILES)
def test_jenkinsfile_has_no_groovy_errors(lint_errors, name):
    assert lint_errors[name] == []


def test_groovy_lint_reports_broken_file(lint_errors):
    assert lint_errors["Jenkinsfile.broken"] != []
