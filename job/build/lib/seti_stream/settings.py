"""Settings of the library that a site may change, read from the environment.

Each setting has a default and an environment variable that overrides it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# turboSETI's find_event used these two values for every file before turbo_seti 2.1,
# whose .dat headers did not record them.
DEFAULT_MAX_DRIFT_RATE_HZ_PER_S = 2.0
DEFAULT_OBS_LENGTH_S = 300.0

# Scans of a standard Breakthrough Listen ABACAD cadence.
DEFAULT_NUMBER_IN_CADENCE = 6

# Largest JSON record accepted from Kafka, in bytes. A hit record is about 900 bytes.
DEFAULT_MAX_RECORD_BYTES = 16384


def _float_from_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"environment variable {name}={raw!r} is not a number") from None
    if not value > 0.0:
        raise ValueError(f"environment variable {name}={raw!r} must be > 0")
    return value


@dataclass(frozen=True)
class Settings:
    """Defaults for ``.dat`` headers from before turbo_seti 2.1."""

    default_max_drift_rate_hz_per_s: float = DEFAULT_MAX_DRIFT_RATE_HZ_PER_S
    default_obs_length_s: float = DEFAULT_OBS_LENGTH_S

    @classmethod
    def from_env(cls) -> "Settings":
        """Read the settings, letting SETI_STREAM_DEFAULT_MAX_DRIFT_RATE and
        SETI_STREAM_DEFAULT_OBS_LENGTH override the defaults."""
        return cls(
            default_max_drift_rate_hz_per_s=_float_from_env(
                "SETI_STREAM_DEFAULT_MAX_DRIFT_RATE", DEFAULT_MAX_DRIFT_RATE_HZ_PER_S),
            default_obs_length_s=_float_from_env(
                "SETI_STREAM_DEFAULT_OBS_LENGTH", DEFAULT_OBS_LENGTH_S),
        )
