"""The Jenkinsfiles, read as text: stages call existing playbooks with variables they accept.

No Jenkins runs here, so these tests check what the pipelines would do: which
playbook each stage calls, that every -e variable is one the playbook
validates (its playbooks/argument_specs/ file or the argument_specs of the
role entry points it includes), the truncate approval gate, the failure
notification and that credentials appear only as ids.
"""

import re
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
JENKINS_DIR = REPO_ROOT / "jenkins"
PLAYBOOK_CALL = re.compile(r"ansible-playbook\b(?P<args>[^\n]*)")
PLAYBOOK_PATH = re.compile(r"(?:^|\s)(?P<path>playbooks/[\w.-]+\.ya?ml)\b")
EXTRA_VAR = re.compile(r"(?:-e|--extra-vars)\s+[\"']?(?P<name>[A-Za-z_]\w*)=")


def read_jenkinsfile(name):
    return (JENKINS_DIR / name).read_text()


def block_after(text, start):
    """Return the text between the brace that follows start and its matching brace."""
    opening = text.index("{", start)
    depth = 0
    for position in range(opening, len(text)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return text[opening + 1 : position]
    raise ValueError(f"unbalanced braces after offset {start}")


def stages(text):
    """Return {stage name: stage body} of a declarative Jenkinsfile, in order."""
    found = {}
    for match in re.finditer(r"\bstage\(\s*'(?P<name>[^']+)'\s*\)", text):
        found[match.group("name")] = block_after(text, match.end())
    return found


def playbook_calls(body):
    """Return [(playbook path, [extra variable names])] of the ansible-playbook commands in body."""
    joined = re.sub(r"\\\s*\n", " ", body)
    calls = []
    for match in PLAYBOOK_CALL.finditer(joined):
        path = PLAYBOOK_PATH.search(match.group("args"))
        names = [extra.group("name") for extra in EXTRA_VAR.finditer(match.group("args"))]
        calls.append((path.group("path") if path else None, names))
    return calls


def spec_options(spec_file, entry_point):
    specs = yaml.safe_load(spec_file.read_text())["argument_specs"]
    return specs[entry_point].get("options", {})


def accepted_variables(playbook):
    """Return ({name: option spec} the playbook validates, {names an operator must pass})."""
    accepted, required = {}, set()
    playbook_spec = REPO_ROOT / "playbooks" / "argument_specs" / Path(playbook).name
    if playbook_spec.exists():
        options = spec_options(playbook_spec, "main")
        accepted.update(options)
        required.update(name for name, option in options.items() if option.get("required"))

    for play in yaml.safe_load((REPO_ROOT / playbook).read_text()):
        entries = [(role["role"] if isinstance(role, dict) else role, "main", {}) for role in play.get("roles", [])]
        for task in play.get("tasks", []):
            include = task.get("ansible.builtin.include_role") or task.get("ansible.builtin.import_role")
            if include:
                entries.append((include["name"], include.get("tasks_from", "main"), task.get("vars", {})))
        for role, entry_point, task_vars in entries:
            options = spec_options(REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml", entry_point)
            accepted.update(options)
            required.update(
                name
                for name, option in options.items()
                if option.get("required") and name not in task_vars and name not in play.get("vars", {})
            )
    return accepted, required


def call_problems(text):
    """Return a description of each playbook call in text that names a missing playbook or variable."""
    problems = []
    for stage, body in stages(text).items():
        for playbook, names in playbook_calls(body):
            if playbook is None or not (REPO_ROOT / playbook).is_file():
                problems.append(f"stage {stage!r}: playbook {playbook} not found")
                continue
            accepted, required = accepted_variables(playbook)
            for name in names:
                if name not in accepted:
                    problems.append(f"stage {stage!r}: {playbook} does not accept -e {name}")
            for name in sorted(required - set(names)):
                problems.append(f"stage {stage!r}: {playbook} requires -e {name}")
    return problems


@pytest.mark.parametrize(
    ("jenkinsfile", "stage", "playbook"),
    [
        ("Jenkinsfile.ci", "Unit tests", "playbooks/unit_tests.yml"),
        ("Jenkinsfile.ci", "Promote", "playbooks/promote.yml"),
        ("Jenkinsfile.cd", "Deploy", "playbooks/deploy.yml"),
    ],
)
def test_stage_calls_its_playbook(jenkinsfile, stage, playbook):
    body = stages(read_jenkinsfile(jenkinsfile))[stage]

    assert [call[0] for call in playbook_calls(body)] == [playbook]


@pytest.mark.parametrize("jenkinsfile", ["Jenkinsfile.ci", "Jenkinsfile.cd"])
def test_playbook_calls_are_accepted(jenkinsfile):
    text = read_jenkinsfile(jenkinsfile)

    assert playbook_calls(text), "no ansible-playbook call found"
    assert call_problems(text) == []


def test_checker_reports_unknown_variable():
    text = """
        stage('Deploy') {
            steps {
                sh '.venv/bin/ansible-playbook playbooks/deploy.yml -e detector_ref=x -e trunkate=true'
            }
        }
        stage('Missing') {
            steps { sh '.venv/bin/ansible-playbook playbooks/no_such.yml' }
        }
        stage('Required') {
            steps { sh '.venv/bin/ansible-playbook playbooks/deploy.yml -e truncate=true' }
        }
    """

    assert call_problems(text) == [
        "stage 'Deploy': playbooks/deploy.yml does not accept -e trunkate",
        "stage 'Missing': playbook playbooks/no_such.yml not found",
        "stage 'Required': playbooks/deploy.yml requires -e detector_ref",
    ]


def test_deploy_passes_ref_truncate_replay():
    body = stages(read_jenkinsfile("Jenkinsfile.cd"))["Deploy"]

    [(playbook, names)] = playbook_calls(body)
    assert names == ["detector_ref", "truncate", "replay"]
    assert '-e truncate="$TRUNCATE"' in body
    assert '-e replay="$REPLAY"' in body


def test_cd_has_boolean_truncate_and_replay():
    text = read_jenkinsfile("Jenkinsfile.cd")
    parameters = block_after(text, text.index("parameters"))

    assert re.search(r"booleanParam\(\s*name: 'TRUNCATE',\s*defaultValue: false", parameters)
    assert re.search(r"booleanParam\(\s*name: 'REPLAY',\s*defaultValue: false", parameters)


def test_cd_truncate_waits_for_input():
    text = read_jenkinsfile("Jenkinsfile.cd")
    names = list(stages(text))
    gate = stages(text)["Approve truncate"]

    assert names.index("Approve truncate") < names.index("Deploy")
    assert "expression { params.TRUNCATE }" in gate
    assert re.search(r"\binput\(", gate)
    assert "input" not in stages(text)["Deploy"]


def test_ci_promotes_the_tested_commit():
    text = read_jenkinsfile("Jenkinsfile.ci")
    names = list(stages(text))

    assert names.index("Unit tests") < names.index("Promote")
    assert '-e promote_commit="$TESTED_COMMIT"' in stages(text)["Promote"]
    assert "junit " in stages(text)["Unit tests"]


@pytest.mark.parametrize("jenkinsfile", ["Jenkinsfile.ci", "Jenkinsfile.cd"])
def test_failure_sends_notification(jenkinsfile):
    text = read_jenkinsfile(jenkinsfile)
    post = block_after(text, text.rindex("post {"))

    assert "failure" in post
    assert re.search(r"\bmail\(", block_after(post, post.index("failure")))


@pytest.mark.parametrize("jenkinsfile", ["Jenkinsfile.ci", "Jenkinsfile.cd"])
def test_credentials_by_id_only(jenkinsfile):
    text = read_jenkinsfile(jenkinsfile)
    documented = (JENKINS_DIR / "README.md").read_text()
    ids = re.findall(r"credentials\('([\w-]+)'\)", text)
    ids += re.findall(r"credentialsId: '([\w-]+)'", text)
    ids += re.findall(r"sshagent\(credentials: \['([\w-]+)'\]\)", text)

    assert ids, "no credential referenced"
    for credential_id in ids:
        assert f"`{credential_id}`" in documented, f"credential {credential_id} not listed in jenkins/README.md"
    assert not re.search(r"(?i)(password|token|secret)\s*[=:]\s*['\"]\w", text)
    assert "BEGIN OPENSSH PRIVATE KEY" not in text
