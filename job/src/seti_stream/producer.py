"""Producer of ``seti.hits``: replays .dat lists, watches a folder, or sends a
seeded synthetic night.

For each scan it sends the scan's hit records, then its scan_end record (hit
count and the number of .dat rows it could not parse), all keyed by cadence id
so a cadence stays in one partition and in order. A .dat row that does not
parse is sent as its raw text, so the detector stores it in rejected_hits and
every row is accounted for. Records go out with acks=all.

Watch mode sends each .dat file once, after its size and modification time
stayed unchanged for a settle time; the files sent and the open cadence are
kept in a state file, so a restarted producer neither resends a file nor
loses its place in the open cadence.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from seti_stream import records
from seti_stream.cadence import Cadence, cadence_layout, group_cadences, read_dat_list
from seti_stream.datfile import DatFile, DatParseError, read_dat
from seti_stream.model import Scan, normalise_source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingRecord:
    """One Kafka record to send: key, value and what it is (for progress and tests)."""

    key: bytes
    value: bytes
    kind: str  # "hit", "scan_end" or "unparsed_row"
    scan_id: str


def scan_records(scan: Scan, cadence_id: str, number_in_cadence: int,
                 unparsed_rows: Iterable[str] = ()) -> Iterator[OutgoingRecord]:
    """Yield the records of one scan: its hits, unparsed rows as raw text, then scan_end."""
    context = records.ScanContext(cadence_id=cadence_id, scan_id=scan.scan_id,
                                  scan_index=scan.scan_index, is_on_source=scan.is_on_source,
                                  number_in_cadence=number_in_cadence)
    key = cadence_id.encode("utf-8")
    for hit in scan.hits:
        value = records.encode_record(records.build_hit_record(context, scan.header, hit))
        yield OutgoingRecord(key, value, "hit", scan.scan_id)

    unparsed = list(unparsed_rows)
    for text in unparsed:
        yield OutgoingRecord(key, text.encode("utf-8"), "unparsed_row", scan.scan_id)

    end = records.build_scan_end_record(context, scan.header, len(scan.hits), len(unparsed))
    yield OutgoingRecord(key, records.encode_record(end), "scan_end", scan.scan_id)


def cadence_records(cadence: Cadence, reports: dict[str, object] | None = None) -> Iterator[OutgoingRecord]:
    """Yield the records of a cadence, scan by scan in time order."""
    reports = reports or {}
    for scan in cadence.scans:
        report = reports.get(scan.dat_path)
        unparsed = [rejection.text for rejection in report.rejected] if report else []
        yield from scan_records(scan, cadence.cadence_id, cadence.number_in_cadence, unparsed)


class RateLimiter:
    """Paces hit records to a rate (records per second); None sends at full speed."""

    def __init__(self, rate: float | None, clock=time.monotonic, sleep=time.sleep):
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self.started = clock()
        self.sent = 0

    def wait(self) -> None:
        if not self.rate:
            return
        due = self.started + self.sent / self.rate
        delay = due - self.clock()
        if delay > 0:
            self.sleep(delay)
        self.sent += 1


@dataclass
class Progress:
    """Counts of records sent, shown every `interval_s` and at the end."""

    interval_s: float = 5.0
    counts: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    last_shown: float = field(default_factory=time.monotonic)

    def add(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        now = time.monotonic()
        if now - self.last_shown >= self.interval_s:
            self.show()
            self.last_shown = now

    def show(self, final: bool = False) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        hits = self.counts.get("hit", 0)
        log.info("%s %d hits, %d scan ends, %d unparsed rows in %.1f s (%.0f hits/s)",
                 "sent" if final else "sending:", hits, self.counts.get("scan_end", 0),
                 self.counts.get("unparsed_row", 0), elapsed, hits / elapsed)


class HitSender:
    """Sends records to Kafka with acks=all, paced by a rate limiter."""

    def __init__(self, bootstrap_servers: str, topic: str, rate: float | None = None,
                 producer=None):
        if producer is None:
            from kafka import KafkaProducer

            producer = KafkaProducer(bootstrap_servers=bootstrap_servers.split(","), acks="all",
                                     linger_ms=20, retries=5, batch_size=256 * 1024,
                                     max_request_size=2 * 1024 * 1024,
                                     client_id="seti-stream-producer")
        self.producer = producer
        self.topic = topic
        self.limiter = RateLimiter(rate)
        self.progress = Progress()
        self._failures: list[Exception] = []

    def send(self, record: OutgoingRecord) -> None:
        if record.kind == "hit":
            self.limiter.wait()
        future = self.producer.send(self.topic, key=record.key, value=record.value)
        future.add_errback(self._failures.append)
        self.progress.add(record.kind)

    def send_all(self, outgoing: Iterable[OutgoingRecord]) -> None:
        for record in outgoing:
            self.send(record)

    def flush(self) -> None:
        """Wait until Kafka acknowledged every record; raise if any failed."""
        self.producer.flush(timeout=120)
        if self._failures:
            raise RuntimeError(f"{len(self._failures)} record(s) not acknowledged by Kafka, "
                               f"first error: {self._failures[0]}")

    def close(self) -> None:
        self.flush()
        self.progress.show(final=True)
        self.producer.close(timeout=30)


def _report_rejections(dat: DatFile) -> None:
    if dat.report.rejected:
        log.warning("%s", dat.report.summary())


def produce_dat_list(sender: HitSender, list_path: str, number_in_cadence: int = 6,
                     on_off_first: str = "ON", on_source: str | None = None,
                     realtime: bool = False) -> list[Cadence]:
    """Send every cadence of a .lst file in time order; return the cadences sent."""
    files = [read_dat(path) for path in read_dat_list(list_path)]
    for dat in files:
        _report_rejections(dat)
    reports = {dat.path: dat.report for dat in files}
    cadences = group_cadences(files, number_in_cadence, on_off_first, on_source,
                              require_whole=False)
    pacer = _RealtimePacer() if realtime else None
    for cadence in cadences:
        log.info("cadence %s: sending %d scan(s)", cadence.cadence_id, len(cadence.scans))
        for scan in cadence.scans:
            if pacer:
                pacer.wait_for(scan)
            report = reports.get(scan.dat_path)
            unparsed = [rejection.text for rejection in report.rejected] if report else []
            sender.send_all(scan_records(scan, cadence.cadence_id, cadence.number_in_cadence, unparsed))
            sender.flush()
    return cadences


def produce_synthetic(sender: HitSender, seed: int, cadences: int, hits_per_scan: int,
                      realtime: bool = False) -> list:
    """Send a seeded synthetic night; return its cadences (with their injected truth)."""
    from seti_stream.synthetic import generate_night

    night = generate_night(seed, cadences, hits_per_scan)
    pacer = _RealtimePacer() if realtime else None
    for cadence in night:
        log.info("cadence %s: sending %d synthetic scans", cadence.cadence_id, len(cadence.scans))
        for scan in cadence.scans:
            if pacer:
                pacer.wait_for(scan)
            sender.send_all(scan_records(scan, cadence.cadence_id, cadence.number_in_cadence))
        sender.flush()
    return night


class _RealtimePacer:
    """Sends each scan as many seconds after the first as their start times differ."""

    def __init__(self):
        self.first_mjd: float | None = None
        self.started = time.monotonic()

    def wait_for(self, scan: Scan) -> None:
        if self.first_mjd is None:
            self.first_mjd = scan.header.mjd
        due = self.started + (scan.header.mjd - self.first_mjd) * 86400.0
        delay = due - time.monotonic()
        if delay > 0:
            log.info("scan %s: waiting %.0f s (real time)", scan.scan_id, delay)
            time.sleep(delay)


@dataclass
class WatchState:
    """Watch-mode state: files sent (name -> [size, mtime_ns]) and the open cadence."""

    sent: dict[str, list[int]] = field(default_factory=dict)
    cadence_id: str | None = None
    next_index: int = 0
    last_mjd: float | None = None

    @classmethod
    def load(cls, path: Path) -> "WatchState":
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(sent=data.get("sent", {}), cadence_id=data.get("cadence_id"),
                   next_index=data.get("next_index", 0), last_mjd=data.get("last_mjd"))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(json.dumps(vars(self), indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)


class FolderWatcher:
    """Watch mode: sends each complete .dat file of a folder once, in time order.

    A file is complete when its size and modification time have not changed for
    `settle_s`. A new cadence starts when the open one has all its scans or
    when a scan starts more than `cadence_gap_s` after the previous one.
    """

    def __init__(self, sender: HitSender, directory: str, state_file: str,
                 number_in_cadence: int = 6, on_off_first: str = "ON",
                 on_source: str | None = None, settle_s: float = 5.0,
                 cadence_gap_s: float = 1800.0):
        self.sender = sender
        self.directory = Path(directory)
        self.state_path = Path(state_file)
        self.state = WatchState.load(self.state_path)
        self.number_in_cadence = number_in_cadence
        self.layout = cadence_layout(number_in_cadence, on_off_first)
        self.on_source = normalise_source(on_source).upper() if on_source else None
        self.settle_s = settle_s
        self.cadence_gap_s = cadence_gap_s
        self._seen: dict[str, tuple[int, int, float]] = {}

    def _settled_files(self) -> list[Path]:
        now = time.monotonic()
        settled = []
        for path in sorted(self.directory.glob("*.dat")):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            signature = (stat.st_size, stat.st_mtime_ns)
            if self.state.sent.get(path.name) is not None:
                if list(signature) != self.state.sent[path.name]:
                    log.warning("%s changed after it was sent; not sending it again", path)
                    self.state.sent[path.name] = list(signature)
                continue
            previous = self._seen.get(path.name)
            if previous is None or previous[:2] != signature:
                self._seen[path.name] = (*signature, now)
            elif now - previous[2] >= self.settle_s:
                settled.append(path)
        return settled

    def poll_once(self) -> int:
        """Send the files that became complete; return how many were sent."""
        ready = []
        for path in self._settled_files():
            try:
                ready.append(read_dat(path))
            except DatParseError as error:
                log.error("%s not sent: %s", path, error)
                stat = path.stat()
                self.state.sent[path.name] = [stat.st_size, stat.st_mtime_ns]
        ready.sort(key=lambda dat: (dat.header.mjd, dat.scan_id))

        for dat in ready:
            self._send_file(dat)
        if ready:
            self.state.save(self.state_path)
        return len(ready)

    def _send_file(self, dat: DatFile) -> None:
        state = self.state
        gap = (dat.header.mjd - state.last_mjd) * 86400.0 if state.last_mjd is not None else 0.0
        if state.cadence_id is None or state.next_index >= self.number_in_cadence or gap > self.cadence_gap_s:
            state.cadence_id, state.next_index = dat.scan_id, 0
            log.info("cadence %s: started by %s", state.cadence_id, dat.path)

        index = state.next_index
        if self.on_source:
            is_on = normalise_source(dat.header.source).upper() == self.on_source
        else:
            is_on = self.layout[index]
        scan = dat.to_scan(scan_index=index, is_on_source=is_on)
        _report_rejections(dat)

        unparsed = [rejection.text for rejection in dat.report.rejected]
        self.sender.send_all(scan_records(scan, state.cadence_id, self.number_in_cadence, unparsed))
        self.sender.flush()

        stat = Path(dat.path).stat()
        state.sent[Path(dat.path).name] = [stat.st_size, stat.st_mtime_ns]
        state.next_index, state.last_mjd = index + 1, dat.header.mjd
        self.state.save(self.state_path)
        log.info("cadence %s: scan %s sent as position %d (%s, %d hits)", state.cadence_id,
                 scan.scan_id, index, "ON" if is_on else "OFF", len(scan.hits))

    def run(self, poll_interval_s: float = 2.0, stop=None) -> None:
        log.info("watching %s for .dat files (state in %s)", self.directory, self.state_path)
        while stop is None or not stop():
            self.poll_once()
            time.sleep(poll_interval_s)
