"""Grouping scans into cadences and checking that they belong together.

A cadence is ``number_in_cadence`` consecutive scans (6 for ABACAD) in order of scan
start time (MJD); the order of a ``.lst`` file never matters. Each scan is ON or OFF
the target, either by its position (``on_off_first`` is the kind of the first scan,
then ON and OFF alternate) or, when ``on_source`` names the target, by its source
name. Source names only validate: all ON scans of a cadence must point at one target.
A cadence id is the scan id of its first scan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seti_stream.datfile import DatFile, read_dat
from seti_stream.logs import get_logger
from seti_stream.model import Scan, hit_column, normalise_source
from seti_stream.settings import DEFAULT_NUMBER_IN_CADENCE, Settings

log = get_logger(__name__)

ON = "ON"
OFF = "OFF"


class CadenceError(ValueError):
    """A list of scans that cannot be grouped into cadences; the message names the file."""


@dataclass
class Cadence:
    """Time-sorted scans of one cadence, each with its ``scan_index`` and ON/OFF flag."""

    cadence_id: str
    scans: list[Scan]
    number_in_cadence: int

    @property
    def is_whole(self) -> bool:
        return len(self.scans) == self.number_in_cadence

    @property
    def on_scans(self) -> list[Scan]:
        return [scan for scan in self.scans if scan.is_on_source]

    @property
    def off_scans(self) -> list[Scan]:
        return [scan for scan in self.scans if not scan.is_on_source]

    def layout(self) -> tuple[bool, ...]:
        """Return the ON (True) / OFF (False) flag of each scan position."""
        return tuple(scan.is_on_source for scan in self.scans)


def cadence_layout(number_in_cadence: int, on_off_first: str = ON) -> tuple[bool, ...]:
    """Return the ON/OFF flag of each position when ON and OFF alternate.

    >>> cadence_layout(6, "ON")
    (True, False, True, False, True, False)
    """
    first = on_off_first.upper()
    if first not in (ON, OFF):
        raise ValueError(f"on_off_first is {on_off_first!r}, expected 'ON' or 'OFF'")
    if number_in_cadence < 1:
        raise ValueError(f"number_in_cadence is {number_in_cadence}, must be >= 1")
    on_parity = 0 if first == ON else 1
    return tuple(position % 2 == on_parity for position in range(number_in_cadence))


def read_dat_list(list_path: str | Path) -> list[Path]:
    """Return the ``.dat`` paths of a ``.lst`` file, resolved relative to the list file.

    Blank lines and lines starting with ``#`` are skipped. Raises
    :class:`CadenceError` naming the list line of a file that does not exist.
    """
    list_path = Path(list_path)
    try:
        text = list_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CadenceError(f"{list_path}: list file not found") from None
    except OSError as exc:
        raise CadenceError(f"{list_path}: cannot read the list file: {exc.strerror}") from None

    paths: list[Path] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        path = Path(entry)
        if not path.is_absolute():
            path = list_path.parent / path
        if not path.is_file():
            raise CadenceError(f"{list_path}, line {number}: {entry} not found (looked for {path}); "
                               "paths in a list are relative to the list file")
        paths.append(path)
    if not paths:
        raise CadenceError(f"{list_path}: the list names no .dat files")
    return paths


def _check_same_setup(files: list[DatFile]) -> None:
    reference = files[0]
    for other in files[1:]:
        for label, attribute in (("DELTAF", "foff_hz"), ("DELTAT", "tsamp_s")):
            expected = getattr(reference.header, attribute)
            found = getattr(other.header, attribute)
            if not math.isclose(expected, found, rel_tol=1e-9, abs_tol=0.0):
                raise CadenceError(
                    f"{other.path}: {label} is {found!r} but {reference.path} has {expected!r}; "
                    "all scans of a list must come from one instrument setup")


def _channel_zero_frequencies(dat: DatFile) -> dict[int, float]:
    """Return, per coarse channel, the frequency of channel 0 derived from its first hit."""
    if len(dat.hits) == 0:
        return {}
    coarse = hit_column(dat.hits, "coarse_channel_number")
    frequency = hit_column(dat.hits, "uncorrected_frequency_mhz")
    channel = hit_column(dat.hits, "channel_index")
    channels, first = np.unique(coarse, return_index=True)
    zero = frequency[first] - channel[first] * dat.header.foff_hz / 1e6
    return dict(zip(channels.tolist(), zero.tolist()))


def _check_same_band(files: list[DatFile]) -> None:
    # Frequencies in a .dat file are rounded to 1e-6 MHz (1 Hz), so two scans of one
    # setup agree on channel 0 to within a channel width plus that rounding.
    reference: dict[int, tuple[float, str]] = {}
    for dat in files:
        tolerance_mhz = (abs(dat.header.foff_hz) + 1.0) / 1e6
        for coarse, frequency in _channel_zero_frequencies(dat).items():
            if coarse not in reference:
                reference[coarse] = (frequency, dat.path)
                continue
            expected, where = reference[coarse]
            if abs(frequency - expected) > tolerance_mhz:
                raise CadenceError(
                    f"{dat.path}: channel 0 of coarse channel {coarse} is at {frequency:.6f} MHz "
                    f"but at {expected:.6f} MHz in {where}; all scans of a list must cover one band")


def _check_one_target(cadence: Cadence) -> None:
    on_scans = cadence.on_scans
    if not on_scans:
        return
    target = on_scans[0].header.source.upper()
    for scan in on_scans[1:]:
        if scan.header.source.upper() != target:
            raise CadenceError(
                f"{scan.dat_path}: ON scan points at {scan.header.source!r} but "
                f"{on_scans[0].dat_path} points at {on_scans[0].header.source!r}; check the list, "
                "--on-off-first or --on-source")


def group_cadences(files: list[DatFile], number_in_cadence: int = DEFAULT_NUMBER_IN_CADENCE,
                   on_off_first: str = ON, on_source: str | None = None,
                   require_whole: bool = True) -> list[Cadence]:
    """Sort scans by start time and cut them into cadences.

    Checks that every header has the same DELTAF and DELTAT and that scans with hits
    agree on the frequency of channel 0. With ``require_whole`` (levels 2 and 3), the
    number of scans must be a multiple of ``number_in_cadence``; without it the last
    cadence may be shorter. Raises :class:`CadenceError` naming the file and problem.
    """
    if not files:
        raise CadenceError("no scans to group")
    layout = cadence_layout(number_in_cadence, on_off_first)
    target = normalise_source(on_source).upper() if on_source is not None else None

    ordered = sorted(files, key=lambda dat: (dat.header.mjd, dat.scan_id))
    seen: dict[str, str] = {}
    for dat in ordered:
        if dat.scan_id in seen:
            raise CadenceError(f"{dat.path}: scan {dat.scan_id} is listed twice (also as {seen[dat.scan_id]})")
        seen[dat.scan_id] = dat.path
    _check_same_setup(ordered)
    _check_same_band(ordered)

    remainder = len(ordered) % number_in_cadence
    if require_whole and remainder:
        start = len(ordered) - remainder
        raise CadenceError(
            f"{ordered[start].path}: the list has {len(ordered)} scans, not whole cadences of "
            f"{number_in_cadence}; the cadence starting here has only {remainder} scan(s). "
            "Levels 2 and 3 need whole cadences: fix the list or --number-in-cadence")

    cadences: list[Cadence] = []
    for start in range(0, len(ordered), number_in_cadence):
        chunk = ordered[start:start + number_in_cadence]
        scans = []
        for position, dat in enumerate(chunk):
            if target is None:
                is_on = layout[position]
            else:
                is_on = dat.header.source.upper() == target
            scans.append(dat.to_scan(scan_index=position, is_on_source=is_on))
        cadence = Cadence(cadence_id=scans[0].scan_id, scans=scans, number_in_cadence=number_in_cadence)
        if target is not None and not cadence.on_scans:
            raise CadenceError(f"{chunk[0].path}: no scan of the cadence starting here has source "
                               f"{on_source!r}; check --on-source")
        _check_one_target(cadence)
        cadences.append(cadence)
        log.debug("cadence %s: %d scans, ON positions %s", cadence.cadence_id, len(scans),
                  [scan.scan_index for scan in cadence.on_scans])
    return cadences


def read_cadences(list_path: str | Path, number_in_cadence: int = DEFAULT_NUMBER_IN_CADENCE,
                  on_off_first: str = ON, on_source: str | None = None,
                  require_whole: bool = True, settings: Settings | None = None) -> list[Cadence]:
    """Read every ``.dat`` file of a ``.lst`` file and group them into cadences."""
    settings = settings or Settings.from_env()
    files = [read_dat(path, settings) for path in read_dat_list(list_path)]
    return group_cadences(files, number_in_cadence, on_off_first, on_source, require_whole)
