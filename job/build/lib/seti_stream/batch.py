"""Batch event finding over whole cadences, with turboSETI's event table as output.

At filter levels 1 and 2 the table has one row per passing ON hit (turboSETI's rows);
at level 3 it has one row per member hit of each confirmed event, so an event of a
six-scan cadence has three rows (turboSETI 2.3.2 often has fewer, see
:mod:`seti_stream.events`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from seti_stream.cadence import Cadence
from seti_stream.events import CONFIRMED, CadenceResult, EventParams, evaluate_cadence
from seti_stream.model import Scan

# turboSETI 2.3.2's event table columns, then ours.
TURBOSETI_COLUMNS = (
    "TopHitNum", "DriftRate", "SNR", "Freq", "ChanIndx", "FreqStart", "FreqEnd",
    "CoarseChanNum", "FullNumHitsInRange", "FileID", "Source", "MJD", "RA", "DEC",
    "DELTAT", "DELTAF", "max_drift_rate", "obs_length", "Hit_ID", "status", "in_n_ons",
    "RFI_in_range", "delta_t",
)
EXTRA_COLUMNS = ("event_id", "seed_hit_id", "hit_id", "level", "cadence_id", "scan_id")
COLUMNS = TURBOSETI_COLUMNS + EXTRA_COLUMNS


@dataclass
class BatchResult:
    """Rows of the event table and the evaluation of each cadence."""

    filter_threshold: int
    rows: list[dict] = field(default_factory=list)
    cadences: list[CadenceResult] = field(default_factory=list)

    @property
    def event_ids(self) -> list[str]:
        """Return the distinct event ids of the rows, in row order."""
        return list(dict.fromkeys(row["event_id"] for row in self.rows if row["event_id"]))


def _hit_row(scan: Scan, position: int, on_ordinal: int, delta_t_s: float) -> dict:
    hit = scan.hits[position]
    header = scan.header
    return {
        "TopHitNum": hit.top_hit_number,
        "DriftRate": hit.drift_rate_hz_per_s,
        "SNR": hit.snr,
        "Freq": hit.uncorrected_frequency_mhz,
        "ChanIndx": hit.channel_index,
        "FreqStart": hit.freq_start_mhz,
        "FreqEnd": hit.freq_end_mhz,
        "CoarseChanNum": hit.coarse_channel_number,
        "FullNumHitsInRange": hit.full_number_of_hits,
        "FileID": header.file_id,
        "Source": header.source,
        "MJD": f"{header.mjd:.12f}",
        "RA": header.ra,
        "DEC": header.dec,
        "DELTAT": header.tsamp_s,
        "DELTAF": header.foff_hz,
        "max_drift_rate": header.max_drift_rate_hz_per_s,
        "obs_length": header.obs_length_s,
        "Hit_ID": "",
        "status": f"on_table_{on_ordinal}",
        "in_n_ons": "",
        "RFI_in_range": "",
        "delta_t": delta_t_s,
        "event_id": "",
        "seed_hit_id": "",
        "hit_id": scan.hit_id(position),
        "level": 0,
        "cadence_id": "",
        "scan_id": scan.scan_id,
    }


def _delta_t(scan: Scan, reference: Scan | None) -> float:
    if reference is None:
        return 0.0
    return (float(scan.header.mjd) - reference.header.mjd) * 3600 * 24


def _level_rows(cadence: Cadence, result: CadenceResult, level: int) -> list[dict]:
    by_index = {scan.scan_index: scan for scan in cadence.scans}
    passing = result.level1 if level == 1 else result.level2
    on_scans = [by_index[index] for index in result.on_indices if index in by_index]
    reference = on_scans[0] if on_scans else None
    rows = []
    for ordinal, scan in enumerate(on_scans, start=1):
        delta_t = _delta_t(scan, reference)
        for position in passing.get(scan.scan_index, ()):
            row = _hit_row(scan, position, ordinal, delta_t)
            row["level"] = level
            row["cadence_id"] = cadence.cadence_id
            if level == 2:
                row["RFI_in_range"] = 0
            rows.append(row)
    return rows


def _event_rows(cadence: Cadence, result: CadenceResult) -> list[dict]:
    by_index = {scan.scan_index: scan for scan in cadence.scans}
    ordinal = {index: number for number, index in enumerate(result.on_indices, start=1)}
    rows = []
    for event in result.events:
        if event.status != CONFIRMED:
            continue
        seed_scan = by_index[event.seed.scan_index]
        # turboSETI labels an event with the source and the seed's row number in the
        # first ON file, which is Top_Hit_# - 1 in files that turboSETI wrote.
        seed_hit = seed_scan.hits[event.seed.position]
        hit_label = f"{seed_scan.header.source}_{seed_hit.top_hit_number - 1}"
        for number, member in enumerate(event.members):
            scan = by_index[member.scan_index]
            row = _hit_row(scan, member.position, ordinal[member.scan_index], member.delta_t_s)
            row.update(Hit_ID=hit_label, event_id=event.event_id, seed_hit_id=event.seed_hit_id,
                       level=3, cadence_id=cadence.cadence_id, RFI_in_range=0)
            if number == 0:
                row["in_n_ons"] = event.in_n_ons
            rows.append(row)
    return rows


def find_events(cadences: list[Cadence], params: EventParams | None = None) -> BatchResult:
    """Evaluate every cadence as closed and build the event table at the filter level."""
    params = params or EventParams()
    batch = BatchResult(filter_threshold=params.filter_threshold)
    wanted = frozenset((CONFIRMED,)) if params.filter_threshold == 3 else frozenset()
    for cadence in cadences:
        scans = {scan.scan_index: scan for scan in cadence.scans}
        result = evaluate_cadence(scans, cadence.number_in_cadence, params, closed=True,
                                  cadence_id=cadence.cadence_id,
                                  on_off_first="ON" if cadence.scans[0].is_on_source else "OFF",
                                  statuses=wanted)
        batch.cadences.append(result)
        if params.filter_threshold == 3:
            batch.rows.extend(_event_rows(cadence, result))
        else:
            batch.rows.extend(_level_rows(cadence, result, params.filter_threshold))
    return batch


def format_csv(rows: list[dict]) -> str:
    """Return the event table as CSV text with a header line."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
