"""Run one Molecule scenario from pytest and fail with the tail of its output."""

import os
import subprocess
import time
from pathlib import Path


def run_scenario(repo_root: Path, name: str, timeout: int = 1500) -> float:
    """Run `molecule test -s NAME`; return its duration in seconds."""
    env = dict(os.environ)
    env["PATH"] = f"{repo_root / '.venv' / 'bin'}:{env.get('PATH', '')}"
    env["ANSIBLE_CONFIG"] = str(repo_root / "ansible.cfg")
    env.setdefault("ANSIBLE_FORCE_COLOR", "0")
    env["NO_COLOR"] = "1"
    log_dir = repo_root / "reports" / "molecule"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    started = time.monotonic()
    with open(log_path, "w") as log_file:
        result = subprocess.run([str(repo_root / ".venv" / "bin" / "molecule"), "test", "-s", name],
                                cwd=repo_root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                timeout=timeout)
    duration = time.monotonic() - started
    if result.returncode != 0:
        tail = log_path.read_text(errors="replace")[-6000:]
        raise AssertionError(f"molecule scenario {name} failed (exit {result.returncode}, "
                             f"{duration:.0f} s, log {log_path}):\n{tail}")
    print(f"molecule scenario {name}: passed in {duration:.0f} s")
    return duration
