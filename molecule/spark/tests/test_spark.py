"""Verify the spark role on a master and two workers, with Kafka beside them.

The checks run as a user of the cluster would: the master's status endpoint,
PySpark jobs submitted in client mode on the master host over SSH, and a
topic on the Kafka host read through Spark's Kafka source.
"""

import base64
import json
import os
import urllib.request
import uuid
from pathlib import Path

import pytest
import testinfra
import yaml

MASTER = "spark-master-1"
WORKERS = ("spark-worker-1", "spark-worker-2")
KAFKA = "kafka-1"
SPARK_SUBMIT = "/opt/spark/home/bin/spark-submit"
SUBMIT_TIMEOUT_S = 600

# Lists the hostname each task ran on and the executors the driver saw. It
# waits for both executors first, so the tasks are spread over both workers.
EXECUTORS_JOB = r'''
import json, socket, sys, time, urllib.request
from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("molecule-spark-executors").getOrCreate()
sc = spark.sparkContext
url = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/executors"

def executors():
    with urllib.request.urlopen(url, timeout=60) as response:
        return [e for e in json.load(response) if e["id"] != "driver"]

deadline = time.monotonic() + 120
while len(executors()) < 2 and time.monotonic() < deadline:
    time.sleep(1)

def hostname_of_task(rows):
    time.sleep(0.5)
    yield socket.gethostname()

task_hosts = sc.parallelize(range(16), 16).mapPartitions(hostname_of_task).collect()
result = {
    "task_hosts": sorted(set(task_hosts)),
    "executors": [{"host_port": e["hostPort"], "total_tasks": e["totalTasks"]} for e in executors()],
}
print("RESULT " + json.dumps(result))
spark.stop()
'''

# Reads every record of a topic as one batch through the Kafka source.
KAFKA_JOB = r'''
import json, sys
from pyspark.sql import SparkSession

bootstrap, topic = sys.argv[1], sys.argv[2]
spark = SparkSession.builder.appName("molecule-spark-kafka").getOrCreate()
frame = (spark.read.format("kafka")
         .option("kafka.bootstrap.servers", bootstrap)
         .option("subscribe", topic)
         .option("startingOffsets", "earliest")
         .option("endingOffsets", "latest")
         .load()
         .selectExpr("CAST(key AS STRING) AS key", "CAST(value AS STRING) AS value"))
rows = [{"key": row.key, "value": row.value} for row in frame.collect()]
print("RESULT " + json.dumps(rows))
spark.stop()
'''


def _project_dir():
    return Path(os.environ["MOLECULE_PROJECT_DIRECTORY"])


@pytest.fixture(scope="module")
def addresses():
    """Map each instance name to its address, from Molecule's instance config."""
    config = yaml.safe_load(Path(os.environ["MOLECULE_INSTANCE_CONFIG"]).read_text())
    return {row["instance"]: row["address"] for row in config}


@pytest.fixture(scope="module")
def master():
    ssh_config = _project_dir() / ".lab" / "ssh" / "config"
    return testinfra.get_host(f"ssh://{MASTER}", ssh_config=str(ssh_config))


def _master_status(addresses):
    url = f"http://{addresses[MASTER]}:8080/json/"
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def _submit(master, name, source, *args):
    """Run a PySpark script with spark-submit on the master host; return its RESULT line."""
    encoded = base64.b64encode(source.encode()).decode()
    path = f"/tmp/{name}.py"
    master.run_test("echo %s | base64 -d > %s", encoded, path)
    command = master.run(
        "timeout %s %s --conf spark.executor.memory=512m %s " + " ".join(["%s"] * len(args)),
        str(SUBMIT_TIMEOUT_S), SPARK_SUBMIT, path, *args,
    )
    assert command.rc == 0, f"{name} failed (rc {command.rc}):\n{command.stderr[-4000:]}"
    lines = [line for line in command.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, f"{name} printed no RESULT line:\n{command.stdout[-2000:]}"
    return json.loads(lines[0][len("RESULT "):])


def test_daemons_listen_on_cluster_address(host, addresses):
    name = host.backend.get_hostname()
    if name == KAFKA:
        pytest.skip("no Spark daemon on the Kafka host")
    address = addresses[name]
    ports = (7077, 8080) if name == MASTER else (7078, 8081)
    assert not host.socket("tcp://6066").is_listening
    for port in ports:
        assert host.socket(f"tcp://{address}:{port}").is_listening
        assert not host.socket(f"tcp://0.0.0.0:{port}").is_listening


def test_daemon_runs_as_spark_user(host):
    name = host.backend.get_hostname()
    if name == KAFKA:
        pytest.skip("no Spark daemon on the Kafka host")
    unit = "spark-master" if name == MASTER else "spark-worker"
    service = host.service(unit)
    assert service.is_running
    assert service.is_enabled
    pid = host.check_output("systemctl show -p MainPID --value %s", unit)
    assert host.check_output("ps -o user= -p %s", pid) == "spark"


def test_daemon_heap_from_inventory(host):
    name = host.backend.get_hostname()
    if name == KAFKA:
        pytest.skip("no Spark daemon on the Kafka host")
    unit = "spark-master" if name == MASTER else "spark-worker"
    pid = host.check_output("systemctl show -p MainPID --value %s", unit)
    command_line = host.file(f"/proc/{pid}/cmdline").content_string.split("\0")
    assert "-Xmx256m" in command_line


def test_daemon_writes_log_file(host):
    name = host.backend.get_hostname()
    if name == KAFKA:
        pytest.skip("no Spark daemon on the Kafka host")
    unit = "spark-master" if name == MASTER else "spark-worker"
    log = host.file(f"/var/log/spark/{unit}.log")
    assert log.exists
    assert log.user == "spark"
    assert "Starting Spark" in log.content_string


def test_workers_registered_with_master(addresses):
    status = _master_status(addresses)
    alive = [w for w in status["workers"] if w["state"] == "ALIVE"]
    assert status["aliveworkers"] == len(WORKERS)
    assert sorted(w["host"] for w in alive) == sorted(addresses[w] for w in WORKERS)


def test_workers_offer_inventory_memory(addresses):
    status = _master_status(addresses)
    for worker in status["workers"]:
        assert worker["memory"] == 768


def test_client_mode_job_runs_on_both_workers(master, addresses):
    result = _submit(master, "executors_job", EXECUTORS_JOB)
    assert result["task_hosts"] == sorted(WORKERS)
    executor_hosts = sorted(e["host_port"].rsplit(":", 1)[0] for e in result["executors"])
    assert executor_hosts == sorted(addresses[w] for w in WORKERS)
    for executor in result["executors"]:
        assert executor["total_tasks"] > 0, executor


def test_kafka_source_reads_produced_records(master, addresses):
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    bootstrap = f"{addresses[KAFKA]}:9092"
    topic = f"molecule-spark-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        admin.close()

    expected = [{"key": f"k{i}", "value": json.dumps({"n": i})} for i in range(20)]
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for record in expected:
            producer.send(topic, key=record["key"].encode(), value=record["value"].encode())
        producer.flush(timeout=30)
    finally:
        producer.close()

    rows = _submit(master, "kafka_job", KAFKA_JOB, bootstrap, topic)
    key = lambda row: row["key"]  # noqa: E731
    assert sorted(rows, key=key) == sorted(expected, key=key)
