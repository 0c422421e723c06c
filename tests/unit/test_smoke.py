"""The smoke check's pure parts: isolation from production, settings, expected events, comparison."""

import json
from pathlib import Path

import pytest

from seti_stream.cli import main
from seti_stream.detector.settings import DetectorSettings
from seti_stream.detector.smoke import (
    SmokeOptions, compare, expected_events, isolation_errors, smoke_settings,
    starting_offsets_json, stream_events)
from seti_stream.synthetic import generate_night

PRODUCTION = DetectorSettings(pipeline_version="abc123", keyspace="seti", hits_topic="seti.hits",
                              anomalies_topic="seti.anomalies", spark_master="spark://10.0.0.5:7077",
                              checkpoint_root="/var/lib/seti-stream/checkpoints")


def test_isolation_errors_none_for_defaults():
    assert isolation_errors(PRODUCTION, SmokeOptions()) == []


@pytest.mark.parametrize("options, named", [
    (SmokeOptions(keyspace="seti"), "'seti' is the detector's keyspace"),
    (SmokeOptions(hits_topic="seti.hits"), "'seti.hits' is one of the detector's topics"),
    (SmokeOptions(anomalies_topic="seti.hits"), "choose another with --anomalies-topic"),
    (SmokeOptions(hits_topic="seti.anomalies"), "choose another with --topic"),
    (SmokeOptions(hits_topic="x", anomalies_topic="x"), "both 'x'"),
    (SmokeOptions(hits_per_scan=3), "hits per scan 3"),
])
def test_isolation_errors_name_the_value(options, named):
    errors = isolation_errors(PRODUCTION, options)

    assert any(named in error for error in errors), errors


def test_smoke_settings_redirect_every_output(tmp_path):
    settings = smoke_settings(PRODUCTION, SmokeOptions(), tmp_path, '{"seti.smoke.hits": {"0": 5}}')

    assert settings.keyspace == "seti_smoke"
    assert (settings.hits_topic, settings.anomalies_topic) == ("seti.smoke.hits", "seti.smoke.anomalies")
    assert settings.spark_master == "local[2]"
    assert Path(settings.checkpoint_dir).parent == tmp_path / "checkpoints"
    assert Path(settings.stop_marker).parent == tmp_path
    assert Path(settings.status_file).parent == tmp_path
    assert settings.starting_offsets == '{"seti.smoke.hits": {"0": 5}}'
    # What the version is checked with stays the production one.
    assert settings.pipeline_version == "abc123"
    assert settings.events == PRODUCTION.events
    assert settings.cassandra_hosts == PRODUCTION.cassandra_hosts


def test_smoke_settings_reject_production_keyspace(tmp_path):
    with pytest.raises(ValueError, match="'seti' is the detector's keyspace"):
        smoke_settings(PRODUCTION, SmokeOptions(keyspace="seti"), tmp_path, "latest")


def test_starting_offsets_json_per_partition():
    text = starting_offsets_json("seti.smoke.hits", {1: 40, 0: 12})

    assert json.loads(text) == {"seti.smoke.hits": {"0": 12, "1": 40}}


def test_starting_offsets_json_refuses_no_partitions():
    with pytest.raises(ValueError, match="no partitions"):
        starting_offsets_json("t", {})


def test_expected_events_match_injected_signals():
    options = SmokeOptions()
    night = generate_night(options.seed, options.cadences, options.hits_per_scan)

    events = expected_events(night, PRODUCTION)

    # Each synthetic cadence has 3 injected ET signals, found in its 3 ON scans.
    assert len(events) == 3 * options.cadences
    assert {cadence for cadence, _, _ in events.values()} == {c.cadence_id for c in night}
    assert all(len(members) == 3 for _, _, members in events.values())


def test_expected_events_use_version_thresholds():
    night = generate_night(1977, 1, 60)
    strict = DetectorSettings(events=PRODUCTION.events.__class__(snr_cut=10_000.0))

    assert expected_events(night, strict) == {}


def _rows(events, level=3, status="confirmed"):
    return [{"event_id": event_id, "cadence_id": cadence, "seed_hit_id": seed,
             "member_hit_ids": list(members), "level": level, "status": status}
            for event_id, (cadence, seed, members) in events.items()]


def test_stream_events_keep_confirmed_level3_only():
    events = {"e1": ("c1", "h1", ("h1", "h2", "h3"))}
    rows = _rows(events) + _rows({"e2": ("c1", "h9", ("h9",))}, level=2, status="candidate")

    assert stream_events(rows) == events


def test_compare_equal_events_pass():
    events = {"e1": ("c1", "h1", ("h1", "h2", "h3"))}

    assert compare(events, dict(events)) == []


def test_compare_reports_missing_extra_and_changed():
    expected = {"e1": ("c1", "h1", ("h1", "h2", "h3")), "e2": ("c1", "h4", ("h4", "h5", "h6"))}
    found = {"e1": ("c1", "h1", ("h1", "h2", "h7")), "e3": ("c2", "h8", ("h8",))}

    differences = compare(expected, found)

    assert len(differences) == 3
    assert any("e2" in line and "missing" in line for line in differences)
    assert any("e3" in line and "not in the `events` output" in line for line in differences)
    assert any("e1" in line and "h7" in line for line in differences)


def test_compare_rejects_empty_night():
    assert compare({}, {}) == [
        "the seeded night has no level-3 event, so it checks nothing; "
        "use more hits per scan or another seed"]


def test_cli_smoke_rejects_production_keyspace(tmp_path, capsys):
    config = tmp_path / "detector.toml"
    config.write_text('keyspace = "seti_prod"\n')

    code = main(["smoke", "--config", str(config), "--keyspace", "seti_prod"])

    assert code == 2
    assert "'seti_prod' is the detector's keyspace" in capsys.readouterr().err


def test_cli_smoke_names_unreadable_config(tmp_path, capsys):
    missing = tmp_path / "nowhere.toml"

    code = main(["smoke", "--config", str(missing)])

    assert code == 2
    assert str(missing) in capsys.readouterr().err


def test_cli_smoke_names_unreachable_hosts(tmp_path, capsys):
    # Nothing listens on port 1 of loopback, so the connection is refused at once.
    config = tmp_path / "detector.toml"
    config.write_text('kafka_bootstrap_servers = "127.0.0.1:1"\n'
                      'cassandra_hosts = ["127.0.0.1"]\ncassandra_port = 1\n')

    code = main(["smoke", "--config", str(config), "--work-dir", str(tmp_path)])

    err = capsys.readouterr().err
    assert code == 1
    assert "Kafka 127.0.0.1:1" in err
    assert "Cassandra 127.0.0.1" in err
