"""reobserve_by: when a target sets below the elevation limit (astropy, offline)."""

from datetime import datetime, timedelta, timezone

import pytest

from seti_stream.reobserve import Site, altitude_deg, mjd_to_datetime, reobserve_by

# Voyager-1 as in the 2020 Green Bank cadence's header.
VOYAGER_RA, VOYAGER_DEC = "17h12m40.481s", "12d24m13.614s"
CADENCE_END = datetime(2020, 7, 22, 22, 14, tzinfo=timezone.utc)


def test_voyager_sets_about_ten_hours_later():
    setting = reobserve_by(VOYAGER_RA, VOYAGER_DEC, CADENCE_END)

    assert setting.strftime("%Y-%m-%d %H:%M") == "2020-07-23 08:14"


def test_altitude_crosses_limit_at_result():
    setting = reobserve_by(VOYAGER_RA, VOYAGER_DEC, CADENCE_END)

    assert altitude_deg(VOYAGER_RA, VOYAGER_DEC, setting - timedelta(seconds=5)) > 10.0
    assert altitude_deg(VOYAGER_RA, VOYAGER_DEC, setting + timedelta(seconds=5)) < 10.0


def test_higher_limit_sets_earlier():
    low = reobserve_by(VOYAGER_RA, VOYAGER_DEC, CADENCE_END, Site(elevation_limit_deg=5.0))
    high = reobserve_by(VOYAGER_RA, VOYAGER_DEC, CADENCE_END, Site(elevation_limit_deg=30.0))

    assert high < low


def test_degrees_equal_sexagesimal():
    in_degrees = reobserve_by(258.168671, 12.403782, CADENCE_END)

    assert abs((in_degrees - reobserve_by(VOYAGER_RA, VOYAGER_DEC, CADENCE_END)).total_seconds()) <= 2


def test_target_already_below_returns_start():
    # Declination -80 never rises at latitude 38 N.
    assert reobserve_by(0.0, -80.0, CADENCE_END) == CADENCE_END


def test_circumpolar_target_without_session_end_is_none():
    assert reobserve_by(0.0, 89.0, CADENCE_END) is None


def test_circumpolar_target_returns_session_end():
    session_end = CADENCE_END + timedelta(hours=3)

    assert reobserve_by(0.0, 89.0, CADENCE_END, session_end=session_end) == session_end


def test_earlier_session_end_wins():
    session_end = CADENCE_END + timedelta(hours=1)

    assert reobserve_by(VOYAGER_RA, VOYAGER_DEC, CADENCE_END, session_end=session_end) == session_end


def test_later_session_end_ignored():
    session_end = CADENCE_END + timedelta(hours=20)

    assert reobserve_by(VOYAGER_RA, VOYAGER_DEC, CADENCE_END, session_end=session_end).hour == 8


def test_naive_datetime_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        reobserve_by(VOYAGER_RA, VOYAGER_DEC, datetime(2020, 7, 22, 22, 14))


def test_future_date_needs_no_network(monkeypatch):
    import urllib.request

    def fail_on_network(*args, **kwargs):
        raise AssertionError("astropy tried to reach the network")

    monkeypatch.setattr(urllib.request, "urlopen", fail_on_network)
    setting = reobserve_by(VOYAGER_RA, VOYAGER_DEC, datetime(2031, 3, 1, tzinfo=timezone.utc))

    assert setting is not None


def test_mjd_to_datetime():
    assert mjd_to_datetime(59046.5) == datetime(2020, 7, 16, 12, 0, tzinfo=timezone.utc)
