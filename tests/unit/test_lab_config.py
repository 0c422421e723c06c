"""Lab configuration that needs no hosts: names, addresses, inventories."""

import pytest
import yaml

from tests.lab.__main__ import parse_host
from tests.lab.core import Lab, LabError, LabHost, hosts_from_inventory


def test_lab_host_rejects_gateway_index():
    with pytest.raises(LabError, match="invalid lab index 1"):
        LabHost("kafka-1", 1)


def test_lab_host_rejects_bad_name():
    with pytest.raises(LabError, match="invalid lab host name 'Kafka_1'"):
        LabHost("Kafka_1", 11)


def test_lab_rejects_long_name(tmp_path):
    with pytest.raises(LabError, match="invalid SETI_LAB_NAME 'toolongname'"):
        Lab(name="toolongname", state_dir=tmp_path)


def test_lab_rejects_public_network(tmp_path):
    with pytest.raises(LabError, match="not a private range"):
        Lab(net="8.8.8", state_dir=tmp_path)


def test_lab_rejects_malformed_network(tmp_path):
    with pytest.raises(LabError, match="invalid SETI_LAB_NET '10.213'"):
        Lab(net="10.213", state_dir=tmp_path)


def test_lab_names_fit_interface_limit(tmp_path):
    lab = Lab(name="abcdef", net="10.213.7", state_dir=tmp_path)
    host = LabHost("spark-worker-2", 254)
    assert len(lab.veth(host)) <= 15
    assert len(lab.bridge) <= 15
    assert lab.address(host) == "10.213.7.254"


def test_parse_host_rejects_missing_index():
    with pytest.raises(Exception, match="expected NAME=INDEX"):
        parse_host("kafka-1")


@pytest.mark.parametrize("inventory", ["lab", "lab-cluster"])
def test_inventory_hosts_have_unique_indexes(repo_root, inventory):
    hosts = hosts_from_inventory(repo_root / "inventory" / inventory)
    indexes = [host.index for host in hosts]
    assert len(indexes) == len(set(indexes))


def test_default_inventory_has_the_four_lab_hosts(repo_root):
    names = {host.name for host in hosts_from_inventory(repo_root / "inventory" / "lab")}
    assert names == {"kafka-1", "cassandra-1", "spark-1", "producer-1"}


def test_cluster_inventory_has_the_ten_lab_hosts(repo_root):
    names = {host.name for host in hosts_from_inventory(repo_root / "inventory" / "lab-cluster")}
    assert names == {
        "kafka-1", "kafka-2", "kafka-3", "cassandra-1", "cassandra-2", "cassandra-3",
        "spark-master-1", "spark-worker-1", "spark-worker-2", "producer-1",
    }


def test_inventory_without_index_is_rejected(tmp_path):
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump({"all": {"hosts": {"lonely-1": None}}}))
    with pytest.raises(LabError, match="hosts without lab_index: lonely-1"):
        hosts_from_inventory(tmp_path)


@pytest.mark.parametrize("inventory", ["lab", "lab-cluster"])
def test_every_jvm_has_an_explicit_heap(repo_root, inventory):
    heaps = yaml.safe_load((repo_root / "inventory" / inventory / "group_vars" / "all" / "heaps.yml").read_text())
    for variable in ("kafka_heap_size", "cassandra_heap_size", "spark_daemon_memory",
                     "spark_worker_memory", "detector_driver_memory"):
        assert str(heaps[variable]).rstrip("mg").isdigit(), variable
