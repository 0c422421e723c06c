"""The deploy's health check (roles/detector_lifecycle/files/detector_health.py) on status files."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "roles" / "detector_lifecycle" / "files" / "detector_health.py"
spec = importlib.util.spec_from_file_location("detector_health", SCRIPT)
detector_health = importlib.util.module_from_spec(spec)
spec.loader.exec_module(detector_health)

STARTED = 1_800_000_000.0  # 2027-01-15T08:00:00Z
HEALTHY = {
    "query_active": True,
    "last_progress_at": "2027-01-15T08:00:05+00:00",
    "batch_id": 3,
    "pipeline_version": "abc123",
}


def test_health_accepts_fresh_progress():
    assert detector_health.unhealthy_reason(HEALTHY, "abc123", STARTED) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"pipeline_version": "old456"}, "status is for version 'old456', not 'abc123'"),
        ({"query_active": False}, "query not active"),
        ({"query_active": "true"}, "query not active"),
        ({"last_progress_at": "2027-01-15T07:59:59+00:00"}, "no progress since the start"),
        ({"last_progress_at": "yesterday"}, "last_progress_at missing or invalid"),
        ({"last_progress_at": None}, "last_progress_at missing or invalid"),
    ],
)
def test_health_rejects_status(change, reason):
    assert reason in detector_health.unhealthy_reason({**HEALTHY, **change}, "abc123", STARTED)


def test_health_rejects_missing_status():
    assert detector_health.unhealthy_reason(None, "abc123", STARTED) == "status file missing or not valid JSON"


def test_health_reads_naive_time_as_utc():
    status = {**HEALTHY, "last_progress_at": "2027-01-15T08:00:05"}

    assert detector_health.unhealthy_reason(status, "abc123", STARTED) is None


def test_health_main_times_out(tmp_path, capsys):
    status_file = tmp_path / "status.json"
    status_file.write_text("{not json")

    code = detector_health.main(
        ["--status-file", str(status_file), "--pipeline-version", "abc123", "--since", str(STARTED),
         "--timeout", "0.2", "--interval", "0.05"]
    )

    assert code == 1
    assert json.loads(capsys.readouterr().out)["reason"] == "status file missing or not valid JSON"


def test_health_main_passes(tmp_path, capsys):
    status_file = tmp_path / "status.json"
    status_file.write_text(json.dumps(HEALTHY))

    code = detector_health.main(
        ["--status-file", str(status_file), "--pipeline-version", "abc123", "--since", str(STARTED),
         "--timeout", "5"]
    )

    assert code == 0
    assert json.loads(capsys.readouterr().out)["healthy"] is True
