"""Prosody clue from openSMILE's eGeMAPSv02 (Eyben et al. 2016): the 88 literature-comparable functionals, and
the prosody clue's fields read from them, a second choice to `praat-prosody` for ablations.

Install: `pip install -e '.[opensmile]'` (opensmile 2.6.0 bundles the SMILE binary and the eGeMAPS configs; it
pulls pandas and pyarrow). Licence: openSMILE is under the audEERING Research License: free for private,
research and educational use; commercial use needs a licence from audEERING. It is therefore an extra, not a
dependency of this MIT project.

From the clip's 16 kHz mono audio, on eGeMAPS's 10 ms frame grid:

- pitch: the LLD `F0semitoneFrom27.5Hz_sma3nz` (SHS pitch, semitones re 27.5 Hz, 0 when unvoiced) turned into
  Hz; median, 10th and 90th percentile of the voiced frames, range p10 -> p90 in semitones, slope = least-squares
  line through the voiced frames' semitones against time. `voiced_ratio` = voiced frames / all frames.
- loudness: RMS level of `rms_frame_s` frames every 10 ms in dBFS (full scale 1.0, as `praat-prosody`: a
  full-scale sine reads -3 dBFS); a frame is sounding when it is within `silence_threshold_db` of the clip's
  loudest (0.99 quantile) frame (de Jong & Wempe 2009's threshold). Mean and standard deviation over the
  sounding frames, maximum over all. eGeMAPS's own `equivalentSoundLevel_dBp` (energy mean, same dBFS scale) is
  among the functionals.
- pauses: silent gaps of at least `min_pause_s` between the first and the last sounding frame.
- speech rate: eGeMAPS `loudnessPeaksPerSec` (loudness peaks, a syllable-rate proxy, over the whole clip) times
  the clip's duration, over the speaking time (first to last sounding frame, minus pauses).
- voice quality: the functionals `HNRdBACF_sma3nz_amean`, `alphaRatioV_sma3nz_amean`,
  `hammarbergIndexV_sma3nz_amean`, `jitterLocal_sma3nz_amean`, `shimmerLocaldB_sma3nz_amean` (voiced frames).
  eGeMAPS's HNR is from the autocorrelation function and its jitter/shimmer from its own period detection: their
  values differ from Praat's (HNR 3 dB lower on average on the CREMA-D and EmoDB clips, r = 0.5), so compare
  clips within one backend.
- `functionals`: all 88 eGeMAPSv02 functionals by openSMILE's names.
- description: the numbers in words with `praat-prosody`'s default thresholds.

Eyben, F., Scherer, K. R., Schuller, B. W., et al. (2016). The Geneva Minimalistic Acoustic Parameter Set
(GeMAPS) for voice research and affective computing. IEEE Transactions on Affective Computing 7(2), 190-202.
de Jong, N. H. & Wempe, T. (2009). Praat script to detect syllable nuclei and measure speech rate
automatically. Behavior Research Methods 41(2), 385-390.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from emer.extractors.base import Extractor, ExtractorConfig, timed
from emer.extractors.prosody_config import ProsodyConfig, describe, semitones
from emer.pipeline.inputs.clip import Clip
from emer.pipeline.records.clues import ClueKind, ClueStatus, ModelRef, ProsodyClue, ProsodyData
from emer.pipeline.records.errors import MissingDependencyError, require
from emer.pipeline.store.io import sha256_file

_INSTALL_HINT = "pip install 'emer[opensmile]' (opensmile==2.6.0)"
STEP_S = 0.01  # eGeMAPS LLD frame step
PITCH_LLD = "F0semitoneFrom27.5Hz_sma3nz"
PITCH_REF_HZ = 27.5
N_FUNCTIONALS = 88
CONFIG_MEMBER = "core/config/egemaps/v02/eGeMAPSv02.conf"  # inside the opensmile package


class OpenSmileConfig(ExtractorConfig):
    """Options of the openSMILE prosody extractor (the feature set itself is fixed: eGeMAPSv02)."""

    rms_frame_s: float = Field(0.04, gt=0, le=0.2, description="RMS window length for the loudness levels")
    silence_threshold_db: float = Field(-25.0, lt=0, description="frames quieter than the clip's peak level "
                                        "plus this are silent (de Jong & Wempe 2009)")
    min_pause_s: float = Field(0.15, gt=0, description="silent gaps at least this long between sounding "
                               "frames are pauses")
    silence_floor_dbfs: float = Field(-60.0, description="a clip whose loudest RMS frame is below this is "
                                      "silent: no_signal")


class OpenSmileProsodyExtractor(Extractor):
    """Pitch, loudness, pauses, rate and voice quality from openSMILE eGeMAPSv02, with its 88 functionals."""

    name: ClassVar[str] = "opensmile-prosody"
    version: ClassVar[str] = "1.0.0"
    kind: ClassVar[ClueKind] = "prosody"
    Config: ClassVar[type[ExtractorConfig]] = OpenSmileConfig
    config: OpenSmileConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._smiles: tuple[Any, Any] | None = None
        self._lock = threading.Lock()

    def load(self) -> tuple[Any, Any]:
        """The (functionals, low-level descriptors) eGeMAPSv02 extractors, built once."""
        with self._lock:
            if self._smiles is None:
                opensmile = require("opensmile", _INSTALL_HINT)
                fs = opensmile.FeatureSet.eGeMAPSv02
                self._smiles = (
                    opensmile.Smile(feature_set=fs, feature_level=opensmile.FeatureLevel.Functionals),
                    opensmile.Smile(feature_set=fs, feature_level=opensmile.FeatureLevel.LowLevelDescriptors),
                )
            return self._smiles

    def model_refs(self) -> list[ModelRef]:
        """The eGeMAPSv02 configuration the installed opensmile package runs, by its sha256."""
        spec = importlib.util.find_spec("opensmile")
        if spec is None or not spec.submodule_search_locations:
            raise MissingDependencyError(f"opensmile is not installed; {_INSTALL_HINT}")
        conf = Path(spec.submodule_search_locations[0]) / CONFIG_MEMBER
        if not conf.is_file():
            raise MissingDependencyError(f"{conf}: the installed opensmile has no eGeMAPSv02 configuration")
        return [ModelRef(name=f"opensmile=={version('opensmile')} eGeMAPSv02", sha256=sha256_file(conf),
                         source="pypi")]

    def extract(self, clip: Clip) -> ProsodyClue:
        if clip.audio is None:
            return self.make_clue(clip, ClueStatus.unsupported, detail="no audio track")
        audio = clip.audio.astype(np.float32, copy=False)
        timings: dict[str, float] = {}
        if audio.size < clip.audio_rate * 0.1:
            return self.make_clue(clip, ClueStatus.no_signal, detail=f"audio too short ({audio.size} samples)")
        with timed(timings, "load"):
            functionals_smile, lld_smile = self.load()
        with timed(timings, "loudness"):
            level = _rms_dbfs(audio, clip.audio_rate, self.config.rms_frame_s)
        if float(level.max()) < self.config.silence_floor_dbfs:
            return self.make_clue(clip, ClueStatus.no_signal, timings=timings, detail=(
                f"silence: loudest frame {float(level.max()):.1f} dBFS is below {self.config.silence_floor_dbfs}"))
        with timed(timings, "opensmile"):
            functionals = functionals_smile.process_signal(audio, clip.audio_rate).iloc[0]
            pitch_st = lld_smile.process_signal(audio, clip.audio_rate)[PITCH_LLD].to_numpy(dtype=float)
        data, detail = self._data(audio.size / clip.audio_rate, level, pitch_st,
                                  {str(k): float(v) for k, v in functionals.items()})
        return self.make_clue(clip, ClueStatus.ok, data=data, detail=detail, timings=timings)

    def _data(self, duration: float, level: np.ndarray, pitch_st: np.ndarray, fn: dict[str, float]
              ) -> tuple[ProsodyData, str | None]:
        c = self.config
        peak = float(np.quantile(level, 0.99))
        sounding = level >= peak + c.silence_threshold_db
        idx = np.flatnonzero(sounding)
        gaps = np.diff(idx) - 1  # silent frames between consecutive sounding frames
        pause_frames = gaps[gaps * STEP_S >= c.min_pause_s - 1e-9]
        pause_s = float(pause_frames.sum()) * STEP_S
        speaking_s = (idx[-1] - idx[0] + 1) * STEP_S - pause_s
        syllables = fn["loudnessPeaksPerSec"] * duration
        rate = syllables / speaking_s if speaking_s > 0 else None

        voiced = pitch_st > 0
        hz = PITCH_REF_HZ * 2.0 ** (pitch_st[voiced] / 12.0)
        detail = None
        if hz.size:
            median, p10, p90 = (float(v) for v in np.percentile(hz, [50, 10, 90]))
            range_st = float(semitones(p90, p10))
            t = np.flatnonzero(voiced) * STEP_S
            slope = float(np.polyfit(t, semitones(hz), 1)[0]) if hz.size >= 2 and np.ptp(t) > 0 else None
        else:
            median = p10 = p90 = range_st = slope = None
            detail = "no voiced frame: pitch not measured (whisper, noise or no speech?)"

        def r(v: float | None, nd: int = 2) -> float | None:
            return None if v is None or not math.isfinite(v) else round(v, nd)

        voiced_any = bool(voiced.any())
        mean_db = float(level[sounding].mean())
        data = ProsodyData(
            duration_s=round(duration, 3),
            pitch_median_hz=r(median, 1), pitch_p10_hz=r(p10, 1), pitch_p90_hz=r(p90, 1),
            pitch_range_semitones=r(range_st), pitch_slope_semitones_per_s=r(slope),
            loudness_mean_db=round(mean_db, 2), loudness_std_db=round(float(level[sounding].std()), 2),
            loudness_max_db=round(float(level.max()), 2),
            voiced_ratio=round(float(voiced.mean()), 3) if voiced.size else 0.0,
            pauses=int(pause_frames.size), pause_seconds=round(pause_s, 3),
            speech_rate_syllables_per_s=r(rate),
            hnr_db=r(fn["HNRdBACF_sma3nz_amean"]) if voiced_any else None,
            alpha_ratio_db=r(fn["alphaRatioV_sma3nz_amean"]) if voiced_any else None,
            hammarberg_index_db=r(fn["hammarbergIndexV_sma3nz_amean"]) if voiced_any else None,
            jitter_local=r(fn["jitterLocal_sma3nz_amean"], 4) if voiced_any else None,
            shimmer_local_db=r(fn["shimmerLocaldB_sma3nz_amean"], 3) if voiced_any else None,
            functionals={k: round(v, 6) for k, v in fn.items()},
            description=describe(median, slope, range_st, mean_db, rate, int(pause_frames.size), pause_s,
                                 ProsodyConfig()),
        )
        return data, detail


def _rms_dbfs(audio: np.ndarray, rate: int, frame_s: float) -> np.ndarray:
    """RMS level in dBFS of frames of `frame_s`, centred every STEP_S (edges zero-padded)."""
    hop, frame = round(STEP_S * rate), max(1, round(frame_s * rate))
    padded = np.pad(audio.astype(np.float64), frame // 2)
    power = np.concatenate([[0.0], np.cumsum(padded ** 2)])
    starts = np.arange(0, len(audio), hop)
    mean_power = (power[starts + frame] - power[starts]) / frame
    return 10.0 * np.log10(np.maximum(mean_power, 1e-20))
