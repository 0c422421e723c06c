"""Scan headers, hits and the ids derived from them.

A scan is one turboSETI search of one observation (one ``.dat`` file); a hit is one
row of it. Ids are deterministic so that a replayed scan or hit gets the same key:

- scan id: the ``.dat`` file name (without ``.dat``) and the scan's MJD, so two
  searches of one observation are two scans;
- hit id: scan id, coarse channel, channel index and drift rate as received. It never
  uses ``Top_Hit_#``, which restarts at 1 in every file.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

# Number of hex digits kept from the SHA-1 digest in hit and event ids (64 bits).
ID_HEX_DIGITS = 16


def normalise_source(source: str) -> str:
    """Return a source name without a bytes repr and surrounding blanks.

    HDF5 headers written by some tools store the name as bytes, and turboSETI then
    writes ``b'VOYAGER-1'`` into the ``.dat`` header.

    >>> normalise_source("b'VOYAGER-1'")
    'VOYAGER-1'
    >>> normalise_source(' SYNTH_ON ')
    'SYNTH_ON'
    """
    name = source.strip()
    if len(name) >= 3 and name[0] in "bB" and name[1] in "'\"" and name[-1] == name[1]:
        name = name[2:-1].strip()
    return name


def dat_stem(dat_name: str) -> str:
    """Return the base name of a ``.dat`` path without its directory and suffix."""
    base = dat_name.replace("\\", "/").rsplit("/", 1)[-1]
    if base.lower().endswith(".dat"):
        base = base[:-4]
    return base


def scan_id_for(dat_name: str, mjd: float) -> str:
    """Return the scan id of a ``.dat`` file: its stem and the MJD to 1e-8 day (~1 ms).

    >>> scan_id_for("dat/synth_00_SYNTH_ON.dat", 59046.926342592589)
    'synth_00_SYNTH_ON@59046.92634259'
    """
    return f"{dat_stem(dat_name)}@{mjd:.8f}"


def canonical_drift(drift_rate: float) -> str:
    """Return the text form of a drift rate used in hit ids.

    It is Python's shortest round-trip repr, so ``-0.571438`` parsed from a ``.dat``
    file and the same value read back from JSON give the same text. ``-0.0`` becomes
    ``0.0``.
    """
    value = float(drift_rate)
    if value == 0.0:
        value = 0.0
    return repr(value)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:ID_HEX_DIGITS]


def hit_id_for(scan_id: str, coarse_channel: int, channel_index: int, drift_rate: float) -> str:
    """Return the deterministic id of a hit (16 hex digits of a SHA-1)."""
    return _digest(f"hit|{scan_id}|{int(coarse_channel)}|{int(channel_index)}|{canonical_drift(drift_rate)}")


def hit_key(coarse_channel: int, channel_index: int, drift_rate: float) -> tuple[int, int, str]:
    """Return the part of a hit id that identifies a hit within its scan."""
    return (int(coarse_channel), int(channel_index), canonical_drift(drift_rate))


def event_id_for(cadence_id: str, seed_hit_id: str) -> str:
    """Return the deterministic id of an event seeded by a first-ON-scan hit."""
    return _digest(f"event|{cadence_id}|{seed_hit_id}")


@dataclass(frozen=True, slots=True)
class ScanHeader:
    """The nine header fields of a turboSETI ``.dat`` file.

    ``foff_hz`` is negative for a descending band (the usual case at Green Bank).
    ``header_defaults`` names the fields that a pre-2.1 header lacked and that were
    filled from settings.
    """

    file_id: str
    source: str
    mjd: float
    ra: str
    dec: str
    tsamp_s: float
    foff_hz: float
    max_drift_rate_hz_per_s: float
    obs_length_s: float
    header_defaults: tuple[str, ...] = field(default=())

    def veto_drift_rate_hz_per_s(self) -> float:
        """Return the drift rate of the OFF veto window: max_drift_rate, or DELTAF/DELTAT when 0."""
        if self.max_drift_rate_hz_per_s == 0.0:
            return self.foff_hz / self.tsamp_s
        return self.max_drift_rate_hz_per_s


@dataclass(frozen=True, slots=True)
class Hit:
    """One hit: the twelve ``.dat`` columns under unit-named attributes.

    ``drift_rate_hz_per_s`` keeps the value as received; ids are derived from it.
    """

    top_hit_number: int
    drift_rate_hz_per_s: float
    snr: float
    uncorrected_frequency_mhz: float
    corrected_frequency_mhz: float
    channel_index: int
    freq_start_mhz: float
    freq_end_mhz: float
    sefd_jy: float
    sefd_freq_mhz: float
    coarse_channel_number: int
    full_number_of_hits: int

    def key(self) -> tuple[int, int, str]:
        """Return the within-scan identity of this hit (coarse channel, index, drift)."""
        return hit_key(self.coarse_channel_number, self.channel_index, self.drift_rate_hz_per_s)

    def problem(self) -> str | None:
        """Return why this hit is invalid, or None when it is valid."""
        for name in ("drift_rate_hz_per_s", "snr", "uncorrected_frequency_mhz",
                     "corrected_frequency_mhz", "freq_start_mhz", "freq_end_mhz",
                     "sefd_jy", "sefd_freq_mhz"):
            value = getattr(self, name)
            if not math.isfinite(value):
                return f"{name} is {value!r}, not a finite number"
        if self.snr <= 0.0:
            return f"snr is {self.snr!r}, must be > 0"
        if self.uncorrected_frequency_mhz <= 0.0:
            return f"uncorrected_frequency_mhz is {self.uncorrected_frequency_mhz!r}, must be > 0"
        if self.corrected_frequency_mhz <= 0.0:
            return f"corrected_frequency_mhz is {self.corrected_frequency_mhz!r}, must be > 0"
        if self.channel_index < 0:
            return f"channel_index is {self.channel_index}, must be >= 0"
        if self.coarse_channel_number < 0:
            return f"coarse_channel_number is {self.coarse_channel_number}, must be >= 0"
        return None


@dataclass(slots=True)
class Scan:
    """One scan of a cadence: header, distinct valid hits and where it sits.

    ``hits`` is a list of :class:`Hit` or a :class:`HitTable`.

    ``scan_index`` is the position in the time-sorted cadence (0-based) and
    ``is_on_source`` is True when the telescope pointed at the target.
    """

    scan_id: str
    header: ScanHeader
    hits: "list[Hit] | HitTable"
    scan_index: int = 0
    is_on_source: bool = True
    dat_path: str | None = None
    _hit_ids: list[str | None] | None = field(default=None, repr=False)

    def hit_id(self, position: int) -> str:
        """Return the hit id of the hit at ``position`` (computed once, on demand)."""
        if self._hit_ids is None:
            self._hit_ids = [None] * len(self.hits)
        cached = self._hit_ids[position]
        if cached is None:
            hit = self.hits[position]
            cached = hit_id_for(self.scan_id, hit.coarse_channel_number, hit.channel_index,
                                hit.drift_rate_hz_per_s)
            self._hit_ids[position] = cached
        return cached


class HitTable(Sequence):
    """Hits of one scan stored as numpy columns, read-only.

    Behaves as a sequence of :class:`Hit` (built on access), so code that reads
    ``scan.hits[i]`` works unchanged, while the event rules read whole columns with
    :meth:`column` and skip creating a Python object per hit. ``table`` has one row
    per hit and the twelve ``.dat`` columns in file order.
    """

    __slots__ = ("table",)

    COLUMN_INDEX = {name: index for index, name in enumerate((
        "top_hit_number", "drift_rate_hz_per_s", "snr", "uncorrected_frequency_mhz",
        "corrected_frequency_mhz", "channel_index", "freq_start_mhz", "freq_end_mhz",
        "sefd_jy", "sefd_freq_mhz", "coarse_channel_number", "full_number_of_hits"))}
    INT_COLUMNS = frozenset(("top_hit_number", "channel_index", "coarse_channel_number", "full_number_of_hits"))

    def __init__(self, table):
        self.table = table

    def __len__(self) -> int:
        return int(self.table.shape[0])

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self[index] for index in range(*position.indices(len(self)))]
        row = self.table[position].tolist()
        return Hit(int(row[0]), row[1], row[2], row[3], row[4], int(row[5]), row[6], row[7],
                   row[8], row[9], int(row[10]), int(row[11]))

    def __eq__(self, other) -> bool:
        if isinstance(other, (HitTable, list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __repr__(self) -> str:
        return f"HitTable({len(self)} hits)"

    def column(self, name: str):
        """Return one column as a numpy array (int64 for integer columns)."""
        values = self.table[:, self.COLUMN_INDEX[name]]
        return values.astype("int64") if name in self.INT_COLUMNS else values


def hit_column(hits, name: str):
    """Return attribute ``name`` of every hit as a numpy array, from a HitTable or a list."""
    import numpy as np

    if isinstance(hits, HitTable):
        return hits.column(name)
    kind = np.int64 if name in HitTable.INT_COLUMNS else np.float64
    return np.fromiter((getattr(hit, name) for hit in hits), kind, len(hits))
