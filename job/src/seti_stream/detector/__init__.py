"""The streaming detector: a thin Spark layer over the event-finder library.

Stages, one module each:

- `source`: reads ``seti.hits`` with Spark's Kafka source (the checkpoint holds
  the Kafka offsets whose micro-batch was fully written);
- `ingest`: validates each record with the library's parser into hit,
  scan_end or rejected items (pure);
- `store`: Cassandra reads and writes with prepared statements;
- `accounting`: scan and cadence rows from what was read back (pure);
- `evaluate`: the library's event rules over a cadence's complete scans, and
  the anomaly rows that changed (pure);
- `publish`: sends new or raised anomalies to ``seti.anomalies``;
- `batch`: one micro-batch through the stages above, in order;
- `control`: stop marker, status file, the timer that closes idle cadences;
- `job`: the `detect` entry point that starts the query.
"""
