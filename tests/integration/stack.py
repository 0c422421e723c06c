"""The lab stack the detector's integration tests share, and helpers to use it.

`converge` brings up the lab hosts of inventory/lab and runs playbooks/site.yml
once per session. Tests then send records from the control node and read
Cassandra and Kafka on the lab hosts directly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
INVENTORY = REPO_ROOT / "inventory" / "lab"


@dataclass
class Stack:
    """Addresses of the converged lab stack."""

    kafka: str
    cassandra: str
    spark: str
    ssh_config: Path

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.kafka}:9092"

    def ssh(self, host: str, command: str, check: bool = True, timeout: float = 120) -> str:
        """Run a shell command on a lab host and return its standard output."""
        completed = subprocess.run(["ssh", "-F", str(self.ssh_config), host, command],
                                   capture_output=True, text=True, timeout=timeout)
        if check and completed.returncode != 0:
            raise AssertionError(f"{host}: {command!r} failed ({completed.returncode}): "
                                 f"{completed.stderr.strip()[-2000:]}")
        return completed.stdout

    def detector_status(self) -> dict:
        return json.loads(self.ssh("spark-1", "cat /var/lib/seti-stream/status.json"))

    def detector_main_pid(self) -> int:
        return int(self.ssh("spark-1", "systemctl show -p MainPID --value seti-detector.service"))

    def detector_restarts(self) -> int:
        return int(self.ssh("spark-1", "systemctl show -p NRestarts --value seti-detector.service"))

    def pipeline_version(self) -> str:
        return self.ssh("spark-1", "cat /opt/seti-stream/current/PIPELINE_VERSION").strip()


def lab_addresses() -> dict[str, str]:
    sys.path.insert(0, str(REPO_ROOT))
    from tests.lab.core import Lab, hosts_from_inventory

    lab = Lab()
    return {host.name: lab.address(host) for host in hosts_from_inventory(INVENTORY)}


def converge() -> Stack:
    """Bring the lab hosts up and converge site.yml on them (once per session).

    With SETI_TEST_STACK_CONVERGED=1 in the environment the hosts and
    services are taken as they are, for reruns while developing a test.
    """
    environment = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}",
                   "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg")}
    if os.environ.get("SETI_TEST_STACK_CONVERGED") == "1":
        return _stack()

    subprocess.run([str(BIN / "python"), "-m", "tests.lab", "up", "--inventory", str(INVENTORY)],
                   cwd=REPO_ROOT, env=environment, check=True, timeout=600)
    started = time.monotonic()
    completed = subprocess.run([str(BIN / "ansible-playbook"), "playbooks/site.yml"],
                               cwd=REPO_ROOT, env=environment, capture_output=True, text=True,
                               timeout=3600)
    if completed.returncode != 0:
        raise AssertionError(f"site.yml failed after {time.monotonic() - started:.0f} s:\n"
                             f"{completed.stdout[-6000:]}\n{completed.stderr[-2000:]}")
    return _stack()


def _stack() -> Stack:
    addresses = lab_addresses()
    return Stack(kafka=addresses["kafka-1"], cassandra=addresses["cassandra-1"],
                 spark=addresses["spark-1"], ssh_config=REPO_ROOT / ".lab" / "ssh" / "config")


def wait_for(condition, timeout_s: float, interval_s: float = 3.0, what: str = "condition"):
    """Poll `condition` until it returns a truthy value; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}; last value: {last!r}")
