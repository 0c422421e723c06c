"""Status file, stop marker and the idle-cadence timer."""

import json
import threading

from seti_stream.detector.control import (IdleCadenceTimer, clear_stop_marker, stop_requested,
                                          write_status)


def test_status_file_fields(tmp_path):
    path = tmp_path / "state" / "status.json"

    write_status(str(path), True, 7, "abc123")
    status = json.loads(path.read_text())

    assert status["query_active"] is True
    assert status["batch_id"] == 7
    assert status["pipeline_version"] == "abc123"
    assert status["last_progress_at"].endswith("+00:00")


def test_status_file_replaced_not_appended(tmp_path):
    path = tmp_path / "status.json"

    write_status(str(path), True, 1, "v")
    write_status(str(path), False, None, "v")

    assert json.loads(path.read_text())["query_active"] is False
    assert [p.name for p in tmp_path.iterdir()] == ["status.json"]


def test_stop_marker(tmp_path):
    marker = tmp_path / "stop-requested"
    assert not stop_requested(str(marker))

    marker.touch()
    assert stop_requested(str(marker))

    clear_stop_marker(str(marker))
    clear_stop_marker(str(marker))
    assert not stop_requested(str(marker))


def test_timer_survives_errors():
    calls = []
    done = threading.Event()

    def close_idle():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Cassandra unavailable")
        done.set()

    timer = IdleCadenceTimer(close_idle, 0.01)
    timer.start()
    finished = done.wait(5)
    timer.stop()
    timer.join(5)

    assert finished
    assert not timer.is_alive()
