"""The README's commands: each names a make target, playbook, Fabric task or CLI option that exists.

The commands themselves run in other tests, in `make demo` or, for bare metal
and Jenkins, in the syntax checks of test_inventories.py. This test catches a
README that drifts from the code: a renamed target, playbook, task or option.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
README = REPO_ROOT / "README.md"


def readme_commands() -> list[str]:
    """Return every line of the README's fenced code blocks, without its comment."""
    lines, inside = [], False
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        if inside:
            lines.append(line.split("#", 1)[0].rstrip())
    return lines


def commands_starting(prefix: str) -> list[str]:
    return [line for line in readme_commands() if line.startswith(prefix)]


def make_targets() -> set[str]:
    text = (REPO_ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):", text, flags=re.MULTILINE))


def test_readme_make_targets_exist():
    commands = commands_starting("make ")
    targets = {command.split()[1] for command in commands}

    assert {"demo", "test", "lab-up", "lab-down"} <= targets
    assert targets <= make_targets(), targets - make_targets()


def test_readme_playbooks_exist():
    commands = commands_starting(".venv/bin/ansible-playbook")
    playbooks = {word for command in commands for word in command.split() if word.endswith(".yml")}

    assert "playbooks/site.yml" in playbooks
    for playbook in playbooks:
        assert (REPO_ROOT / playbook).is_file(), playbook


def test_readme_fabric_tasks_exist():
    listed = subprocess.run([str(Path(sys.executable).parent / "fab"), "-l"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True).stdout
    tasks = {command.split()[1] for command in commands_starting(".venv/bin/fab ")} - {"-l"}

    assert tasks
    for task in tasks:
        assert re.search(rf"^\s+{re.escape(task)}\b", listed, flags=re.MULTILINE), task


def cli_commands() -> list[str]:
    """Return each `seti-stream` command of the README, its indented continuation lines joined."""
    commands = []
    for line in readme_commands():
        if line.startswith("seti-stream "):
            commands.append(line)
        elif commands and line.startswith(" ") and line.strip():
            commands[-1] += " " + line.strip()
    return commands


def subcommands() -> set[str]:
    from seti_stream.cli import build_parser

    parser = build_parser()
    return set(next(action.choices for action in parser._actions if action.dest == "command"))


CLI_COMMANDS = cli_commands()


def cli_help(subcommand: str) -> str:
    return subprocess.run([sys.executable, "-m", "seti_stream.cli", subcommand, "--help"],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("command", CLI_COMMANDS, ids=[c.split()[1] for c in CLI_COMMANDS])
def test_readme_cli_options_exist(command):
    named = [word for word in command.split()[1:] if word in subcommands()]
    options = set(re.findall(r"--[a-z][a-z-]*", command))

    assert named, command
    for subcommand in named:
        text = cli_help(subcommand)
        for option in options:
            assert option in text, f"seti-stream {subcommand} has no {option}"


def test_readme_cli_covers_every_subcommand():
    documented = {word for command in CLI_COMMANDS for word in command.split()[1:]}

    assert subcommands() <= documented, subcommands() - documented
