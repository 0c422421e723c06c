"""Settings of the streaming detector and the producer, read from a TOML file.

Every key has a default, so a config file only names what a site changes.
The role renders the file on the detector node. `pipeline_version`, the
commit id written on every row, comes from the first of: the environment
variable SETI_PIPELINE_VERSION, the file PIPELINE_VERSION at the root of the
running venv (the deploy writes the commit there), the config file.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from seti_stream.reobserve import Site


@dataclass(frozen=True)
class EventSettings:
    """Event-finding thresholds, with turboSETI's defaults."""

    filter_threshold: int = 3
    snr_cut: float | None = None
    min_drift_rate: float | None = None
    max_drift_rate: float | None = None
    check_zero_drift: bool = False


@dataclass(frozen=True)
class DetectorSettings:
    """Everything the `detect` entry point reads from its config file."""

    pipeline_version: str = "dev"
    deployment_line: str = "main"

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    hits_topic: str = "seti.hits"
    anomalies_topic: str = "seti.anomalies"
    starting_offsets: str = "earliest"
    max_offsets_per_trigger: int = 20000

    cassandra_hosts: tuple[str, ...] = ("127.0.0.1",)
    cassandra_port: int = 9042
    keyspace: str = "seti"
    #: Credentials when Cassandra runs with PasswordAuthenticator; None connects without.
    cassandra_username: str | None = None
    cassandra_password: str | None = None
    consistency: str = "LOCAL_QUORUM"
    write_concurrency: int = 64

    #: Spark master URL; empty keeps spark.master of spark-defaults.conf.
    spark_master: str = "local[2]"
    spark_app_name: str = "seti-detector"
    spark_conf: dict[str, str] = field(default_factory=dict)
    trigger_interval_s: float = 2.0

    checkpoint_root: str = "/var/lib/seti-stream/checkpoints"
    stop_marker: str = "/var/lib/seti-stream/stop-requested"
    status_file: str = "/var/lib/seti-stream/status.json"
    stop_poll_interval_s: float = 1.0

    cadence_timeout_s: float = 1800.0
    timeout_check_interval_s: float = 30.0
    session_end_utc: str | None = None

    #: Largest record accepted from Kafka, in bytes; None keeps the library's limit.
    max_record_bytes: int | None = None
    site: Site = field(default_factory=Site)
    events: EventSettings = field(default_factory=EventSettings)

    @property
    def checkpoint_dir(self) -> str:
        """Checkpoint directory of this deployment line."""
        return str(Path(self.checkpoint_root) / self.deployment_line)


def _build(cls, values: dict, where: str):
    """Build dataclass `cls` from `values`, rejecting keys it does not have."""
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"unknown setting(s) in {where}: {', '.join(unknown)}")

    kwargs = {}
    for name, value in values.items():
        if name == "site":
            value = _build(Site, value, f"{where}.site")
        elif name == "events":
            value = _build(EventSettings, value, f"{where}.events")
        elif name == "cassandra_hosts":
            value = tuple(value.split(",")) if isinstance(value, str) else tuple(value)
        elif name == "spark_conf":
            value = {str(k): str(v) for k, v in value.items()}
        kwargs[name] = value
    return cls(**kwargs)


def _venv_pipeline_version() -> str | None:
    """Return the commit id the deploy wrote into the running venv, if any."""
    try:
        return Path(sys.prefix, "PIPELINE_VERSION").read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def load_settings(path: str | os.PathLike | None = None, **overrides) -> DetectorSettings:
    """Read the detector settings from a TOML file, then apply overrides.

    Keys of the file's top level (and its ``[site]`` and ``[events]`` tables)
    are the fields of `DetectorSettings`. An unknown key raises ValueError so a
    typo in a config file fails at start, not silently.
    """
    values: dict = {}
    if path is not None:
        with open(path, "rb") as handle:
            values = tomllib.load(handle)
    values.update({k: v for k, v in overrides.items() if v is not None})

    version = os.environ.get("SETI_PIPELINE_VERSION") or _venv_pipeline_version()
    if version:
        values["pipeline_version"] = version

    return _build(DetectorSettings, values, str(path or "settings"))
