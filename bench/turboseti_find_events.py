"""Run turbo_seti 2.3.2's find_events on a .lst file and write its event table.

Runs under bench/.venv-turboseti (numpy < 2). Prints one JSON line with the time
find_events itself took, so the benchmark can report it beside the whole process.

usage: turboseti_find_events.py LIST OUT.csv [FILTER_THRESHOLD]
"""

import json
import os
import sys
import time
from contextlib import redirect_stdout


def main() -> int:
    list_path, out_path = sys.argv[1], sys.argv[2]
    threshold = int(sys.argv[3]) if len(sys.argv) > 3 else 3

    from turbo_seti.find_event.find_event import find_events

    base = os.path.dirname(os.path.abspath(list_path))
    with open(list_path) as handle:
        dat_files = [os.path.join(base, line.strip()) for line in handle if line.strip()]

    started = time.perf_counter()
    with open(os.devnull, "w") as quiet, redirect_stdout(quiet):
        table = find_events(dat_files, filter_threshold=threshold, on_off_first="ON", SNR_cut=None)
    elapsed = time.perf_counter() - started

    rows = 0
    if table is not None:
        table.to_csv(out_path)
        rows = len(table)
    else:
        with open(out_path, "w") as handle:
            handle.write("")
    print(json.dumps({"find_events_s": elapsed, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
