"""Kafka source of the detector: topic ``seti.hits`` as a streaming DataFrame.

Spark's Kafka source tracks the offsets itself; the query's checkpoint
(one directory per deployment line) holds the offsets of each planned batch
and marks a batch committed once `foreachBatch` returned, so a restart
replays at most the batch that was running. `startingOffsets` applies only
to a new checkpoint.
"""

from __future__ import annotations

from seti_stream.detector.settings import DetectorSettings


def read_hits(spark, settings: DetectorSettings):
    """Return the streaming DataFrame of raw records (topic, partition, offset, key, value)."""
    return (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", settings.kafka_bootstrap_servers)
        .option("subscribe", settings.hits_topic)
        .option("startingOffsets", settings.starting_offsets)
        .option("maxOffsetsPerTrigger", str(settings.max_offsets_per_trigger))
        .option("failOnDataLoss", "false")
        .load()
        .select("topic", "partition", "offset", "key", "value")
    )
