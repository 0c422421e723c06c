"""Time the lab: the cluster set (10 hosts) up from nothing, up again, and down.

Run as root from the repository root: .venv/bin/python -m bench.lab_up_down [--runs N]
Uses its own lab name and network (labb, 10.213.6) so a running demo is untouched.
"""

import argparse
import statistics
import time
from pathlib import Path

from tests.lab.core import REPO_ROOT, Lab, hosts_from_inventory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="number of up/down cycles")
    args = parser.parse_args()

    hosts = hosts_from_inventory(REPO_ROOT / "inventory" / "lab-cluster")
    lab = Lab(name="labb", net="10.213.6", state_dir=Path(REPO_ROOT / ".lab" / "bench"))
    lab.down()
    cold, warm, down = [], [], []
    for _ in range(args.runs):
        started = time.monotonic()
        lab.up(hosts)
        cold.append(time.monotonic() - started)
        started = time.monotonic()
        lab.up(hosts)
        warm.append(time.monotonic() - started)
        started = time.monotonic()
        lab.down()
        down.append(time.monotonic() - started)
    for label, values in (("up (new)", cold), ("up (all healthy)", warm), ("down", down)):
        print(f"{label:18} {len(hosts)} hosts: median {statistics.median(values):.1f} s, "
              f"max {max(values):.1f} s over {len(values)} runs")


if __name__ == "__main__":
    main()
