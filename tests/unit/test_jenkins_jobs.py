"""jenkins/jobs/ rendered offline by jenkins-job-builder, checked as Jenkins would read it."""

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
JENKINS_JOBS = Path(sys.executable).parent / "jenkins-jobs"


@pytest.fixture(scope="module")
def rendered_jobs(tmp_path_factory):
    out = tmp_path_factory.mktemp("jenkins-jobs")
    completed = subprocess.run(
        [str(JENKINS_JOBS), "test", str(REPO_ROOT / "jenkins" / "jobs"), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return {path.name: ElementTree.parse(path).getroot() for path in out.iterdir()}


def test_jobs_render_ci_and_cd(rendered_jobs):
    assert sorted(rendered_jobs) == ["seti-stream-cd", "seti-stream-ci"]


@pytest.mark.parametrize(
    ("job", "branch", "jenkinsfile"),
    [
        ("seti-stream-ci", "*/develop", "jenkins/Jenkinsfile.ci"),
        ("seti-stream-cd", "*/master", "jenkins/Jenkinsfile.cd"),
    ],
)
def test_job_builds_branch_with_jenkinsfile(rendered_jobs, job, branch, jenkinsfile):
    root = rendered_jobs[job]

    assert root.tag == "flow-definition"
    assert root.findtext("definition/scriptPath") == jenkinsfile
    assert (REPO_ROOT / jenkinsfile).is_file()
    assert [name.text for name in root.iter("name") if name.text.startswith("*/")] == [branch]


@pytest.mark.parametrize("job", ["seti-stream-ci", "seti-stream-cd"])
def test_job_triggers_on_github_push(rendered_jobs, job):
    triggers = rendered_jobs[job].find("properties/org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty/triggers")

    assert triggers is not None
    assert [trigger.tag for trigger in triggers] == ["com.cloudbees.jenkins.GitHubPushTrigger"]


@pytest.mark.parametrize("job", ["seti-stream-ci", "seti-stream-cd"])
def test_job_checks_out_with_credential_id(rendered_jobs, job):
    remote = rendered_jobs[job].find(".//hudson.plugins.git.UserRemoteConfig")

    assert remote.findtext("credentialsId") == "seti-stream-git-push"
    assert rendered_jobs[job].find(".//hudson.plugins.git.extensions.impl.WipeWorkspace") is None
