"""Validate Kafka records of ``seti.hits`` into hit, scan_end and rejected items.

Reads (topic, partition, offset, key, value) tuples of one micro-batch; every
record is checked by the library's `parse_record`, the same parser the
producer's records pass. Nothing here touches Spark, Kafka or Cassandra.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from seti_stream import records
from seti_stream.reobserve import mjd_to_datetime

log = logging.getLogger(__name__)

#: rejected_hits keeps at most this much of a payload; payload_bytes has the size.
MAX_STORED_PAYLOAD_BYTES = 1024 * 1024


@dataclass(frozen=True)
class KafkaRecord:
    """One record as Spark's Kafka source delivers it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None

    @property
    def offset_key(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


@dataclass
class IngestResult:
    """A micro-batch split by record type, each item a row dict for `store`."""

    hits: list[dict] = field(default_factory=list)
    scan_headers: dict[tuple, dict] = field(default_factory=dict)
    scan_ends: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)

    def cadence_ids(self) -> set[str]:
        return {row["cadence_id"] for row in self.scan_headers.values()}


def _scan_header_row(parsed, now: datetime) -> dict:
    header = parsed.header
    context = parsed.context
    return {
        "cadence_id": context.cadence_id,
        "scan_id": context.scan_id,
        "scan_index": context.scan_index,
        "number_in_cadence": context.number_in_cadence,
        "is_on_source": context.is_on_source,
        "file_id": header.file_id,
        "source": header.source,
        "mjd": header.mjd,
        "scan_start": mjd_to_datetime(header.mjd),
        "ra": str(header.ra),
        "dec": str(header.dec),
        "tsamp_s": header.tsamp_s,
        "foff_hz": header.foff_hz,
        "max_drift_rate_hz_per_s": header.max_drift_rate_hz_per_s,
        "obs_length_s": header.obs_length_s,
        "updated_at": now,
    }


def _hit_row(parsed, text: str, record: KafkaRecord, now: datetime) -> dict:
    hit = parsed.hit
    context = parsed.context
    return {
        "scan_id": context.scan_id,
        "hit_id": parsed.hit_id,
        "cadence_id": context.cadence_id,
        "scan_index": context.scan_index,
        "is_on_source": context.is_on_source,
        "source": parsed.header.source,
        "top_hit_number": hit.top_hit_number,
        "drift_rate_hz_per_s": hit.drift_rate_hz_per_s,
        "snr": hit.snr,
        "uncorrected_frequency_mhz": hit.uncorrected_frequency_mhz,
        "corrected_frequency_mhz": hit.corrected_frequency_mhz,
        "channel_index": hit.channel_index,
        "freq_start_mhz": hit.freq_start_mhz,
        "freq_end_mhz": hit.freq_end_mhz,
        "sefd_jy": hit.sefd_jy,
        "sefd_freq_mhz": hit.sefd_freq_mhz,
        "coarse_channel_number": hit.coarse_channel_number,
        "full_number_of_hits": hit.full_number_of_hits,
        "frequency_hz": hit.corrected_frequency_mhz * 1e6,
        "bandwidth_hz": abs(hit.freq_end_mhz - hit.freq_start_mhz) * 1e6,
        "scan_start": mjd_to_datetime(parsed.header.mjd),
        "record": text,
        "ingested_at": now,
        "kafka_offset_key": record.offset_key,
    }


def _rejected_row(record: KafkaRecord, reason: str, now: datetime) -> dict:
    payload = record.value or b""
    key = record.key.decode("utf-8", "replace") if record.key is not None else None
    return {
        "kafka_topic": record.topic,
        "kafka_partition": record.partition,
        "kafka_offset": record.offset,
        "kafka_key": key,
        "payload": payload[:MAX_STORED_PAYLOAD_BYTES],
        "payload_bytes": len(payload),
        "reason": reason,
        "rejected_at": now,
    }


def ingest(batch: list[KafkaRecord], now: datetime, max_record_bytes: int | None = None) -> IngestResult:
    """Split a micro-batch into valid hits, scan ends and rejected records."""
    limit = {} if max_record_bytes is None else {"max_bytes": max_record_bytes}
    result = IngestResult()
    for record in batch:
        try:
            parsed = records.parse_record(record.value or b"", **limit)
        except records.RecordError as error:
            result.rejected.append(_rejected_row(record, error.reason, now))
            continue

        header_row = _scan_header_row(parsed, now)
        context = parsed.context
        result.scan_headers[(context.cadence_id, context.scan_index, context.scan_id)] = header_row
        text = record.value.decode("utf-8")
        if isinstance(parsed, records.ScanEndRecord):
            result.scan_ends.append({
                **header_row,
                "scan_end_seen": True,
                "scan_end_record": text,
                "hits_expected": parsed.hit_count,
            })
        else:
            result.hits.append(_hit_row(parsed, text, record, now))

    if result.rejected:
        log.warning("%d record(s) rejected, first: %s at %s/%s/%s", len(result.rejected),
                    result.rejected[0]["reason"], result.rejected[0]["kafka_topic"],
                    result.rejected[0]["kafka_partition"], result.rejected[0]["kafka_offset"])
    return result
