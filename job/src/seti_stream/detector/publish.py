"""Publish anomaly rows to Kafka topic ``seti.anomalies``.

Each record is the anomaly row as JSON, keyed by event id, sent with acks=all.
The batch publishes and flushes before it writes the anomaly rows to
Cassandra, so a crash in between sends the record again on replay rather than
never: delivery is at least once, and consumers deduplicate by event id and
level.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from kafka import KafkaProducer

log = logging.getLogger(__name__)


def anomaly_json(row: dict, pipeline_version: str) -> bytes:
    """Serialise an anomaly row (datetimes as ISO 8601 UTC)."""
    def convert(value):
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(f"cannot serialise {type(value).__name__}")

    body = {**row, "pipeline_version": pipeline_version}
    return json.dumps(body, default=convert, sort_keys=True).encode("utf-8")


class AnomalyPublisher:
    """A Kafka producer for anomaly records."""

    def __init__(self, bootstrap_servers: str, topic: str, pipeline_version: str):
        self.topic = topic
        self.pipeline_version = pipeline_version
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers.split(","),
            acks="all",
            retries=5,
            linger_ms=5,
            client_id="seti-detector-anomalies",
        )

    def publish(self, rows: list[dict]) -> None:
        """Send the rows and wait until Kafka acknowledged every one."""
        if not rows:
            return
        futures = [
            self._producer.send(self.topic, key=row["event_id"].encode("utf-8"),
                                value=anomaly_json(row, self.pipeline_version))
            for row in rows
        ]
        self._producer.flush(timeout=60)
        for future in futures:
            future.get(timeout=60)
        log.info("published %d anomaly record(s) to %s", len(rows), self.topic)

    def close(self) -> None:
        self._producer.close(timeout=10)
