"""seti-stream: turboSETI hits to Kafka, Spark Structured Streaming and Cassandra."""

__version__ = "0.1.0"
