"""Replay the demo lists into the lab stack, follow the detector, print the anomalies.

Run by `make demo` after site.yml. Sends each list of demo/ with
`seti-stream produce`, shows hits sent, hits stored and anomalies found until
the detector has caught up, then prints `seti-stream anomalies` and writes its
plot to reports/demo-anomalies.png.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.lab.core import Lab, hosts_from_inventory  # noqa: E402

SEND = ("voyager2020.lst", "synthetic.lst", "voyager1_single_scan.lst", "setigen_single_scan.lst")
EXPECTED_CONFIRMED = 5  # 2 Voyager-1 events and 3 synthetic ones (ET_A, ET_B, WEAK)
EXPECTED_INCOMPLETE = 2  # the two single scans


def lab_address(name: str) -> str:
    lab = Lab()
    hosts = {host.name: host for host in hosts_from_inventory(REPO / "inventory" / "lab")}
    return lab.address(hosts[name])


def count_dat_hits(list_name: str) -> int:
    from seti_stream.datfile import read_dat, read_dat_list

    return sum(len(read_dat(path).hits) for path in read_dat_list(str(REPO / "demo" / list_name)))


def progress(session) -> dict:
    hits = session.execute("SELECT COUNT(*) FROM seti.hits").one()[0]
    rejected = session.execute("SELECT COUNT(*) FROM seti.rejected_hits").one()[0]
    anomalies = list(session.execute("SELECT status, level FROM seti.anomalies"))
    cadences = list(session.execute("SELECT status FROM seti.cadences"))
    return {
        "hits": hits,
        "rejected": rejected,
        "confirmed": sum(1 for row in anomalies if row.status == "confirmed"),
        "candidates": sum(1 for row in anomalies if row.status == "candidate"),
        "cadences": len(cadences),
        "complete": sum(1 for row in cadences if row.status == "complete"),
        "incomplete": sum(1 for row in cadences if row.status == "incomplete"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timeout-s", type=float, default=600,
                        help="give up waiting for the detector after this many seconds (default: 600)")
    args = parser.parse_args()

    kafka = f"{lab_address('kafka-1')}:9092"
    cassandra = lab_address("cassandra-1")
    seti_stream = str(REPO / ".venv" / "bin" / "seti-stream")

    sent = 0
    for list_name in SEND:
        print(f"sending demo/{list_name}")
        subprocess.run([seti_stream, "produce", "--bootstrap-servers", kafka,
                        "--dat-list", str(REPO / "demo" / list_name)], check=True)
        sent += count_dat_hits(list_name)

    from cassandra.cluster import Cluster

    cluster = Cluster([cassandra])
    session = cluster.connect()
    started = time.monotonic()
    state = {}
    try:
        while time.monotonic() - started < args.timeout_s:
            state = progress(session)
            print(f"[{time.monotonic() - started:5.0f} s] hits sent {sent}, hits stored {state['hits']}, "
                  f"rejected {state['rejected']}, anomalies confirmed {state['confirmed']} "
                  f"(candidates {state['candidates']}), cadences complete {state['complete']}, "
                  f"incomplete {state['incomplete']} of {state['cadences']}", flush=True)
            if (state["hits"] >= sent and state["confirmed"] >= EXPECTED_CONFIRMED
                    and state["incomplete"] >= EXPECTED_INCOMPLETE):
                break
            time.sleep(3)
        else:
            print(f"demo: the detector did not catch up within {args.timeout_s:.0f} s; "
                  "see `journalctl -u seti-detector` on spark-1 (fab logs)", file=sys.stderr)
            return 1
    finally:
        cluster.shutdown()

    plot = REPO / "reports" / "demo-anomalies.png"
    plot.parent.mkdir(exist_ok=True)
    subprocess.run([seti_stream, "anomalies", "--cassandra", cassandra, "--level", "3",
                    "--format", "table", "--plot", str(plot)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
