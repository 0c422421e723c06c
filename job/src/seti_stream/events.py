"""Event rules: turboSETI 2.3.2's find_event logic as a pure, incremental function.

:func:`evaluate_cadence` looks at the scans of one cadence that are complete so far
and returns every ON hit that passes level 1 and level 2, and the events seeded by
hits of the first ON scan. The batch command and the streaming job both call it, so
at filter 3 their events are equal. The rules, with turboSETI's strict comparisons
(``f`` is the hit's uncorrected frequency in MHz; the 1e6 turns Hz into MHz):

level 1
    ON hits with SNR > snr_cut (when set), min_drift_rate < |drift| < max_drift_rate
    (each when set); an exact zero drift is dropped unless ``check_zero_drift`` keeps
    it, and a minimum drift, when set, drops it anyway.
level 2
    and no hit of any OFF scan (any SNR, any drift) strictly inside
    ``f +- |R| x obs_length / 1e6``, where R is the max_drift_rate of the ON hit's own
    scan header, or DELTAF/DELTAT when that is 0.
level 3
    a level-2 hit of the first ON scan with, in every other ON scan, a level-2 hit
    strictly inside ``f + d x dt / 1e6 +- |d| x 2 x obs_length / 1e6``, where d is the
    hit's drift (DELTAF/DELTAT when it is exactly 0) and dt the seconds from the first
    ON scan's start to that scan's start.

Differences from turboSETI 2.3.2, on purpose: each event lists its member hit in
every ON scan (the nearest to the predicted frequency), where turboSETI drops rows
and whole events by de-duplicating on ``Top_Hit_#``; and the OFF veto and the ON-to-ON
follow are interval searches on sorted arrays instead of a pass over every OFF hit per
ON hit.

Streaming states of an event (one per first-ON hit that passed level 1 and the first
OFF scan): ``candidate`` (level 2) once the first ON and the first OFF scan are
complete; ``vetoed`` (level 1) when another complete OFF scan has a hit in the veto
window; ``confirmed`` (level 3) once every ON scan is complete and has a member;
``unconfirmed`` (level 2) when the cadence is closed without level 3.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from seti_stream.cadence import cadence_layout
from seti_stream.model import Scan, event_id_for, hit_column

CANDIDATE = "candidate"
VETOED = "vetoed"
CONFIRMED = "confirmed"
UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class EventParams:
    """Filter settings; the defaults are turboSETI 2.3.2's find_events defaults."""

    filter_threshold: int = 3
    snr_cut: float | None = None
    min_drift_rate: float | None = None
    max_drift_rate: float | None = None
    check_zero_drift: bool = False

    def __post_init__(self):
        if self.filter_threshold not in (1, 2, 3):
            raise ValueError(f"filter_threshold is {self.filter_threshold!r}, expected 1, 2 or 3")
        for name in ("snr_cut", "min_drift_rate", "max_drift_rate"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} is {value!r}, expected a finite number")
            if value < 0:
                raise ValueError(f"{name} is {value!r}, must be >= 0")
        if (self.min_drift_rate is not None and self.max_drift_rate is not None
                and self.min_drift_rate >= self.max_drift_rate):
            raise ValueError(f"min_drift_rate {self.min_drift_rate!r} must be below "
                             f"max_drift_rate {self.max_drift_rate!r}")


@dataclass(frozen=True)
class Member:
    """One hit of an event: the seed in the first ON scan or its match in another."""

    scan_index: int
    scan_id: str
    position: int
    hit_id: str
    frequency_mhz: float
    drift_rate_hz_per_s: float
    snr: float
    delta_t_s: float


@dataclass(frozen=True)
class Event:
    """An event seeded by a first-ON-scan hit (see the module docstring for states).

    ``members`` has the seed first, then one hit per other complete ON scan that has a
    match, in scan order. ``rfi_in_range`` counts OFF hits in the seed's veto window
    over the complete OFF scans; ``vetoed_by`` is the first OFF scan index with one.
    """

    event_id: str
    cadence_id: str
    seed_hit_id: str
    level: int
    status: str
    members: tuple[Member, ...]
    frequency_mhz: float
    drift_rate_hz_per_s: float
    max_snr: float
    in_n_ons: int
    rfi_in_range: int
    vetoed_by: int | None

    @property
    def seed(self) -> Member:
        return self.members[0]


@dataclass(frozen=True)
class CadenceResult:
    """What the complete scans of one cadence show so far.

    ``level1`` and ``level2`` map each complete ON scan index to the positions (in
    ``scan.hits``) of its hits that pass that level; level 2 is against the complete
    OFF scans. ``events`` is empty until the first ON and first OFF scans are complete.
    """

    cadence_id: str
    closed: bool
    on_indices: tuple[int, ...]
    off_indices: tuple[int, ...]
    complete_indices: tuple[int, ...]
    level1: Mapping[int, tuple[int, ...]]
    level2: Mapping[int, tuple[int, ...]]
    events: tuple[Event, ...]
    level2_decided: bool

    def confirmed(self) -> tuple[Event, ...]:
        return tuple(event for event in self.events if event.status == CONFIRMED)


class _ScanArrays:
    """Numpy columns of one scan and its hits sorted by frequency."""

    __slots__ = ("scan", "frequency", "drift", "snr", "rank")

    def __init__(self, scan: Scan):
        hits = scan.hits
        count = len(hits)
        self.scan = scan
        self.frequency = hit_column(hits, "uncorrected_frequency_mhz")
        self.drift = hit_column(hits, "drift_rate_hz_per_s")
        self.snr = hit_column(hits, "snr")
        # Rank of each hit by frequency, ties broken by coarse channel, channel index
        # and drift, so that a nearest-match tie never depends on the order of hits.
        coarse = hit_column(hits, "coarse_channel_number")
        channel = hit_column(hits, "channel_index")
        order = np.lexsort((self.drift, channel, coarse, self.frequency))
        self.rank = np.empty(count, dtype=np.int64)
        self.rank[order] = np.arange(count)


def _arrays(scan: Scan, cache: dict[int, _ScanArrays]) -> _ScanArrays:
    key = id(scan)
    if key not in cache:
        cache[key] = _ScanArrays(scan)
    return cache[key]


def level1_mask(arrays: _ScanArrays, params: EventParams) -> np.ndarray:
    """Return which hits of an ON scan pass level 1."""
    mask = np.ones(arrays.frequency.shape, dtype=bool)
    if not params.check_zero_drift:
        mask &= arrays.drift != 0.0
    if params.snr_cut is not None:
        mask &= np.abs(arrays.snr) > abs(float(params.snr_cut))
    if params.min_drift_rate is not None:
        mask &= np.abs(arrays.drift) > abs(float(params.min_drift_rate))
    if params.max_drift_rate is not None:
        mask &= np.abs(arrays.drift) < abs(float(params.max_drift_rate))
    return mask


def count_strictly_inside(sorted_values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Return, per interval, how many sorted values v satisfy low < v < high."""
    if sorted_values.size == 0:
        return np.zeros(np.shape(low), dtype=np.int64)
    above_low = np.searchsorted(sorted_values, low, side="right")
    below_high = np.searchsorted(sorted_values, high, side="left")
    return np.maximum(below_high - above_low, 0)


def veto_window(arrays: _ScanArrays, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the OFF veto interval (low, high) in MHz of the given hits of an ON scan."""
    header = arrays.scan.header
    drift = header.veto_drift_rate_hz_per_s()
    # Same operation order as turboSETI's calc_freq_range, so bounds match to the bit.
    half_width = abs(drift) * (0.0 + header.obs_length_s) / 1e6
    frequency = arrays.frequency[positions]
    return frequency - half_width, frequency + half_width


def delta_t_seconds(mjd: float, reference_mjd: float) -> float:
    """Return seconds between two MJDs, computed as turboSETI does."""
    return (float(mjd) - reference_mjd) * 3600 * 24


def follow_window(frequency: np.ndarray, drift: np.ndarray, delta_t_s: float,
                  obs_length_s: float, foff_hz: float, tsamp_s: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (center, low, high) in MHz where a first-ON hit should be ``delta_t_s`` later."""
    rate = np.where(drift == 0.0, float(foff_hz) / float(tsamp_s), drift)
    center = frequency + rate * delta_t_s / 1e6
    half_width = np.abs(rate) * (2.0 * obs_length_s) / 1e6
    return center, center - half_width, center + half_width


def nearest_inside(sorted_values: np.ndarray, center: np.ndarray, low: np.ndarray,
                   high: np.ndarray) -> np.ndarray:
    """Return, per interval, the sorted index of the value nearest ``center`` with
    low < value < high, or -1 when there is none. Ties go to the lower index."""
    result = np.full(np.shape(center), -1, dtype=np.int64)
    if sorted_values.size == 0 or np.size(center) == 0:
        return result
    first = np.searchsorted(sorted_values, low, side="right")
    stop = np.searchsorted(sorted_values, high, side="left")
    found = stop > first
    if not found.any():
        return result

    split = np.searchsorted(sorted_values, center, side="left")
    below = np.clip(split - 1, first, stop - 1)
    above = np.clip(split, first, stop - 1)
    last = sorted_values.size - 1
    distance_below = np.abs(sorted_values[np.clip(below, 0, last)] - center)
    distance_above = np.abs(sorted_values[np.clip(above, 0, last)] - center)
    choice = np.where(distance_above < distance_below, above, below)
    result[found] = choice[found]
    return result


def _layout(scans_by_index: Mapping[int, Scan], number_in_cadence: int,
            on_off_first: str) -> tuple[bool, ...]:
    default = list(cadence_layout(number_in_cadence, on_off_first))
    for index, scan in scans_by_index.items():
        if not 0 <= index < number_in_cadence:
            raise ValueError(f"scan index {index} of {scan.scan_id} is outside 0..{number_in_cadence - 1}")
        default[index] = bool(scan.is_on_source)
    return tuple(default)


def _off_frequencies(off_arrays: list[_ScanArrays]) -> np.ndarray:
    if not off_arrays:
        return np.empty(0, dtype=np.float64)
    return np.sort(np.concatenate([arrays.frequency for arrays in off_arrays]), kind="stable")


def evaluate_cadence(scans_by_index: Mapping[int, Scan], number_in_cadence: int,
                     params: EventParams | None = None, closed: bool = False,
                     on_off_first: str = "ON", cadence_id: str | None = None,
                     statuses: frozenset[str] | None = None) -> CadenceResult:
    """Apply the event rules to the complete scans of one cadence.

    ``scans_by_index`` maps a scan's position in the time-sorted cadence to the scan;
    only complete scans belong in it. A scan's own ``is_on_source`` decides whether it
    is ON; positions without a scan yet follow ``on_off_first``. ``closed`` means that
    no more scans will come, so an event without level 3 is ``unconfirmed``. The
    cadence id defaults to the scan id of position 0. ``statuses``, when given, limits
    the events built to those statuses (the batch command requests confirmed events
    only, which saves building thousands of candidates on dense data); the rest of
    the result does not change. The result depends only on the arguments, so
    recomputing it on every new scan gives the same answer in any arrival order.
    """
    params = params or EventParams()
    cache: dict[int, _ScanArrays] = {}
    if cadence_id is None:
        if 0 not in scans_by_index:
            raise ValueError("cadence_id is required until the scan at position 0 is complete")
        cadence_id = scans_by_index[0].scan_id

    layout = _layout(scans_by_index, number_in_cadence, on_off_first)
    on_indices = tuple(index for index, is_on in enumerate(layout) if is_on)
    off_indices = tuple(index for index, is_on in enumerate(layout) if not is_on)
    complete = tuple(sorted(scans_by_index))
    complete_on = [index for index in on_indices if index in scans_by_index]
    complete_off = [index for index in off_indices if index in scans_by_index]

    arrays = {index: _arrays(scans_by_index[index], cache) for index in complete}
    off_frequency = _off_frequencies([arrays[index] for index in complete_off])

    level1: dict[int, np.ndarray] = {}
    level2: dict[int, np.ndarray] = {}
    for index in complete_on:
        passing = np.flatnonzero(level1_mask(arrays[index], params))
        low, high = veto_window(arrays[index], passing)
        level1[index] = passing
        level2[index] = passing[count_strictly_inside(off_frequency, low, high) == 0]

    first_on = on_indices[0] if on_indices else None
    first_off = off_indices[0] if off_indices else None
    decided = (first_on is not None and first_on in scans_by_index
               and (first_off is None or first_off in scans_by_index))
    events: tuple[Event, ...] = ()
    if decided:
        events = _seed_events(cadence_id, scans_by_index, arrays, level1[first_on], level2,
                              on_indices, complete_off, first_off, closed, statuses)

    return CadenceResult(
        cadence_id=cadence_id, closed=closed, on_indices=on_indices, off_indices=off_indices,
        complete_indices=complete,
        level1={index: tuple(int(p) for p in positions) for index, positions in level1.items()},
        level2={index: tuple(int(p) for p in positions) for index, positions in level2.items()},
        events=events, level2_decided=decided)


def _member(index: int, scan: Scan, arrays: _ScanArrays, position: int, delta_t_s: float) -> Member:
    return Member(scan_index=index, scan_id=scan.scan_id, position=position,
                  hit_id=scan.hit_id(position), frequency_mhz=float(arrays.frequency[position]),
                  drift_rate_hz_per_s=float(arrays.drift[position]), snr=float(arrays.snr[position]),
                  delta_t_s=delta_t_s)


def _seed_events(cadence_id, scans_by_index, arrays, first_level1, level2, on_indices,
                 complete_off, first_off, closed, statuses) -> tuple[Event, ...]:
    first_on = on_indices[0]
    seed_arrays = arrays[first_on]
    seed_scan = scans_by_index[first_on]
    header = seed_scan.header

    # Seeds: level-1 hits of the first ON scan that the first OFF scan does not veto.
    low, high = veto_window(seed_arrays, first_level1)
    per_off = {}
    for index in complete_off:
        off_sorted = np.sort(arrays[index].frequency, kind="stable")
        per_off[index] = count_strictly_inside(off_sorted, low, high)
    if first_off is not None:
        keep = per_off[first_off] == 0
    else:
        keep = np.ones(first_level1.shape, dtype=bool)
    seeds = first_level1[keep]
    off_counts = {index: counts[keep] for index, counts in per_off.items()}
    if seeds.size == 0:
        return ()

    # Follow each seed into every other complete ON scan, among its level-2 hits.
    reference_mjd = header.mjd
    matches: dict[int, tuple[np.ndarray, float]] = {}
    for index in on_indices[1:]:
        if index not in scans_by_index:
            continue
        target = arrays[index]
        delta_t = delta_t_seconds(scans_by_index[index].header.mjd, reference_mjd)
        candidates = level2[index]
        candidate_order = candidates[np.argsort(target.rank[candidates], kind="stable")]
        candidate_frequency = target.frequency[candidate_order]
        center, low_f, high_f = follow_window(seed_arrays.frequency[seeds], seed_arrays.drift[seeds],
                                              delta_t, header.obs_length_s, header.foff_hz,
                                              header.tsamp_s)
        nearest = nearest_inside(candidate_frequency, center, low_f, high_f)
        positions = np.full(nearest.shape, -1, dtype=np.int64)
        positions[nearest >= 0] = candidate_order[nearest[nearest >= 0]]
        matches[index] = (positions, delta_t)

    # Decide every seed's state with array operations, then build only the events asked for.
    in_n_ons = np.zeros(seeds.shape, dtype=np.int64)
    for positions, _delta_t in matches.values():
        in_n_ons += positions >= 0
    rfi_in_range = np.zeros(seeds.shape, dtype=np.int64)
    vetoed_by = np.full(seeds.shape, -1, dtype=np.int64)
    for index in complete_off:
        counts = off_counts[index]
        rfi_in_range += counts
        vetoed_by = np.where((vetoed_by < 0) & (counts > 0), index, vetoed_by)
    all_on_complete = all(index in scans_by_index for index in on_indices)
    confirmed = (vetoed_by < 0) & all_on_complete & (in_n_ons == len(on_indices) - 1)

    events = []
    for number, position in enumerate(seeds.tolist()):
        if vetoed_by[number] >= 0:
            level, status = 1, VETOED
        elif confirmed[number]:
            level, status = 3, CONFIRMED
        elif closed:
            level, status = 2, UNCONFIRMED
        else:
            level, status = 2, CANDIDATE
        if statuses is not None and status not in statuses:
            continue

        members = [_member(first_on, seed_scan, seed_arrays, position, 0.0)]
        for index, (positions, delta_t) in matches.items():
            match = int(positions[number])
            if match >= 0:
                members.append(_member(index, scans_by_index[index], arrays[index], match, delta_t))
        seed_hit_id = members[0].hit_id
        events.append(Event(
            event_id=event_id_for(cadence_id, seed_hit_id), cadence_id=cadence_id,
            seed_hit_id=seed_hit_id, level=level, status=status, members=tuple(members),
            frequency_mhz=members[0].frequency_mhz, drift_rate_hz_per_s=members[0].drift_rate_hz_per_s,
            max_snr=max(member.snr for member in members), in_n_ons=int(in_n_ons[number]),
            rfi_in_range=int(rfi_in_range[number]),
            vetoed_by=int(vetoed_by[number]) if vetoed_by[number] >= 0 else None))
    return tuple(events)
