"""Detector settings: TOML file, defaults, overrides and typos."""

import pytest

from seti_stream.detector.settings import DetectorSettings, load_settings


def test_defaults_without_file(monkeypatch):
    monkeypatch.delenv("SETI_PIPELINE_VERSION", raising=False)

    settings = load_settings()

    assert settings == DetectorSettings()
    assert settings.site.latitude_deg == 38.4331
    assert settings.events.filter_threshold == 3


def test_file_values_read(tmp_path, monkeypatch):
    monkeypatch.delenv("SETI_PIPELINE_VERSION", raising=False)
    path = tmp_path / "detector.toml"
    path.write_text(
        'pipeline_version = "abc123"\n'
        'deployment_line = "production"\n'
        'checkpoint_root = "/srv/checkpoints"\n'
        'cassandra_hosts = ["10.0.0.1", "10.0.0.2"]\n'
        "cadence_timeout_s = 60\n"
        "[site]\nelevation_limit_deg = 15.0\n"
        "[events]\nsnr_cut = 10.0\n"
        '[spark_conf]\n"spark.jars" = "/opt/a.jar"\n')

    settings = load_settings(path)

    assert settings.pipeline_version == "abc123"
    assert settings.checkpoint_dir == "/srv/checkpoints/production"
    assert settings.cassandra_hosts == ("10.0.0.1", "10.0.0.2")
    assert settings.cadence_timeout_s == 60
    assert settings.site.elevation_limit_deg == 15.0
    assert settings.site.longitude_deg == -79.8398
    assert settings.events.snr_cut == 10.0
    assert settings.spark_conf == {"spark.jars": "/opt/a.jar"}


def test_environment_sets_pipeline_version(tmp_path, monkeypatch):
    path = tmp_path / "detector.toml"
    path.write_text('pipeline_version = "from-file"\n')
    monkeypatch.setenv("SETI_PIPELINE_VERSION", "from-env")

    assert load_settings(path).pipeline_version == "from-env"


def test_unknown_key_rejected(tmp_path):
    path = tmp_path / "detector.toml"
    path.write_text("cadence_timout_s = 60\n")

    with pytest.raises(ValueError, match="cadence_timout_s"):
        load_settings(path)


def test_unknown_site_key_rejected(tmp_path):
    path = tmp_path / "detector.toml"
    path.write_text("[site]\nlatitude = 1.0\n")

    with pytest.raises(ValueError, match="latitude"):
        load_settings(path)


def test_comma_separated_hosts(monkeypatch):
    assert load_settings(cassandra_hosts="a,b").cassandra_hosts == ("a", "b")


def test_venv_file_sets_pipeline_version(tmp_path, monkeypatch):
    monkeypatch.delenv("SETI_PIPELINE_VERSION", raising=False)
    monkeypatch.setattr("sys.prefix", str(tmp_path))
    (tmp_path / "PIPELINE_VERSION").write_text("0123abcd\n")
    path = tmp_path / "detector.toml"
    path.write_text('pipeline_version = "from-file"\n')

    assert load_settings(path).pipeline_version == "0123abcd"


def test_config_version_without_venv_file(tmp_path, monkeypatch):
    monkeypatch.delenv("SETI_PIPELINE_VERSION", raising=False)
    monkeypatch.setattr("sys.prefix", str(tmp_path))
    path = tmp_path / "detector.toml"
    path.write_text('pipeline_version = "from-file"\n')

    assert load_settings(path).pipeline_version == "from-file"
