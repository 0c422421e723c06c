"""When a target sets below the telescope's elevation limit (astropy).

`reobserve_by` is pure: the same target, time and site always give the same
result, and it never reaches the network. astropy's IERS tables are taken from
the data bundled with the installed astropy (package astropy-iers-data); times
past the bundled predictions use zero UT1-UTC, which moves a setting time by
less than a second.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
from astropy import units as u
from astropy.coordinates import AltAz, EarthLocation, SkyCoord
from astropy.time import Time
from astropy.utils import iers
from astropy.utils.data import conf as data_conf


iers.conf.auto_download = False
iers.conf.auto_max_age = None
iers.conf.iers_degraded_accuracy = "ignore"
data_conf.allow_internet = False


@dataclass(frozen=True)
class Site:
    """Telescope site and the elevation below which a target cannot be observed.

    The defaults are the Green Bank Telescope.
    """

    name: str = "Green Bank Telescope"
    latitude_deg: float = 38.4331
    longitude_deg: float = -79.8398
    height_m: float = 807.0
    elevation_limit_deg: float = 10.0


#: How far ahead the search for the setting time looks, and its grid step.
SEARCH_HOURS = 24.0
GRID_STEP_MINUTES = 5.0
#: Precision of the setting time found by bisection.
PRECISION_S = 1.0


def _quiet_dubious_dates(function):
    """Silence the warnings of dates past the bundled IERS and leap-second tables.

    erfa warns "dubious year" for them; the lost accuracy is far below a
    second of setting time.
    """
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return function(*args, **kwargs)

    return wrapper


def _sky_coord(ra, dec) -> SkyCoord:
    """Build an ICRS coordinate from sexagesimal strings or degrees."""
    if isinstance(ra, str) or isinstance(dec, str):
        return SkyCoord(str(ra), str(dec), unit=(u.hourangle, u.deg), frame="icrs")
    return SkyCoord(float(ra) * u.deg, float(dec) * u.deg, frame="icrs")


@functools.lru_cache(maxsize=16)
def _location(latitude_deg: float, longitude_deg: float, height_m: float) -> EarthLocation:
    return EarthLocation(lat=latitude_deg * u.deg, lon=longitude_deg * u.deg, height=height_m * u.m)


@_quiet_dubious_dates
def altitude_deg(ra, dec, when: datetime, site: Site = Site()) -> float:
    """Return the target's elevation above the horizon at `when` (UTC), in degrees."""
    return float(_altitudes(_sky_coord(ra, dec), Time(_as_utc(when)), site)[()])


def _altitudes(coord: SkyCoord, times: Time, site: Site) -> np.ndarray:
    location = _location(site.latitude_deg, site.longitude_deg, site.height_m)
    frame = AltAz(obstime=times, location=location)

    return coord.transform_to(frame).alt.to_value(u.deg)


def _as_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError(f"naive datetime {when!r}: pass a timezone-aware UTC time")
    return when.astimezone(timezone.utc)


@_quiet_dubious_dates
def reobserve_by(
    ra,
    dec,
    after: datetime,
    site: Site = Site(),
    session_end: datetime | None = None,
) -> datetime | None:
    """Find when the target sets below the site's elevation limit after `after`.

    Parameters
    ----------
    ra, dec : str or float
        The target's position: sexagesimal strings as in a turboSETI header
        (``"17h12m40.481s"``, ``"12d24m13.614s"``) or ICRS degrees.
    after : datetime
        Timezone-aware start of the search, usually the end of the last scan.
    site : Site
        Location and elevation limit of the telescope.
    session_end : datetime, optional
        End of the observing session; returned when it comes first.

    Returns
    -------
    datetime or None
        The first time (UTC, to about a second) the target's elevation drops
        below the limit; `after` itself when it is already below; the session
        end when that is sooner; None when the target stays above the limit
        for the next 24 hours and no session end is given.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t = reobserve_by("17h12m40.481s", "12d24m13.614s",
    ...                  datetime(2020, 7, 22, 22, 14, tzinfo=timezone.utc))
    >>> t.strftime("%Y-%m-%d %H:%M")
    '2020-07-23 08:14'
    """
    start = _as_utc(after)
    if session_end is not None:
        session_end = _as_utc(session_end)
        if session_end <= start:
            return session_end

    coord = _sky_coord(ra, dec)
    limit = site.elevation_limit_deg
    steps = int(SEARCH_HOURS * 60 / GRID_STEP_MINUTES) + 1
    offsets_s = np.arange(steps) * GRID_STEP_MINUTES * 60.0
    altitudes = _altitudes(coord, Time(start) + offsets_s * u.s, site)

    if altitudes[0] < limit:
        return start

    below = np.nonzero(altitudes < limit)[0]
    if below.size == 0:
        return session_end

    low_s, high_s = offsets_s[below[0] - 1], offsets_s[below[0]]
    while high_s - low_s > PRECISION_S:
        middle_s = (low_s + high_s) / 2
        if _altitudes(coord, Time(start) + middle_s * u.s, site)[()] < limit:
            high_s = middle_s
        else:
            low_s = middle_s

    setting = start + timedelta(seconds=round(float(high_s)))
    if session_end is not None and session_end < setting:
        return session_end
    return setting


def mjd_to_datetime(mjd: float) -> datetime:
    """Convert a Modified Julian Date (UTC) to a timezone-aware datetime."""
    return datetime(1858, 11, 17, tzinfo=timezone.utc) + timedelta(days=float(mjd))
