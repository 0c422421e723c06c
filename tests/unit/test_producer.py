"""Producer: record order per scan, pacing, and watch mode's send-once state."""

import json
import shutil
from pathlib import Path

from seti_stream import records
from seti_stream.producer import FolderWatcher, HitSender, RateLimiter, scan_records
from seti_stream.synthetic import generate_cadence

DATA = Path(__file__).resolve().parents[1] / "data"


class RecordingProducer:
    """Stands in for KafkaProducer: keeps what was sent (the unit under test is the producer's logic)."""

    def __init__(self):
        self.sent = []

    def send(self, topic, key, value):
        self.sent.append((topic, key, value))

        class Done:
            def add_errback(self, callback):
                return self

        return Done()

    def flush(self, timeout=None):
        pass

    def close(self, timeout=None):
        pass


def test_scan_records_hits_then_scan_end():
    cadence = generate_cadence(seed=2, hits_per_scan=4)
    scan = cadence.scans[1]

    outgoing = list(scan_records(scan, cadence.cadence_id, 6, unparsed_rows=["000007\tbad"]))

    assert [r.kind for r in outgoing] == ["hit"] * 4 + ["unparsed_row", "scan_end"]
    assert {r.key for r in outgoing} == {cadence.cadence_id.encode()}
    end = records.parse_record(outgoing[-1].value)
    assert end.hit_count == 4
    assert end.rejected_row_count == 1
    assert end.context.scan_index == 1
    assert end.context.is_on_source is False
    assert outgoing[4].value == b"000007\tbad"


def test_rate_limiter_paces_records():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(10.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()

    assert now[0] == 0.4
    assert len(slept) == 4


def write_cadence(directory: Path, seed: int):
    cadence = generate_cadence(seed=seed, hits_per_scan=3)
    cadence.write(directory)
    for name in ("cadence.lst", "truth.csv"):
        (directory / name).unlink()
    return cadence


def test_watch_sends_each_file_once(tmp_path):
    incoming = tmp_path / "incoming"
    cadence = write_cadence(incoming, seed=4)
    producer = RecordingProducer()
    watcher = FolderWatcher(HitSender("unused:9092", "seti.hits", producer=producer), str(incoming),
                            str(tmp_path / "state.json"), settle_s=0.0)

    assert watcher.poll_once() == 0
    assert watcher.poll_once() == 6
    assert watcher.poll_once() == 0

    scan_ends = [records.parse_record(v) for _, _, v in producer.sent if b'"scan_end"' in v]
    assert [e.context.scan_index for e in scan_ends] == list(range(6))
    assert {e.context.cadence_id for e in scan_ends} == {cadence.cadence_id}


def test_watch_state_survives_restart(tmp_path):
    incoming = tmp_path / "incoming"
    write_cadence(incoming, seed=4)
    state = tmp_path / "state.json"
    first = RecordingProducer()
    watcher = FolderWatcher(HitSender("unused:9092", "seti.hits", producer=first), str(incoming),
                            str(state), settle_s=0.0)
    watcher.poll_once()
    watcher.poll_once()

    second = RecordingProducer()
    restarted = FolderWatcher(HitSender("unused:9092", "seti.hits", producer=second), str(incoming),
                              str(state), settle_s=0.0)
    restarted.poll_once()
    restarted.poll_once()

    assert len(first.sent) > 0
    assert second.sent == []
    assert len(json.loads(state.read_text())["sent"]) == 6


def test_watch_starts_new_cadence_after_six_scans(tmp_path):
    incoming = tmp_path / "incoming"
    first_cadence = write_cadence(incoming, seed=4)
    producer = RecordingProducer()
    watcher = FolderWatcher(HitSender("unused:9092", "seti.hits", producer=producer), str(incoming),
                            str(tmp_path / "state.json"), settle_s=0.0)
    watcher.poll_once()
    watcher.poll_once()

    shutil.copy(DATA / "voyager2020_reconstructed" / "dat" /
                "single_coarse_guppi_59046_80036_DIAG_VOYAGER-1_0011.rawspec.0000.dat",
                incoming / "voyager.dat")
    watcher.poll_once()
    watcher.poll_once()

    last = records.parse_record(producer.sent[-1][2])
    assert last.context.cadence_id != first_cadence.cadence_id
    assert last.context.scan_index == 0
