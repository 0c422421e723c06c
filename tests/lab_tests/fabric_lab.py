"""A small lab and inventory for the Fabric and lifecycle tests, with a stand-in detector.

The lab gets its own name and network, fabt on 10.213.5, apart from the
other lab tests' networks (SETI_FABRIC_LAB_NAME and SETI_FABRIC_LAB_NET
override them), its state under a temporary directory,
and an inventory laid out like inventory/lab with the same group_vars, so
addresses, keys and known_hosts resolve through the real templates.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.lab.core import Lab, LabHost

REPO_ROOT = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).resolve().parent / "standin" / "seti_detector_standin.py"
LAB_NAME = os.environ.get("SETI_FABRIC_LAB_NAME", "fabt")
LAB_NET = os.environ.get("SETI_FABRIC_LAB_NET", "10.213.5")
DETECTOR = LabHost("spark-1", 31)
OTHER = LabHost("kafka-1", 11)

STANDIN_UNIT = """\
[Unit]
Description=Stand-in for the seti-stream detector (lab tests only)

[Service]
ExecStart={exec_start}
Restart=on-failure
RestartSec=1

[Install]
WantedBy=multi-user.target
"""


def write_inventory(root, hosts=(DETECTOR, OTHER)):
    """Write root/inventory/lab like the repository's lab inventory; return its directory."""
    inventory = root / "inventory" / "lab"
    (inventory / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_ROOT / "inventory" / "lab" / "group_vars" / "all" / "lab.yml", inventory / "group_vars" / "all")
    groups = {"detector": DETECTOR, "kafka": OTHER}
    document = {
        "all": {
            "children": {
                group: {"hosts": {host.name: {"lab_index": host.index}}}
                for group, host in groups.items()
                if host in hosts
            }
        }
    }
    (inventory / "hosts.yml").write_text(yaml.safe_dump(document))
    return inventory


def start_lab(root):
    """Bring up the detector and one other host with their state in root/.lab."""
    lab = Lab(name=LAB_NAME, net=LAB_NET, state_dir=root / ".lab")
    lab.up([DETECTOR, OTHER])
    return lab


def ssh(lab, host, command, input_text=None, check=True):
    completed = subprocess.run(
        lab.ssh_command(host, command), input=input_text, capture_output=True, text=True, timeout=120
    )
    if check:
        assert completed.returncode == 0, f"{host.name}: {command}: {completed.stderr}"
    return completed.stdout.strip()


def install_standin_unit(lab, exec_start):
    """Install seti-detector.service on the detector host with the given ExecStart."""
    ssh(lab, DETECTOR, "mkdir -p /opt/seti-standin /var/lib/seti-stream")
    ssh(lab, DETECTOR, "cat > /opt/seti-standin/seti_detector_standin.py", input_text=STANDIN.read_text())
    ssh(lab, DETECTOR, "cat > /etc/systemd/system/seti-detector.service",
        input_text=STANDIN_UNIT.format(exec_start=exec_start))
    ssh(lab, DETECTOR, "systemctl daemon-reload")


def run_command(argv, env_extra=None, timeout=600):
    env = {**os.environ, "SETI_LAB_NET": LAB_NET, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
           "ANSIBLE_NOCOLOR": "1", **(env_extra or {})}
    completed = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    completed.output = completed.stdout + completed.stderr
    return completed


def fab(*args):
    return run_command([str(Path(sys.executable).parent / "fab"), "--search-root", str(REPO_ROOT), *args])


def ansible_playbook(inventory, playbook, *extra_vars):
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory),
            str(REPO_ROOT / "playbooks" / playbook)]
    for extra in extra_vars:
        argv += ["-e", extra]
    return run_command(argv)
