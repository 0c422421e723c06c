"""Reader and writer of turboSETI ``.dat`` hit files.

A ``.dat`` file has a 9-line header and one hit per line after it::

    # -------------------------- o --------------------------
    # File ID: synth_00_SYNTH_ON.h5
    # -------------------------- o --------------------------
    # Source:SYNTH_ON
    # MJD: 59046.926342592589	RA: 17h47m15s	DEC: -28d22m59.16s
    # DELTAT:  18.253611	DELTAF(Hz):  -2.793968	max_drift_rate:   4.000000	obs_length: 292.057776
    # --------------------------
    # Top_Hit_# 	Drift_Rate 	SNR 	Uncorrected_Frequency 	...
    # --------------------------
    000001	 -0.571438	 15.753345	   8421.378936	...

The reader accepts any run of whitespace between fields, CRLF line endings, headers
written before turbo_seti 2.1 (line 6 without max_drift_rate and obs_length: the
defaults of :mod:`seti_stream.settings` are used and a warning names the file),
source names stored as a bytes repr, and files without hits. It rejects bad hit rows
one at a time and keeps the good ones; a truncated or unreadable header rejects the
whole file with :class:`DatParseError`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seti_stream.logs import get_logger
from seti_stream.model import Hit, HitTable, Scan, ScanHeader, normalise_source, scan_id_for
from seti_stream.settings import Settings

log = get_logger(__name__)

HEADER_LINES = 9

# The twelve hit columns, in file order, as turboSETI names them.
DAT_COLUMNS = (
    "Top_Hit_#", "Drift_Rate", "SNR", "Uncorrected_Frequency", "Corrected_Frequency",
    "Index", "freq_start", "freq_end", "SEFD", "SEFD_freq", "Coarse_Channel_Number",
    "Full_number_of_hits",
)
_INT_COLUMNS = frozenset((0, 5, 10, 11))

# Reasons a hit row is rejected; the report counts rows by these categories.
WRONG_COLUMN_COUNT = "wrong column count"
NOT_A_NUMBER = "not a number"
NOT_FINITE = "NaN or infinity"
SNR_NOT_POSITIVE = "SNR <= 0"
FREQUENCY_NOT_POSITIVE = "frequency <= 0"
NEGATIVE_CHANNEL = "channel index < 0"
UNEXPECTED_COMMENT = "comment line inside the hit table"

_KEY_VALUE = re.compile(r"([A-Za-z_]+(?:\([A-Za-z]+\))?)\s*:\s*(\S+)")


class DatParseError(ValueError):
    """A ``.dat`` file whose header is missing, truncated or unreadable."""

    def __init__(self, path: str, line: int | None, problem: str):
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class RowRejection:
    """One hit row that was not kept: its line number, reason category and detail."""

    line: int
    category: str
    detail: str
    text: str


@dataclass
class ParseReport:
    """Account of the rows of one file: read, kept, rejected and collapsed duplicates."""

    path: str
    rows_read: int = 0
    rows_kept: int = 0
    duplicates_collapsed: int = 0
    rejected: list[RowRejection] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)

    def reasons(self) -> dict[str, int]:
        """Return the number of rejected rows per reason category."""
        return dict(Counter(rejection.category for rejection in self.rejected))

    def summary(self) -> str:
        """Return a one-line account, e.g. for logs and CLI warnings."""
        text = (f"{self.path}: {self.rows_read} rows read, {self.rows_kept} kept, "
                f"{self.rows_rejected} rejected, {self.duplicates_collapsed} duplicates collapsed")
        if self.rejected:
            parts = ", ".join(f"{count} {reason}" for reason, count in sorted(self.reasons().items()))
            text += f" ({parts})"
        return text


@dataclass
class DatFile:
    """A parsed ``.dat`` file: header, distinct valid hits in file order, report.

    ``hits`` is a :class:`HitTable` for well-formed files and a list otherwise; both
    are sequences of :class:`Hit`.
    """

    path: str
    header: ScanHeader
    hits: "list[Hit] | HitTable"
    report: ParseReport

    @property
    def scan_id(self) -> str:
        return scan_id_for(self.path, self.header.mjd)

    def to_scan(self, scan_index: int = 0, is_on_source: bool = True) -> Scan:
        """Return this file as a scan at a position of its cadence."""
        return Scan(scan_id=self.scan_id, header=self.header, hits=self.hits,
                    scan_index=scan_index, is_on_source=is_on_source, dat_path=self.path)


def _header_fields(line: str) -> dict[str, str]:
    return {key.lower(): value for key, value in _KEY_VALUE.findall(line)}


def _header_float(path: str, line_number: int, fields: dict[str, str], key: str) -> float:
    if key not in fields:
        raise DatParseError(path, line_number, f"header field {key!r} is missing")
    raw = fields[key]
    try:
        value = float(raw)
    except ValueError:
        raise DatParseError(path, line_number, f"header field {key!r} is {raw!r}, not a number") from None
    if not math.isfinite(value):
        raise DatParseError(path, line_number, f"header field {key!r} is {raw!r}, not a finite number")
    return value


def _text_after_colon(path: str, line_number: int, line: str, label: str) -> str:
    body = line.lstrip("#").strip()
    if not body.lower().startswith(label.lower()) or ":" not in body:
        raise DatParseError(path, line_number, f"expected '# {label}: ...', found {line.strip()!r}")
    return body.split(":", 1)[1].strip()


def parse_header(path: str, lines: list[str], settings: Settings | None = None) -> ScanHeader:
    """Parse the nine header lines of a ``.dat`` file.

    Raises :class:`DatParseError` naming the file and the 1-based line that is missing
    or unreadable.
    """
    for number in range(HEADER_LINES):
        if number >= len(lines):
            raise DatParseError(path, number + 1, f"header is truncated: {len(lines)} of {HEADER_LINES} lines")
        if not lines[number].lstrip().startswith("#"):
            raise DatParseError(path, number + 1, f"header line does not start with '#': {lines[number].strip()!r}")

    file_id = _text_after_colon(path, 2, lines[1], "File ID")
    source = normalise_source(_text_after_colon(path, 4, lines[3], "Source"))

    position = _header_fields(lines[4])
    mjd = _header_float(path, 5, position, "mjd")
    ra = position.get("ra", "")
    dec = position.get("dec", "")

    sampling = _header_fields(lines[5])
    tsamp_s = _header_float(path, 6, sampling, "deltat")
    foff_hz = _header_float(path, 6, sampling, "deltaf(hz)")
    if tsamp_s <= 0.0:
        raise DatParseError(path, 6, f"DELTAT is {tsamp_s!r}, must be > 0")
    if foff_hz == 0.0:
        raise DatParseError(path, 6, "DELTAF is 0, must be non-zero")

    defaults: list[str] = []
    if "max_drift_rate" in sampling and "obs_length" in sampling:
        max_drift = _header_float(path, 6, sampling, "max_drift_rate")
        obs_length = _header_float(path, 6, sampling, "obs_length")
    elif "max_drift_rate" in sampling or "obs_length" in sampling:
        raise DatParseError(path, 6, "header has only one of max_drift_rate and obs_length")
    else:
        settings = settings or Settings.from_env()
        max_drift = settings.default_max_drift_rate_hz_per_s
        obs_length = settings.default_obs_length_s
        defaults = ["max_drift_rate", "obs_length"]
        log.warning("%s: header from before turbo_seti 2.1 has no max_drift_rate and obs_length; "
                    "using max_drift_rate=%s Hz/s and obs_length=%s s from settings",
                    path, max_drift, obs_length)
    if obs_length <= 0.0:
        raise DatParseError(path, 6, f"obs_length is {obs_length!r}, must be > 0")
    if max_drift < 0.0:
        raise DatParseError(path, 6, f"max_drift_rate is {max_drift!r}, must be >= 0")

    return ScanHeader(file_id=file_id, source=source, mjd=mjd, ra=ra, dec=dec,
                      tsamp_s=tsamp_s, foff_hz=foff_hz, max_drift_rate_hz_per_s=max_drift,
                      obs_length_s=obs_length, header_defaults=tuple(defaults))


def _to_int(token: str) -> int:
    """Parse an integer column, accepting an integral float such as ``2785.0``."""
    try:
        return int(token)
    except ValueError:
        value = float(token)
        if not value.is_integer():
            raise
        return int(value)


def _explain_bad_value(tokens: list[str]) -> tuple[str, str]:
    for column, token in enumerate(tokens):
        try:
            if column in _INT_COLUMNS:
                _to_int(token)
            else:
                float(token)
        except ValueError:
            kind = "an integer" if column in _INT_COLUMNS else "a number"
            return NOT_A_NUMBER, f"{DAT_COLUMNS[column]} is {token!r}, not {kind}"
    return NOT_A_NUMBER, "a value is not a number"


def parse_row(text: str) -> tuple[Hit | None, tuple[str, str] | None]:
    """Parse one hit row; return the hit, or None and (reason category, detail)."""
    tokens = text.split()
    if len(tokens) != len(DAT_COLUMNS):
        return None, (WRONG_COLUMN_COUNT, f"{len(tokens)} columns, expected {len(DAT_COLUMNS)}")
    try:
        hit = Hit(_to_int(tokens[0]), float(tokens[1]), float(tokens[2]), float(tokens[3]),
                  float(tokens[4]), _to_int(tokens[5]), float(tokens[6]), float(tokens[7]),
                  float(tokens[8]), float(tokens[9]), _to_int(tokens[10]), _to_int(tokens[11]))
    except ValueError:
        return None, _explain_bad_value(tokens)
    problem = hit.problem()
    if problem is None:
        return hit, None
    if "finite" in problem:
        return None, (NOT_FINITE, problem)
    if problem.startswith("snr"):
        return None, (SNR_NOT_POSITIVE, problem)
    if "frequency" in problem:
        return None, (FREQUENCY_NOT_POSITIVE, problem)
    return None, (NEGATIVE_CHANNEL, problem)


_FLOAT_COLUMNS = (1, 2, 3, 4, 6, 7, 8, 9)
_FREQUENCY_COLUMNS = (3, 4)


def _fast_rows(lines: list[str]):
    """Parse well-formed rows with numpy; return (table of good rows, indices of rows
    to re-check one by one).

    Returns None when some row does not have 12 numeric tokens, so that the caller
    parses row by row and can name each problem.
    """
    # numpy's loadtxt rounds like float() and raises ValueError for a token that is
    # not a number or a row with another number of columns.
    try:
        table = np.loadtxt(lines, dtype=np.float64, comments=None, ndmin=2)
    except ValueError:
        return None
    if table.shape[1] != len(DAT_COLUMNS):
        return None

    good = np.isfinite(table).all(axis=1)
    good &= table[:, 2] > 0.0
    for column in _FREQUENCY_COLUMNS:
        good &= table[:, column] > 0.0
    for column in _INT_COLUMNS:
        good &= table[:, column] == np.floor(table[:, column])
    good &= table[:, 5] >= 0.0
    good &= table[:, 10] >= 0.0
    return table[good], np.flatnonzero(~good).tolist()


def _distinct_rows(table) -> tuple[HitTable, int]:
    """Drop rows whose (coarse channel, channel index, drift) appeared earlier."""
    if table.shape[0] == 0:
        return HitTable(table), 0
    drift = table[:, 1] + 0.0  # adding 0.0 turns -0.0 into 0.0, as in hit ids
    order = np.lexsort((drift, table[:, 5], table[:, 10]))
    keys = np.stack((table[order, 10], table[order, 5], drift[order]), axis=1)
    first_of_group = np.ones(len(order), dtype=bool)
    first_of_group[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    kept = np.sort(order[first_of_group])
    return HitTable(table[kept]), int(len(order) - len(kept))


def _distinct_hits(parsed: list[Hit]) -> tuple[list[Hit], int]:
    # Float keys: -0.0 equals 0.0, as in the canonical drift text of hit ids.
    hits: list[Hit] = []
    seen: set[tuple[int, int, float]] = set()
    for hit in parsed:
        key = (hit.coarse_channel_number, hit.channel_index, hit.drift_rate_hz_per_s)
        if key not in seen:
            seen.add(key)
            hits.append(hit)
    return hits, len(parsed) - len(hits)


def parse_dat_text(path: str, text: str, settings: Settings | None = None) -> DatFile:
    """Parse the text of a ``.dat`` file (see :func:`read_dat`)."""
    lines = text.splitlines()
    header = parse_header(path, lines, settings)
    report = ParseReport(path=path)

    numbers = [number for number in range(HEADER_LINES, len(lines)) if lines[number].strip()]
    report.rows_read = len(numbers)
    body = [lines[number] for number in numbers]
    fast = _fast_rows(body) if body and not any(line.lstrip().startswith("#") for line in body) else None

    if fast is not None:
        table, recheck = fast
        for row in recheck:
            _hit, reason = parse_row(body[row])
            report.rejected.append(RowRejection(numbers[row] + 1, reason[0], reason[1], body[row]))
        hits, report.duplicates_collapsed = _distinct_rows(table)
    else:
        parsed = []
        for number, line in zip(numbers, body):
            if line.lstrip().startswith("#"):
                report.rejected.append(RowRejection(number + 1, UNEXPECTED_COMMENT, "row starts with '#'", line))
                continue
            hit, reason = parse_row(line)
            if hit is None:
                report.rejected.append(RowRejection(number + 1, reason[0], reason[1], line))
            else:
                parsed.append(hit)
        hits, report.duplicates_collapsed = _distinct_hits(parsed)

    report.rows_kept = len(hits)
    if report.rejected or report.duplicates_collapsed:
        log.warning("%s", report.summary())
        for rejection in report.rejected[:5]:
            log.warning("%s, line %d: rejected row (%s): %s", path, rejection.line,
                        rejection.category, rejection.detail)
    return DatFile(path=path, header=header, hits=hits, report=report)


def read_dat(path: str | Path, settings: Settings | None = None) -> DatFile:
    """Read a turboSETI ``.dat`` file.

    Returns the header, the distinct valid hits in file order and a report of rows
    read, kept, rejected (with reasons) and duplicates collapsed. Raises
    :class:`DatParseError` when the header is truncated or unreadable and
    ``FileNotFoundError`` when the file does not exist.
    """
    path_text = str(path)
    data = Path(path).read_bytes()
    text = data.decode("utf-8", errors="replace")
    return parse_dat_text(path_text, text, settings)



def format_dat(header: ScanHeader, hits: list[Hit]) -> str:
    """Return ``.dat`` text in turbo_seti 2.3's layout (tab-separated, 6 decimals)."""
    rule = "# -------------------------- o --------------------------"
    out = [
        rule,
        f"# File ID: {header.file_id} ",
        rule,
        f"# Source:{header.source}",
        f"# MJD: {header.mjd:18.12f}\tRA: {header.ra}\tDEC: {header.dec}",
        f"# DELTAT: {header.tsamp_s:10.6f}\tDELTAF(Hz): {header.foff_hz:10.6f}\t"
        f"max_drift_rate: {header.max_drift_rate_hz_per_s:10.6f}\tobs_length: {header.obs_length_s:10.6f}",
        "# --------------------------",
        "# " + "".join(f"{name} \t" for name in DAT_COLUMNS),
        "# --------------------------",
    ]
    for hit in hits:
        out.append(
            f"{hit.top_hit_number:06d}\t{hit.drift_rate_hz_per_s:10.6f}\t{hit.snr:10.6f}\t"
            f"{hit.uncorrected_frequency_mhz:14.6f}\t{hit.corrected_frequency_mhz:14.6f}\t"
            f"{hit.channel_index:d}\t{hit.freq_start_mhz:14.6f}\t{hit.freq_end_mhz:14.6f}\t"
            f"{hit.sefd_jy:.1f}\t{hit.sefd_freq_mhz:14.6f}\t{hit.coarse_channel_number:d}\t"
            f"{hit.full_number_of_hits:d}\t")
    return "\n".join(out) + "\n"


def write_dat(path: str | Path, header: ScanHeader, hits: list[Hit]) -> None:
    """Write a ``.dat`` file that turbo_seti 2.3's ``read_dat`` and :func:`read_dat` accept."""
    Path(path).write_text(format_dat(header, hits), encoding="utf-8")


def read_dat_list(list_path: str | Path) -> list[Path]:
    """Return the ``.dat`` paths of a ``.lst`` file (see :func:`seti_stream.cadence.read_dat_list`).

    Kept here too because callers look for list reading beside :func:`read_dat`.
    """
    from seti_stream.cadence import read_dat_list as read_list  # cadence imports this module

    return read_list(list_path)
