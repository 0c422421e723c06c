"""The JSON records of the Kafka topic ``seti.hits`` (schema_version 1).

Two record types, both flat JSON objects whose field names carry their units:

``hit``
    the twelve ``.dat`` columns, the scan header, and the cadence fields the producer
    sets: ``cadence_id``, ``scan_id``, ``scan_index`` (0-based position in the
    time-sorted cadence), ``is_on_source`` and ``number_in_cadence``.
``scan_end``
    sent after a scan's last hit: the same scan and cadence fields, ``hit_count`` (hit
    records sent for the scan) and ``rejected_row_count`` (``.dat`` rows the producer
    could not parse). It marks the scan as complete for the consumer.

The producer builds records with :func:`build_hit_record` and
:func:`build_scan_end_record`; the consumer validates each payload with
:func:`parse_record`, which raises :class:`RecordError` with the reason. A ``.dat``
row the producer cannot parse can be sent as its raw text: :func:`parse_record`
rejects it, so it is accounted for with the other rejected records.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from seti_stream.model import Hit, Scan, ScanHeader, hit_id_for
from seti_stream.settings import DEFAULT_MAX_RECORD_BYTES

SCHEMA_VERSION = 1
RECORD_HIT = "hit"
RECORD_SCAN_END = "scan_end"

# Cadence fields common to both record types: name -> JSON type.
CADENCE_FIELDS = {
    "cadence_id": str,
    "scan_id": str,
    "scan_index": int,
    "is_on_source": bool,
    "number_in_cadence": int,
}

# Scan header fields: record field name -> (ScanHeader attribute, JSON type).
HEADER_FIELDS = {
    "file_id": ("file_id", str),
    "source": ("source", str),
    "mjd": ("mjd", float),
    "ra": ("ra", str),
    "dec": ("dec", str),
    "tsamp_s": ("tsamp_s", float),
    "foff_hz": ("foff_hz", float),
    "max_drift_rate_hz_per_s": ("max_drift_rate_hz_per_s", float),
    "obs_length_s": ("obs_length_s", float),
}

# Hit fields: record field name (= Hit attribute) -> (.dat column, JSON type).
HIT_FIELDS = {
    "top_hit_number": ("Top_Hit_#", int),
    "drift_rate_hz_per_s": ("Drift_Rate", float),
    "snr": ("SNR", float),
    "uncorrected_frequency_mhz": ("Uncorrected_Frequency", float),
    "corrected_frequency_mhz": ("Corrected_Frequency", float),
    "channel_index": ("Index", int),
    "freq_start_mhz": ("freq_start", float),
    "freq_end_mhz": ("freq_end", float),
    "sefd_jy": ("SEFD", float),
    "sefd_freq_mhz": ("SEFD_freq", float),
    "coarse_channel_number": ("Coarse_Channel_Number", int),
    "full_number_of_hits": ("Full_number_of_hits", int),
}

SCAN_END_FIELDS = {
    "hit_count": int,
    "rejected_row_count": int,
}


class RecordError(ValueError):
    """A Kafka payload that is not a valid record, with the ``reason`` it was rejected."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class ScanContext:
    """Position of a scan in its cadence, as the producer decided it."""

    cadence_id: str
    scan_id: str
    scan_index: int
    is_on_source: bool
    number_in_cadence: int


@dataclass(frozen=True, slots=True)
class HitRecord:
    """A validated ``hit`` record."""

    context: ScanContext
    header: ScanHeader
    hit: Hit

    @property
    def hit_id(self) -> str:
        return hit_id_for(self.context.scan_id, self.hit.coarse_channel_number,
                          self.hit.channel_index, self.hit.drift_rate_hz_per_s)


@dataclass(frozen=True, slots=True)
class ScanEndRecord:
    """A validated ``scan_end`` record."""

    context: ScanContext
    header: ScanHeader
    hit_count: int
    rejected_row_count: int


def _common_fields(context: ScanContext, header: ScanHeader, record_type: str) -> dict:
    record = {"schema_version": SCHEMA_VERSION, "record_type": record_type}
    for name in CADENCE_FIELDS:
        record[name] = getattr(context, name)
    for name, (attribute, _kind) in HEADER_FIELDS.items():
        record[name] = getattr(header, attribute)
    return record


def build_hit_record(context: ScanContext, header: ScanHeader, hit: Hit) -> dict:
    """Return the ``hit`` record of one hit as a JSON-ready dict."""
    record = _common_fields(context, header, RECORD_HIT)
    for name in HIT_FIELDS:
        record[name] = getattr(hit, name)
    return record


def build_scan_end_record(context: ScanContext, header: ScanHeader, hit_count: int,
                          rejected_row_count: int = 0) -> dict:
    """Return the ``scan_end`` record of a scan as a JSON-ready dict."""
    record = _common_fields(context, header, RECORD_SCAN_END)
    record["hit_count"] = int(hit_count)
    record["rejected_row_count"] = int(rejected_row_count)
    return record


def encode_record(record: dict) -> bytes:
    """Return a record as compact UTF-8 JSON; raises ValueError on NaN or infinity."""
    return json.dumps(record, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _reject_constant(token: str):
    raise RecordError(f"JSON contains {token}, which is not a finite number")


def _typed(record: dict, name: str, kind: type):
    if name not in record:
        raise RecordError(f"missing field {name!r}")
    value = record[name]
    if kind is bool:
        if not isinstance(value, bool):
            raise RecordError(f"field {name!r} is {value!r}, expected true or false")
        return value
    if isinstance(value, bool):
        raise RecordError(f"field {name!r} is {value!r}, expected a {kind.__name__}")
    if kind is int:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int):
            raise RecordError(f"field {name!r} is {value!r}, expected an integer")
        return value
    if kind is float:
        if not isinstance(value, (int, float)):
            raise RecordError(f"field {name!r} is {value!r}, expected a number")
        value = float(value)
        if not math.isfinite(value):
            raise RecordError(f"field {name!r} is {value!r}, not a finite number")
        return value
    if not isinstance(value, str):
        raise RecordError(f"field {name!r} is {value!r}, expected a string")
    return value


def _parse_context(record: dict) -> ScanContext:
    values = {name: _typed(record, name, kind) for name, kind in CADENCE_FIELDS.items()}
    for name in ("cadence_id", "scan_id"):
        if not values[name].strip():
            raise RecordError(f"field {name!r} is empty")
    if values["number_in_cadence"] < 1:
        raise RecordError(f"field 'number_in_cadence' is {values['number_in_cadence']}, must be >= 1")
    if not 0 <= values["scan_index"] < values["number_in_cadence"]:
        raise RecordError(f"field 'scan_index' is {values['scan_index']}, must be in "
                          f"0..{values['number_in_cadence'] - 1} (number_in_cadence - 1)")
    return ScanContext(**values)


def _parse_header(record: dict) -> ScanHeader:
    values = {attribute: _typed(record, name, kind) for name, (attribute, kind) in HEADER_FIELDS.items()}
    if values["tsamp_s"] <= 0.0:
        raise RecordError(f"field 'tsamp_s' is {values['tsamp_s']!r}, must be > 0")
    if values["foff_hz"] == 0.0:
        raise RecordError("field 'foff_hz' is 0, must be non-zero")
    if values["max_drift_rate_hz_per_s"] < 0.0:
        raise RecordError(f"field 'max_drift_rate_hz_per_s' is {values['max_drift_rate_hz_per_s']!r}, must be >= 0")
    if values["obs_length_s"] <= 0.0:
        raise RecordError(f"field 'obs_length_s' is {values['obs_length_s']!r}, must be > 0")
    return ScanHeader(**values)


def _parse_hit(record: dict) -> Hit:
    values = {name: _typed(record, name, kind) for name, (_column, kind) in HIT_FIELDS.items()}
    hit = Hit(**values)
    problem = hit.problem()
    if problem is not None:
        raise RecordError(problem)
    if hit.full_number_of_hits < 0:
        raise RecordError(f"full_number_of_hits is {hit.full_number_of_hits}, must be >= 0")
    return hit


def parse_record(raw: bytes | str, max_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> HitRecord | ScanEndRecord:
    """Validate one Kafka payload and return the record it holds.

    Raises :class:`RecordError` for a payload over ``max_bytes``, text that is not
    UTF-8 JSON, a JSON value that is not an object, an unknown ``schema_version`` or
    ``record_type``, a missing field, a wrong type, NaN or infinity, SNR <= 0,
    frequency <= 0 and channel index < 0. Unknown extra fields are ignored.
    """
    if raw is None:
        raise RecordError("payload is empty")
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    if len(data) > max_bytes:
        raise RecordError(f"payload is {len(data)} bytes, over the limit of {max_bytes} bytes")
    if not data.strip():
        raise RecordError("payload is empty")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(f"payload is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    try:
        record = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise RecordError(f"payload is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(record, dict):
        raise RecordError(f"payload is a JSON {type(record).__name__}, expected an object")

    version = record.get("schema_version")
    if version is None:
        raise RecordError("missing field 'schema_version'")
    if isinstance(version, bool) or version != SCHEMA_VERSION:
        raise RecordError(f"unknown schema_version {version!r}: this consumer reads version {SCHEMA_VERSION}")

    record_type = record.get("record_type")
    if record_type == RECORD_HIT:
        context = _parse_context(record)
        header = _parse_header(record)
        return HitRecord(context=context, header=header, hit=_parse_hit(record))
    if record_type == RECORD_SCAN_END:
        context = _parse_context(record)
        header = _parse_header(record)
        counts = {name: _typed(record, name, kind) for name, kind in SCAN_END_FIELDS.items()}
        for name, value in counts.items():
            if value < 0:
                raise RecordError(f"field {name!r} is {value}, must be >= 0")
        return ScanEndRecord(context=context, header=header, **counts)
    if record_type is None:
        raise RecordError("missing field 'record_type'")
    raise RecordError(f"unknown record_type {record_type!r}: expected 'hit' or 'scan_end'")


def scan_from_records(scan_end: ScanEndRecord, hits: list[HitRecord]) -> tuple[Scan, int]:
    """Return the complete scan that a ``scan_end`` and its hit records describe, and
    the number of duplicate hit records collapsed.

    Hits are ordered by ``Top_Hit_#`` (then coarse channel, channel index and drift),
    which is the order of a turboSETI ``.dat`` file. So the stream and the batch
    command see the same hit positions and list events in the same order, whatever
    order the records arrived in. Raises ValueError for a hit of another scan.
    """
    scan_id = scan_end.context.scan_id
    distinct: dict[tuple, Hit] = {}
    duplicates = 0
    for record in hits:
        if record.context.scan_id != scan_id:
            raise ValueError(f"hit record of scan {record.context.scan_id} given for scan {scan_id}")
        key = record.hit.key()
        if key in distinct:
            duplicates += 1
            continue
        distinct[key] = record.hit
    ordered = sorted(distinct.values(), key=lambda hit: (hit.top_hit_number,) + hit.key())
    scan = Scan(scan_id=scan_id, header=scan_end.header, hits=ordered,
                scan_index=scan_end.context.scan_index, is_on_source=scan_end.context.is_on_source)
    return scan, duplicates
