"""The `detect` entry point: starts the streaming query and supervises it.

Reads the settings file, opens Cassandra and the anomaly producer, starts the
query (Kafka source -> `batch.BatchProcessor` through foreachBatch) with the
checkpoint of its deployment line, then waits: it stops the query gracefully
when the stop marker appears, closes idle cadences on a timer and keeps the
status file current. Exits non-zero when the query fails, so systemd's
Restart=on-failure starts it again from the checkpoint.
"""

from __future__ import annotations

import logging
import time

from seti_stream.detector import control
from seti_stream.detector.batch import BatchProcessor
from seti_stream.detector.ingest import KafkaRecord
from seti_stream.detector.publish import AnomalyPublisher
from seti_stream.detector.source import read_hits
from seti_stream.detector.store import Store, connect
from seti_stream.detector.settings import DetectorSettings

log = logging.getLogger(__name__)


def build_spark(settings: DetectorSettings):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(settings.spark_app_name)
    if settings.spark_master:
        builder = builder.master(settings.spark_master)
    builder = builder.config("spark.sql.shuffle.partitions", "2")
    builder = builder.config("spark.ui.enabled", "false")
    for key, value in settings.spark_conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def open_processor(settings: DetectorSettings):
    """Connect to Cassandra and Kafka; return (cluster, BatchProcessor) for the settings."""
    cluster, session = connect(settings.cassandra_hosts, settings.cassandra_port, settings.keyspace,
                               username=settings.cassandra_username,
                               password=settings.cassandra_password)
    store = Store(session, settings.keyspace, settings.pipeline_version,
                  settings.consistency, settings.write_concurrency)
    publisher = AnomalyPublisher(settings.kafka_bootstrap_servers, settings.anomalies_topic,
                                 settings.pipeline_version)
    return cluster, BatchProcessor(store, publisher, settings)


def start_query(spark, settings: DetectorSettings, processor: BatchProcessor, trigger: dict):
    """Start the streaming query: Kafka source -> processor, with the line's checkpoint.

    `trigger` contains the keyword arguments of DataStreamWriter.trigger, e.g.
    ``{"processingTime": "2 seconds"}`` or ``{"availableNow": True}``.
    """
    def process_batch(frame, batch_id):
        batch = [KafkaRecord(row.topic, row.partition, row.offset,
                             bytes(row.key) if row.key is not None else None,
                             bytes(row.value) if row.value is not None else None)
                 for row in frame.collect()]
        processor.process(batch_id, batch)

    return (
        read_hits(spark, settings).writeStream
        .queryName(f"seti-detector-{settings.deployment_line}")
        .foreachBatch(process_batch)
        .option("checkpointLocation", settings.checkpoint_dir)
        .trigger(**trigger)
        .start()
    )


def run(settings: DetectorSettings, exit_after_s: float | None = None) -> int:
    """Run the detector until the stop marker appears, `exit_after_s` passes or the query fails."""
    log.info("detector starting: pipeline_version %s, deployment line %s, checkpoint %s, "
             "topic %s at %s, Cassandra %s keyspace %s", settings.pipeline_version,
             settings.deployment_line, settings.checkpoint_dir, settings.hits_topic,
             settings.kafka_bootstrap_servers, ",".join(settings.cassandra_hosts),
             settings.keyspace)
    if control.stop_requested(settings.stop_marker):
        log.info("removing a stop marker left from before the start: %s", settings.stop_marker)
        control.clear_stop_marker(settings.stop_marker)

    cluster, processor = open_processor(settings)
    processor.load_open_cadences()

    spark = build_spark(settings)
    spark.streams.addListener(control.progress_listener(settings.status_file,
                                                        settings.pipeline_version))
    query = start_query(spark, settings, processor,
                        {"processingTime": f"{settings.trigger_interval_s} seconds"})
    timer = control.IdleCadenceTimer(processor.close_idle_cadences,
                                     settings.timeout_check_interval_s)
    timer.start()

    try:
        return _supervise(query, processor, settings, exit_after_s)
    finally:
        timer.stop()
        processor.publisher.close()
        cluster.shutdown()
        spark.stop()


def _supervise(query, processor: BatchProcessor, settings: DetectorSettings,
               exit_after_s: float | None) -> int:
    deadline = time.monotonic() + exit_after_s if exit_after_s else None
    while query.isActive:
        if control.stop_requested(settings.stop_marker) or (deadline and time.monotonic() >= deadline):
            _stop_gracefully(query, processor, settings)
            return 0
        query.awaitTermination(settings.stop_poll_interval_s)

    error = query.exception()
    if error is not None:
        log.error("query failed: %s", error)
        control.write_status(settings.status_file, False, None, settings.pipeline_version)
        return 1
    return 0


def _stop_gracefully(query, processor: BatchProcessor, settings: DetectorSettings) -> None:
    """Stop the query between micro-batches.

    Taking the processor's lock waits for a running batch to finish writing.
    The lock is released before `query.stop()`, because Spark's stop waits for
    the query thread, which may be about to enter the next batch. A batch that
    starts in that window either finishes or stays uncommitted, and the next
    start replays it.
    """
    log.info("stop requested: stopping the query after the running micro-batch")
    with processor.lock:
        pass
    query.stop()
    control.write_status(settings.status_file, False, None, settings.pipeline_version)
    control.clear_stop_marker(settings.stop_marker)
    log.info("query stopped")
