"""Unit tests of single event rules on hand-made scans: strict bounds, zero drift,
nearest match, and the streaming states of an event."""

import pytest

from seti_stream.events import (CANDIDATE, CONFIRMED, UNCONFIRMED, VETOED, EventParams,
                                count_strictly_inside, evaluate_cadence, nearest_inside)
from seti_stream.model import Hit, Scan, ScanHeader, scan_id_for

import numpy as np

F0 = 8421.0
OBS = 300.0
SPACING_S = 318.0


def _header(index, max_drift=4.0):
    return ScanHeader(file_id=f"s{index}.h5", source="TARGET" if index % 2 == 0 else f"OFF{index}",
                      mjd=60000.0 + index * SPACING_S / 86400.0, ra="", dec="", tsamp_s=18.0,
                      foff_hz=-3.0, max_drift_rate_hz_per_s=max_drift, obs_length_s=OBS)


def _scan(index, hits, max_drift=4.0):
    rows = [Hit(number + 1, drift, snr, freq, freq, 1000 + number, freq, freq, 0.0, 0.0, 0, len(hits))
            for number, (freq, drift, snr) in enumerate(hits)]
    header = _header(index, max_drift)
    return Scan(scan_id=scan_id_for(f"s{index}.dat", header.mjd), header=header, hits=rows,
                scan_index=index, is_on_source=index % 2 == 0)


def _track(drift, index, start=F0):
    """Frequency of a signal at the start of scan ``index`` of the cadence."""
    return start + drift * (index * SPACING_S) / 1e6


def _signal_scans(drift=-0.5, snr=20.0, offs=None):
    offs = offs or {}
    scans = {}
    for index in range(6):
        if index % 2 == 0:
            scans[index] = _scan(index, [(_track(drift, index), drift, snr)])
        else:
            scans[index] = _scan(index, offs.get(index, []))
    return scans


def test_count_strictly_inside_excludes_bounds():
    values = np.array([1.0, 2.0, 3.0])
    assert count_strictly_inside(values, np.array([1.0, 0.0]), np.array([3.0, 1.0])).tolist() == [1, 0]


def test_nearest_inside_picks_closest():
    values = np.array([1.0, 1.4, 2.0, 5.0])
    result = nearest_inside(values, np.array([1.5, 4.0, 2.0]), np.array([0.5, 3.0, 2.0]), np.array([2.5, 4.5, 3.0]))
    assert result.tolist() == [1, -1, -1]


def test_confirmed_event_has_member_in_every_on_scan():
    result = evaluate_cadence(_signal_scans(), 6, closed=True)
    [event] = result.events
    assert event.status == CONFIRMED
    assert event.level == 3
    assert [member.scan_index for member in event.members] == [0, 2, 4]
    assert event.in_n_ons == 2
    assert event.rfi_in_range == 0


def test_off_hit_inside_veto_window_vetoes():
    # The veto half-width is 4 Hz/s x 300 s = 1200 Hz.
    scans = _signal_scans(offs={1: [(F0 + 1100e-6, 0.0, 5.0)]})
    result = evaluate_cadence(scans, 6, closed=True)
    assert result.events == ()
    assert result.level2[0] == ()


def test_off_hit_on_veto_bound_does_not_veto():
    on_frequency = _track(-0.5, 4)
    bound = on_frequency - 4.0 * (0.0 + OBS) / 1e6
    scans = _signal_scans(offs={5: [(bound, 0.3, 50.0)]})
    result = evaluate_cadence(scans, 6, closed=True)
    assert result.level2[4] == (0,)
    assert result.events[0].status == CONFIRMED


def test_veto_window_from_deltaf_when_max_drift_zero():
    # DELTAF/DELTAT = 3 Hz / 18 s, so the window is 300 s x 1/6 Hz/s = 50 Hz.
    scans = _signal_scans(offs={1: [(F0 + 60e-6, 0.1, 9.0)]})
    for index in (0, 2, 4):
        scans[index] = _scan(index, [(_track(-0.5, index), -0.5, 20.0)], max_drift=0.0)
    assert evaluate_cadence(scans, 6, closed=True).events[0].status == CONFIRMED
    scans[1] = _scan(1, [(F0 + 40e-6, 0.1, 9.0)])
    assert evaluate_cadence(scans, 6, closed=True).events == ()


def test_follow_window_is_strict():
    # Half-width |d| x 2 x 300 s = 300 Hz for d = -0.5 Hz/s.
    scans = _signal_scans()
    expected = _track(-0.5, 2)
    scans[2] = _scan(2, [(expected + 300e-6 + 1e-9, -0.5, 20.0)])
    assert evaluate_cadence(scans, 6, closed=True).events[0].status == UNCONFIRMED
    scans[2] = _scan(2, [(expected + 299e-6, -0.5, 20.0)])
    assert evaluate_cadence(scans, 6, closed=True).events[0].status == CONFIRMED


def test_zero_drift_dropped_by_default():
    scans = _signal_scans(drift=0.0)
    result = evaluate_cadence(scans, 6, closed=True)
    assert result.level1[0] == ()
    assert result.events == ()


def test_zero_drift_kept_follows_with_deltaf_over_deltat():
    # A zero-drift hit is followed as if it drifted DELTAF/DELTAT = -1/6 Hz/s.
    scans = _signal_scans(drift=0.0)
    params = EventParams(check_zero_drift=True)
    assert evaluate_cadence(scans, 6, params, closed=True).events[0].status == UNCONFIRMED
    moved = {index: _scan(index, [(_track(-3.0 / 18.0, index), 0.0, 20.0)]) if index % 2 == 0 else scan
             for index, scan in scans.items()}
    assert evaluate_cadence(moved, 6, params, closed=True).events[0].status == CONFIRMED


def test_min_drift_drops_zero_even_when_kept():
    scans = _signal_scans(drift=0.0)
    params = EventParams(check_zero_drift=True, min_drift_rate=0.0)
    assert evaluate_cadence(scans, 6, params, closed=True).level1[0] == ()


@pytest.mark.parametrize("params, passes", [
    (EventParams(snr_cut=20.0), False),
    (EventParams(snr_cut=19.999), True),
    (EventParams(min_drift_rate=0.5), False),
    (EventParams(min_drift_rate=0.49), True),
    (EventParams(max_drift_rate=0.5), False),
    (EventParams(max_drift_rate=0.51), True),
])
def test_level1_cuts_are_strict(params, passes):
    result = evaluate_cadence(_signal_scans(drift=-0.5, snr=20.0), 6, params, closed=True)
    assert (result.level1[0] == (0,)) is passes


def test_nearest_member_chosen():
    scans = _signal_scans()
    expected = _track(-0.5, 2)
    scans[2] = _scan(2, [(expected + 100e-6, -0.5, 90.0), (expected - 20e-6, -0.5, 15.0)])
    [event] = evaluate_cadence(scans, 6, closed=True).events
    assert event.members[1].position == 1
    assert event.max_snr == 20.0


def test_member_must_pass_level2_in_its_scan():
    scans = _signal_scans(offs={3: [(_track(-0.5, 2) + 10e-6, 1.0, 30.0)]})
    [event] = evaluate_cadence(scans, 6, closed=True).events
    assert event.status == VETOED


def test_empty_on_scan_ends_level3():
    scans = _signal_scans()
    scans[4] = _scan(4, [])
    [event] = evaluate_cadence(scans, 6, closed=True).events
    assert event.status == UNCONFIRMED
    assert [member.scan_index for member in event.members] == [0, 2]


def test_level2_undecided_before_first_off():
    scans = _signal_scans()
    result = evaluate_cadence({0: scans[0]}, 6)
    assert not result.level2_decided
    assert result.events == ()
    assert result.level1[0] == (0,)


def test_candidate_once_first_on_and_off_complete():
    scans = _signal_scans()
    result = evaluate_cadence({0: scans[0], 1: scans[1]}, 6)
    [event] = result.events
    assert event.status == CANDIDATE
    assert event.level == 2


def test_candidate_vetoed_by_later_off():
    scans = _signal_scans(offs={3: [(F0 + 200e-6, 2.0, 12.0)]})
    early = evaluate_cadence({0: scans[0], 1: scans[1]}, 6)
    late = evaluate_cadence({index: scans[index] for index in range(4)}, 6)
    assert early.events[0].status == CANDIDATE
    assert late.events[0].status == VETOED
    assert late.events[0].level == 1
    assert late.events[0].vetoed_by == 3
    assert late.events[0].event_id == early.events[0].event_id


def test_vetoed_by_first_off_is_no_event():
    scans = _signal_scans(offs={1: [(F0 + 200e-6, 2.0, 12.0)]})
    assert evaluate_cadence({0: scans[0], 1: scans[1]}, 6).events == ()


def test_confirmed_before_last_off_then_open():
    scans = _signal_scans()
    partial = {index: scans[index] for index in (0, 1, 2, 4)}
    [event] = evaluate_cadence(partial, 6).events
    assert event.status == CONFIRMED


def test_unconfirmed_only_when_closed():
    scans = _signal_scans()
    scans[2] = _scan(2, [])
    assert evaluate_cadence(scans, 6).events[0].status == CANDIDATE
    assert evaluate_cadence(scans, 6, closed=True).events[0].status == UNCONFIRMED


def test_missing_on_scan_closed_unconfirmed():
    scans = _signal_scans()
    del scans[4]
    assert evaluate_cadence(scans, 6, closed=True).events[0].status == UNCONFIRMED


def test_cadence_id_required_without_first_scan():
    scans = _signal_scans()
    with pytest.raises(ValueError, match="cadence_id is required"):
        evaluate_cadence({2: scans[2]}, 6)
    assert evaluate_cadence({2: scans[2]}, 6, cadence_id="c").events == ()


def test_scan_index_out_of_range():
    scans = _signal_scans()
    with pytest.raises(ValueError, match="outside 0..5"):
        evaluate_cadence({0: scans[0], 7: scans[2]}, 6)


def test_statuses_limits_built_events():
    scans = _signal_scans()
    assert evaluate_cadence(scans, 6, closed=True, statuses=frozenset({UNCONFIRMED})).events == ()


@pytest.mark.parametrize("kwargs, words", [
    (dict(filter_threshold=4), "filter_threshold"),
    (dict(snr_cut=-1.0), "snr_cut"),
    (dict(snr_cut=float("nan")), "snr_cut"),
    (dict(min_drift_rate=2.0, max_drift_rate=1.0), "below"),
])
def test_event_params_invalid(kwargs, words):
    with pytest.raises(ValueError, match=words):
        EventParams(**kwargs)


def test_nearest_tie_independent_of_hit_order():
    scans = _signal_scans()
    frequency = _track(-0.5, 2) + 10e-6
    twins = [Hit(1, -0.4, 30.0, frequency, frequency, 2000, frequency, frequency, 0.0, 0.0, 0, 2),
             Hit(2, -0.5, 20.0, frequency, frequency, 2000, frequency, frequency, 0.0, 0.0, 0, 2)]
    chosen = []
    for hits in (twins, twins[::-1]):
        scans[2] = Scan(scan_id="twins@1", header=_header(2), hits=hits, scan_index=2, is_on_source=True)
        chosen.append(evaluate_cadence(scans, 6, closed=True).events[0].members[1])
    assert chosen[0].hit_id == chosen[1].hit_id
    assert chosen[0].drift_rate_hz_per_s == -0.5
