"""Seeded synthetic cadences of hits, with the injected truth.

Each cadence has background hits (random frequency over the band, drift within
+-max_drift_rate, SNR from 10 up) and injected signals of these kinds:

``et``
    drifting, in every ON scan and no OFF scan: level 3 must find it when its SNR is
    above the cut in every ON scan;
``rfi_drift``
    drifting, in every scan: the OFF veto must remove it. Its drift is at most 3 Hz/s
    and small enough that it moves less than the OFF veto half-width (4 Hz/s x 292 s
    = 1168 Hz) between each ON scan and the nearest OFF scan with hits;
``rfi_zero``
    zero drift, in every scan;
``partial_on``
    drifting, in some ON scans only and no OFF scan: level 2 but never level 3.

Background hits keep a guard band away from every injected track, so the truth does
not depend on chance coincidences. Scans listed in ``empty_scans`` have no hits at
all. The same seed and arguments always give the same hits.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seti_stream.cadence import cadence_layout
from seti_stream.datfile import write_dat
from seti_stream.model import HitTable, Scan, ScanHeader, scan_id_for

ET = "et"
RFI_DRIFT = "rfi_drift"
RFI_ZERO = "rfi_zero"
PARTIAL_ON = "partial_on"

# Breakthrough Listen high-resolution products at Green Bank: 2**20 fine channels of
# -2.793968 Hz per 2.9296875 MHz coarse channel, 18.253611 s integrations, 16 of them
# per 5-minute scan, scans starting 318 s apart.
FOFF_HZ = -2.793968
TSAMP_S = 18.253611
OBS_LENGTH_S = 292.057776
MAX_DRIFT_RATE_HZ_PER_S = 4.0
CHANNELS_PER_COARSE = 2 ** 20
SCAN_SPACING_S = 318.0
FCH1_MHZ = 8421.386717
MJD_START = 60000.25

# Half-width of the band kept free of background hits around each injected track. It
# is wider than the OFF veto window (1168 Hz) and the level-3 follow window (<= 2.2 kHz).
GUARD_HZ = 20_000.0


@dataclass(frozen=True)
class InjectedSignal:
    """One injected signal: its kind, where it starts, how it drifts, where it shows."""

    name: str
    kind: str
    start_frequency_mhz: float
    drift_rate_hz_per_s: float
    snr: float
    scan_indices: tuple[int, ...]


@dataclass
class SyntheticCadence:
    """Scans of one synthetic cadence and what was injected into them.

    ``labels`` maps (scan index, hit position) to the injected signal's name.
    """

    cadence_id: str
    number_in_cadence: int
    scans: list[Scan]
    truth: list[InjectedSignal]
    labels: dict[tuple[int, int], str] = field(default_factory=dict)

    def scans_by_index(self) -> dict[int, Scan]:
        return {scan.scan_index: scan for scan in self.scans}

    def dat_names(self) -> list[str]:
        return [f"{scan.scan_id.split('@')[0]}.dat" for scan in self.scans]

    def write(self, directory: str | Path, list_name: str = "cadence.lst") -> Path:
        """Write the ``.dat`` files, a ``.lst`` and ``truth.csv`` into ``directory``."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        names = self.dat_names()
        for scan, name in zip(self.scans, names):
            write_dat(directory / name, scan.header, scan.hits)
        list_path = directory / list_name
        list_path.write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
        with open(directory / "truth.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["signal", "kind", "start_frequency_mhz", "drift_rate_hz_per_s", "snr", "scan_indices"])
            for signal in self.truth:
                writer.writerow([signal.name, signal.kind, f"{signal.start_frequency_mhz:.6f}",
                                 f"{signal.drift_rate_hz_per_s:.6f}", f"{signal.snr:.3f}",
                                 " ".join(str(index) for index in signal.scan_indices)])
        return list_path


class _Band:
    """Channel grid of the synthetic band."""

    def __init__(self, coarse_channels: int):
        self.coarse_channels = coarse_channels
        self.total_channels = coarse_channels * CHANNELS_PER_COARSE
        self.step_mhz = FOFF_HZ / 1e6
        self.low_mhz = FCH1_MHZ + (self.total_channels - 1) * self.step_mhz

    def channel_of(self, frequency_mhz: np.ndarray) -> np.ndarray:
        return np.rint((np.asarray(frequency_mhz) - FCH1_MHZ) / self.step_mhz).astype(np.int64)

    def frequency_of(self, channel: np.ndarray) -> np.ndarray:
        return np.round(FCH1_MHZ + np.asarray(channel, dtype=np.float64) * self.step_mhz, 6)


def _pick_free_frequency(rng, band: _Band, taken: list[tuple[float, float]], span_mhz: float) -> float:
    margin = GUARD_HZ / 1e6 + span_mhz
    for _attempt in range(1000):
        start = float(rng.uniform(band.low_mhz + margin, FCH1_MHZ - margin))
        low, high = start - margin, start + margin
        if all(high < other_low or low > other_high for other_low, other_high in taken):
            taken.append((low, high))
            return start
    raise ValueError("cannot place injected signals without overlap; use more coarse channels")


def _rfi_drift_limit(layout, on, empty_scans) -> float:
    offs = [index for index, is_on in enumerate(layout) if not is_on and index not in empty_scans]
    if not offs or not on:
        return 3.0
    gap_s = max(min(abs(on_index - off_index) for off_index in offs) for on_index in on) * SCAN_SPACING_S
    half_width_hz = MAX_DRIFT_RATE_HZ_PER_S * OBS_LENGTH_S
    return min(3.0, 0.9 * half_width_hz / gap_s)


def _injected_signals(rng, band, layout, empty_scans, counts, cadence_seconds, taken):
    on = [index for index, is_on in enumerate(layout) if is_on and index not in empty_scans]
    all_scans = [index for index in range(len(layout)) if index not in empty_scans]
    rfi_limit = _rfi_drift_limit(layout, on, empty_scans)
    signals = []
    for kind, count in counts.items():
        for number in range(count):
            if kind == RFI_ZERO:
                drift = 0.0
            else:
                limit = rfi_limit if kind == RFI_DRIFT else MAX_DRIFT_RATE_HZ_PER_S * 0.9
                drift = float(rng.uniform(0.05, limit)) * (1 if rng.random() < 0.5 else -1)
            drift = round(drift, 6)
            snr = float(rng.uniform(15.0, 80.0) if kind != ET else rng.uniform(6.0, 80.0))
            start = _pick_free_frequency(rng, band, taken, abs(drift) * cadence_seconds / 1e6)
            if kind == ET:
                scans = tuple(on)
            elif kind == PARTIAL_ON:
                if len(on) < 2:
                    continue
                size = int(rng.integers(1, len(on)))
                scans = tuple(sorted(int(i) for i in rng.choice(on, size=size, replace=False)))
            else:
                scans = tuple(all_scans)
            if scans:
                signals.append(InjectedSignal(f"{kind.upper()}_{number}", kind, round(start, 6), drift,
                                              round(snr, 3), scans))
    return signals


def _background(rng, band, count, taken):
    if count <= 0:
        return np.empty(0, np.int64), np.empty(0), np.empty(0)
    channels = rng.integers(0, band.total_channels, size=int(count * 1.2) + 8)
    frequency = band.frequency_of(channels)
    keep = np.ones(channels.shape, dtype=bool)
    for low, high in taken:
        keep &= ~((frequency >= low) & (frequency <= high))
    channels = np.unique(channels[keep])
    channels = rng.permutation(channels)[:count]
    drift = np.round(rng.uniform(-MAX_DRIFT_RATE_HZ_PER_S, MAX_DRIFT_RATE_HZ_PER_S, channels.size), 6)
    snr = np.round(10.0 + rng.exponential(8.0, channels.size), 6)
    return channels, drift, snr


def _make_hits(band, channels, drift, snr):
    order = np.argsort(channels, kind="stable")
    channels, drift, snr = channels[order], drift[order], snr[order]
    frequency = band.frequency_of(channels)
    count = len(channels)
    table = np.zeros((count, 12), dtype=np.float64)
    table[:, 0] = np.arange(1, count + 1)
    table[:, 1] = drift
    table[:, 2] = snr
    table[:, 3] = frequency
    table[:, 4] = frequency
    table[:, 5] = channels % CHANNELS_PER_COARSE
    table[:, 6] = frequency
    table[:, 7] = np.round(frequency + drift * OBS_LENGTH_S / 1e6, 6)
    table[:, 10] = channels // CHANNELS_PER_COARSE
    table[:, 11] = count
    return HitTable(table), order


def generate_cadence(seed: int, hits_per_scan: int = 100, number_in_cadence: int = 6,
                     on_off_first: str = "ON", coarse_channels: int = 64, et_signals: int = 3,
                     rfi_drift_signals: int = 2, rfi_zero_signals: int = 2,
                     partial_on_signals: int = 2, empty_scans: tuple[int, ...] = (),
                     mjd_start: float = MJD_START, target: str | None = None,
                     name_prefix: str | None = None) -> SyntheticCadence:
    """Generate one cadence of hits with injected signals (see the module docstring).

    ``hits_per_scan`` is the number of hits in each non-empty scan, injected ones
    included. ``coarse_channels`` sets the band: 64 is 187.5 MHz.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    band = _Band(coarse_channels)
    layout = cadence_layout(number_in_cadence, on_off_first)
    target = target or f"SYNTH_TARGET_{seed}"
    prefix = name_prefix or f"synth_s{seed}"
    cadence_seconds = SCAN_SPACING_S * number_in_cadence

    taken: list[tuple[float, float]] = []
    counts = {ET: et_signals, RFI_DRIFT: rfi_drift_signals, RFI_ZERO: rfi_zero_signals,
              PARTIAL_ON: partial_on_signals}
    truth = _injected_signals(rng, band, layout, set(empty_scans), counts, cadence_seconds, taken)

    scans: list[Scan] = []
    labels: dict[tuple[int, int], str] = {}
    for index in range(number_in_cadence):
        mjd = mjd_start + index * SCAN_SPACING_S / 86400.0
        source = target if layout[index] else f"{target}_OFF{index}"
        name = f"{prefix}_{index:02d}_{'ON' if layout[index] else 'OFF'}"
        header = ScanHeader(file_id=f"{name}.h5", source=source, mjd=round(mjd, 12), ra="17h47m15s",
                            dec="-28d22m59.16s", tsamp_s=TSAMP_S, foff_hz=FOFF_HZ,
                            max_drift_rate_hz_per_s=MAX_DRIFT_RATE_HZ_PER_S, obs_length_s=OBS_LENGTH_S)

        present = [signal for signal in truth if index in signal.scan_indices]
        elapsed = index * SCAN_SPACING_S
        injected_channels = band.channel_of(
            [signal.start_frequency_mhz + signal.drift_rate_hz_per_s * elapsed / 1e6 for signal in present])
        injected_drift = np.array([signal.drift_rate_hz_per_s for signal in present])
        injected_snr = np.round(np.array([signal.snr * rng.uniform(0.8, 1.2) for signal in present]), 6)

        if index in empty_scans:
            background = (np.empty(0, np.int64), np.empty(0), np.empty(0))
        else:
            background = _background(rng, band, hits_per_scan - len(present), taken)
        channels = np.concatenate([injected_channels.astype(np.int64), background[0]])
        drift = np.concatenate([injected_drift, background[1]])
        snr = np.concatenate([injected_snr, background[2]])
        hits, order = _make_hits(band, channels, drift, snr)
        for position, source_row in enumerate(order.tolist()):
            if source_row < len(present):
                labels[(index, position)] = present[source_row].name
        scans.append(Scan(scan_id=scan_id_for(f"{name}.dat", header.mjd), header=header, hits=hits,
                          scan_index=index, is_on_source=layout[index]))

    return SyntheticCadence(cadence_id=scans[0].scan_id, number_in_cadence=number_in_cadence,
                            scans=scans, truth=truth, labels=labels)


def generate_night(seed: int, cadences: int, hits_per_scan: int = 100, gap_s: float = 600.0,
                   **options) -> list[SyntheticCadence]:
    """Generate ``cadences`` consecutive cadences of one night, each on its own target.

    Cadence k uses the seed sequence (seed, k) and starts ``gap_s`` after the end of
    cadence k-1.
    """
    number_in_cadence = options.get("number_in_cadence", 6)
    night = []
    for number in range(cadences):
        start = MJD_START + number * (number_in_cadence * SCAN_SPACING_S + gap_s) / 86400.0
        child_seed = int(np.random.SeedSequence([seed, number]).generate_state(1)[0])
        night.append(generate_cadence(child_seed, hits_per_scan, mjd_start=start,
                                      target=f"SYNTH_TARGET_{seed}_{number}",
                                      name_prefix=f"night_s{seed}_c{number:03d}", **options))
    return night
