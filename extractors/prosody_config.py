"""The prosody extractors' options and their numbers in words: `ProsodyConfig` (praat-prosody's config, whose
measurement options and description thresholds opensmile-prosody shares), `semitones` and `describe`. The
description uses absolute thresholds, which mix speaker and state: a low-pitched man's excited voice may read
"medium pitch"."""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from emer.extractors.base import ExtractorConfig


class ProsodyConfig(ExtractorConfig):
    """Options of the Praat prosody extractor. The word thresholds only shape `description`; the numbers in
    the clue do not depend on them."""

    # --- measurement ---
    pitch_floor_hz: float = Field(75.0, gt=0, description="lowest pitch searched (also sets the intensity "
                                  "window, 3.2 / floor seconds)")
    pitch_ceiling_hz: float = Field(600.0, gt=0, description="highest pitch searched")
    two_pass_pitch: bool = Field(True, description="re-run pitch between 0.75 x Q1 and 1.5 x Q3 of a first "
                                 "pass (Hirst 2011): removes most octave jumps")
    time_step_s: float = Field(0.01, gt=0, le=0.05, description="frame step of pitch, intensity and RMS")
    rms_frame_s: float = Field(0.04, gt=0, le=0.2, description="RMS window length")
    silence_threshold_db: float = Field(-25.0, lt=0, description="frames quieter than the clip's peak "
                                        "intensity plus this are silent (de Jong & Wempe 2009)")
    noise_margin_db: float = Field(6.0, ge=0, description="a sounding stretch needs frames at least this far "
                                   "above the noise floor (0.05 quantile of intensity)")
    edge_margin_db: float = Field(3.0, ge=0, description="a sounding stretch extends over neighbouring frames "
                                  "at least this far above the noise floor (hysteresis: keeps quiet word "
                                  "edges and stop closures of low-SNR speech)")
    min_sounding_s: float = Field(0.05, ge=0, description="sounding stretches shorter than this count as "
                                  "silent (clicks)")
    min_pause_s: float = Field(0.15, gt=0, description="silent gaps at least this long between sounding "
                               "stretches are pauses")
    min_dip_db: float = Field(2.0, gt=0, description="a syllable nucleus must rise this far above the "
                              "intensity dips on both sides (de Jong & Wempe 2009)")
    nucleus_voicing_window_s: float = Field(
        0.1, ge=0, description="a nucleus needs a voiced frame within this distance of its peak (de Jong & "
        "Wempe require voicing at the peak itself; on noisy or creaky speech Praat drops voicing at many vowel "
        "peaks, so the window tolerates short dropouts)")
    silence_floor_dbfs: float = Field(-60.0, description="a clip whose loudest RMS frame is below this is "
                                      "silent: no_signal")

    # --- words for the description (absolute; planned to become speaker-relative) ---
    low_pitch_below_hz: float = Field(120.0, description="median pitch below this reads 'low pitch' (a "
                                      "typical man speaks around 85-155 Hz)")
    high_pitch_above_hz: float = Field(250.0, description="median pitch above this reads 'high pitch' (a "
                                       "typical woman speaks around 165-255 Hz); between: 'medium pitch'")
    falling_below_st_s: float = Field(-3.0, description="slope below this (semitones/s) reads 'falling'")
    rising_above_st_s: float = Field(3.0, description="slope above this reads 'rising'; between: 'level'")
    narrow_range_below_st: float = Field(3.0, description="p10-p90 range below this (semitones) reads "
                                         "'narrow range' (monotonous)")
    wide_range_above_st: float = Field(8.0, description="range above this reads 'wide range'; between: "
                                       "'moderate range'")
    quiet_below_dbfs: float = Field(-35.0, description="mean loudness below this reads 'quiet'")
    loud_above_dbfs: float = Field(-20.0, description="mean loudness above this reads 'loud'; between: "
                                   "'moderately loud'. Depends on the recording gain")
    slow_below_syl_s: float = Field(3.5, description="speech rate below this (syllables/s) reads 'slow'")
    fast_above_syl_s: float = Field(6.0, description="speech rate above this reads 'fast'; between: "
                                    "'moderate tempo' (conversational English: about 4-6)")

    @model_validator(mode="after")
    def _ordered(self) -> ProsodyConfig:
        pairs = [
            ("pitch_floor_hz", "pitch_ceiling_hz"), ("low_pitch_below_hz", "high_pitch_above_hz"),
            ("falling_below_st_s", "rising_above_st_s"), ("narrow_range_below_st", "wide_range_above_st"),
            ("quiet_below_dbfs", "loud_above_dbfs"), ("slow_below_syl_s", "fast_above_syl_s"),
        ]
        for low, high in pairs:
            if not getattr(self, low) < getattr(self, high):
                raise ValueError(f"{low} ({getattr(self, low)}) must be below {high} ({getattr(self, high)})")
        if self.rms_frame_s < self.time_step_s:
            raise ValueError(f"rms_frame_s ({self.rms_frame_s}) must be at least time_step_s ({self.time_step_s})")
        return self


def semitones(hz: np.ndarray | float, ref_hz: float = 100.0) -> np.ndarray | float:
    """Pitch in semitones relative to ref_hz."""
    return 12.0 * np.log2(np.asarray(hz, dtype=float) / ref_hz)


def describe(pitch_median_hz: float | None, slope_st_s: float | None, range_st: float | None,
             loudness_db: float, rate_syl_s: float | None, pauses: int, pause_s: float,
             config: ProsodyConfig) -> str:
    """The numbers in words, e.g. 'high, rising pitch; wide range; loud; fast; no pause'."""
    c = config
    if pitch_median_hz is None:
        pitch = "no voiced pitch found"
    else:
        level = ("low" if pitch_median_hz < c.low_pitch_below_hz
                 else "high" if pitch_median_hz > c.high_pitch_above_hz else "medium")
        if slope_st_s is None:
            pitch = f"{level} pitch"
        else:
            trend = ("falling" if slope_st_s < c.falling_below_st_s
                     else "rising" if slope_st_s > c.rising_above_st_s else "level")
            pitch = f"{level}, {trend} pitch"
    parts = [pitch]
    if range_st is not None:
        parts.append("narrow range" if range_st < c.narrow_range_below_st
                     else "wide range" if range_st > c.wide_range_above_st else "moderate range")
    parts.append("quiet" if loudness_db < c.quiet_below_dbfs
                 else "loud" if loudness_db > c.loud_above_dbfs else "moderately loud")
    if rate_syl_s is not None:
        parts.append("slow" if rate_syl_s < c.slow_below_syl_s
                     else "fast" if rate_syl_s > c.fast_above_syl_s else "moderate tempo")
    parts.append("no pause" if pauses == 0
                 else f"{pauses} pause{'s' if pauses > 1 else ''} ({pause_s:.1f} s)")
    return "; ".join(parts)
