"""Praat prosody's voice-quality measures over the voiced (and sounding) frames, and the frame-grid helpers they
share with the extractor (extractors/prosody_praat.py, whose docstring defines each measure and cites its source):
harmonics-to-noise ratio, eGeMAPS alpha ratio and Hammarberg index, local jitter and shimmer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import parselmouth

# eGeMAPS spectral balance (Eyben et al. 2016): frame length and bands in Hz
_SPECTRAL_FRAME_S = 0.025
_ALPHA_LOW_HZ, _ALPHA_SPLIT_HZ, _BAND_TOP_HZ = 50.0, 1000.0, 5000.0
_HAMMARBERG_SPLIT_HZ = 2000.0
# Praat's defaults for HNR, jitter and shimmer
_HNR_SILENCE_THRESHOLD, _HNR_PERIODS_PER_WINDOW = 0.1, 1.0
_PERIOD_FLOOR_S, _PERIOD_CEILING_S, _MAX_PERIOD_FACTOR, _MAX_AMPLITUDE_FACTOR = 0.0001, 0.02, 1.3, 1.6


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the True runs of a boolean array."""
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def at(times: np.ndarray, values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """values of the frame nearest to each time in t (frames sorted by time)."""
    idx = np.clip(np.searchsorted(times, t), 1, len(times) - 1)
    idx -= (t - times[idx - 1]) < (times[idx] - t)
    return values[idx]


def hnr(sound: parselmouth.Sound, int_times: np.ndarray, voiced: np.ndarray, time_step_s: float,
        pitch_floor_hz: float) -> float | None:
    """Mean harmonics-to-noise ratio (dB) over the voiced frames that Praat also finds periodic."""
    if not voiced.any():
        return None
    harmonicity = sound.to_harmonicity_cc(
        time_step=time_step_s, minimum_pitch=pitch_floor_hz,
        silence_threshold=_HNR_SILENCE_THRESHOLD, periods_per_window=_HNR_PERIODS_PER_WINDOW)
    times = np.asarray(harmonicity.xs())
    values = np.asarray(harmonicity.values[0], dtype=float)
    if times.size == 0:
        return None
    keep = at(int_times, voiced, times) & (values > -199.0)  # Praat writes -200 for aperiodic frames
    return float(values[keep].mean()) if keep.any() else None

def spectral_balance(audio: np.ndarray, rate: int, int_times: np.ndarray, voiced: np.ndarray, time_step_s: float
                     ) -> tuple[float | None, float | None]:
    """eGeMAPS alpha ratio and Hammarberg index (dB), means over the voiced frames."""
    win = round(_SPECTRAL_FRAME_S * rate)
    hop = max(1, round(time_step_s * rate))
    if not voiced.any() or len(audio) < win or rate < 2 * _BAND_TOP_HZ:
        return None, None
    n_fft = 1 << (win - 1).bit_length()
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(audio, win // 2), win)[::hop]  # frame i at i*hop
    keep = at(int_times, voiced, np.arange(len(frames)) * hop / rate)
    if not keep.any():
        return None, None
    power = np.abs(np.fft.rfft(frames[keep] * np.hamming(win), n=n_fft)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1.0 / rate)
    low = power[:, (freqs >= _ALPHA_LOW_HZ) & (freqs < _ALPHA_SPLIT_HZ)].sum(axis=1)
    high = power[:, (freqs >= _ALPHA_SPLIT_HZ) & (freqs <= _BAND_TOP_HZ)].sum(axis=1)
    peak_low = power[:, freqs < _HAMMARBERG_SPLIT_HZ].max(axis=1)
    peak_high = power[:, (freqs >= _HAMMARBERG_SPLIT_HZ) & (freqs <= _BAND_TOP_HZ)].max(axis=1)
    ok = (low > 0) & (high > 0) & (peak_low > 0) & (peak_high > 0)
    if not ok.any():
        return None, None
    alpha = float(np.mean(10.0 * np.log10(high[ok] / low[ok])))
    hammarberg = float(np.mean(10.0 * np.log10(peak_low[ok] / peak_high[ok])))
    return alpha, hammarberg

def perturbation(sound: parselmouth.Sound, pitch: parselmouth.Pitch, int_times: np.ndarray, voiced: np.ndarray,
                 time_step_s: float) -> tuple[float | None, float | None]:
    """Praat's local jitter (fraction) and local shimmer (dB) over the glottal pulses of the voiced frames."""
    if not voiced.any():
        return None, None
    from parselmouth.praat import call

    pulses = call([sound, pitch], "To PointProcess (cc)")
    half = time_step_s / 2
    for start, stop in runs(~voiced):  # drop pulses in unvoiced or silent stretches
        t0 = int_times[start] - half if start > 0 else sound.xmin
        t1 = int_times[stop - 1] + half if stop < len(int_times) else sound.xmax
        call(pulses, "Remove points between", t0, t1)
    jitter = call(pulses, "Get jitter (local)", 0.0, 0.0, _PERIOD_FLOOR_S, _PERIOD_CEILING_S, _MAX_PERIOD_FACTOR)
    shimmer = call([sound, pulses], "Get shimmer (local_dB)", 0.0, 0.0, _PERIOD_FLOOR_S, _PERIOD_CEILING_S,
                   _MAX_PERIOD_FACTOR, _MAX_AMPLITUDE_FACTOR)

    def defined(v: float) -> float | None:  # Praat returns NaN ("undefined") with too few periods
        return float(v) if v is not None and np.isfinite(v) else None

    return defined(jitter), defined(shimmer)
