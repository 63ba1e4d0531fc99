"""Prosody clue from Praat (through parselmouth) and librosa: pitch, loudness, pauses, speech rate and voice quality.

All measures come from the clip's 16 kHz mono audio, on one frame grid of `time_step_s`:

- sounding frames: Praat intensity (window 3.2 / pitch_floor_hz) at or above a threshold that is the higher
  of (a) the clip's peak intensity (0.99 quantile, as de Jong & Wempe 2009 take it, so one click does not set
  it) plus `silence_threshold_db` (-25 dB, their default) and (b) the clip's noise floor (0.05 quantile of
  intensity) plus `noise_margin_db`. (b) matters on noisy recordings: the CREMA-D clips have a noise floor
  only 15-40 dB under the speech peak, and with (a) alone a quiet clip counts as sounding throughout. A
  stretch then extends over its neighbouring frames down to `edge_margin_db` above the floor (hysteresis), so
  the quiet edges of words and short stop closures of low-SNR speech stay inside it. Sounding stretches
  shorter than `min_sounding_s` are treated as silent.
- pitch: Praat's autocorrelation method (Boersma 1993) in two passes (Hirst 2011): a first pass between
  `pitch_floor_hz` and `pitch_ceiling_hz`, then a second between 0.75 x its first quartile and 1.5 x its
  third quartile (within the configured limits), which removes most octave errors. Only voiced frames that
  are also sounding count, so periodic background noise does not. Median, 10th and 90th percentile in Hz;
  range p10 -> p90 in semitones; slope = least-squares line through the voiced frames' pitch in semitones
  against time. `voiced_ratio` is the share of all the clip's frames that are voiced and sounding.
- loudness: librosa RMS (frames of `rms_frame_s`) in dBFS, 20 log10(rms) with full scale = 1.0 (a full-scale
  sine reads -3 dBFS); mean and standard deviation over the sounding frames, maximum over all frames.
- pauses: silent gaps of at least `min_pause_s` between the first and the last sounding stretch (leading and
  trailing silence is not a pause). Their count and summed duration.
- speech rate: syllable nuclei per second of speaking time (first sounding frame to last, minus pauses), i.e.
  de Jong & Wempe's articulation rate. A nucleus is an intensity peak that is sounding, rises at least
  `min_dip_db` above the dips on both sides (its topographic prominence) and has a voiced frame within
  `nucleus_voicing_window_s`.
- voice quality, over the voiced (and sounding) frames only, for telling apart emotions of similar arousal:
  anger and joy raise the energy of the upper spectrum and sadness lowers it (Juslin & Laukka 2003); tense,
  breathy or rough phonation shows in the harmonics-to-noise ratio, jitter and shimmer:
  - `hnr_db`: Praat's harmonicity by forward cross-correlation (Boersma 1993; "To Harmonicity (cc)" with Praat's
    defaults: silence threshold 0.1, one period per window, floor `pitch_floor_hz`), mean over frames Praat
    finds periodic (it marks the others -200 dB).
  - `alpha_ratio_db` and `hammarberg_index_db`, as eGeMAPS defines them (Eyben et al. 2016): power spectra of
    25 ms Hamming frames every `time_step_s`, no pre-emphasis; alpha ratio = 10 log10 of the summed power
    1-5 kHz over that of 50 Hz-1 kHz (openSMILE's implementation sums from 0 Hz; the paper says 50 Hz);
    Hammarberg index = 10 log10 of the strongest bin below 2 kHz over the strongest bin 2-5 kHz (Hammarberg et
    al. 1980). Each is the mean of the per-frame dB values, as eGeMAPS's `alphaRatioV_sma3nz_amean` (without
    its 3-frame smoothing). A clip recorded at 8 kHz (telephone) has nothing above 4 kHz, which lowers both.
  - `jitter_local` and `shimmer_local_db`: Praat's "Get jitter (local)" and "Get shimmer (local_dB)" with its
    defaults (periods 0.1-20 ms, maximum period factor 1.3, maximum amplitude factor 1.6) over the glottal
    pulses of "To PointProcess (cc)" from the final pitch track, with the pulses outside the voiced sounding
    frames removed. Measured on running speech, not on a sustained vowel: both run higher than the clinical
    norms for vowels (jitter about 1 %, shimmer about 0.35 dB).
- description: the numbers in plain words through the absolute thresholds in `Config` (e.g. "high, rising
  pitch; wide range; loud; fast; no pause"). Absolute thresholds mix speaker and state: a low-pitched man's
  excited voice may read "medium pitch". Speaker-relative thresholds are planned.

Boersma, P. (1993). Accurate short-term analysis of the fundamental frequency and the harmonics-to-noise ratio
of a sampled sound. Proc. Institute of Phonetic Sciences 17, 97-110.
de Jong, N. H. & Wempe, T. (2009). Praat script to detect syllable nuclei and measure speech rate
automatically. Behavior Research Methods 41(2), 385-390.
Eyben, F., Scherer, K. R., Schuller, B. W., Sundberg, J., Andre, E., Busso, C., Devillers, L. Y., Epps, J.,
Laukka, P., Narayanan, S. S. & Truong, K. P. (2016). The Geneva Minimalistic Acoustic Parameter Set (GeMAPS) for
voice research and affective computing. IEEE Transactions on Affective Computing 7(2), 190-202.
Hammarberg, B., Fritzell, B., Gauffin, J., Sundberg, J. & Wedin, L. (1980). Perceptual and acoustic correlates
of abnormal voice qualities. Acta Oto-Laryngologica 90, 441-451.
Hirst, D. (2011). The analysis by synthesis of speech melody: from data to models. Journal of Speech
Sciences 1(1), 55-83.
Juslin, P. N. & Laukka, P. (2003). Communication of emotions in vocal expression and music performance:
different channels, same code? Psychological Bulletin 129(5), 770-814.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from emer.extractors.base import Extractor, ExtractorConfig, timed
from emer.extractors.praat_voice_quality import at, hnr, perturbation, runs, spectral_balance
from emer.extractors.prosody_config import ProsodyConfig, describe, semitones
from emer.pipeline.inputs.clip import Clip
from emer.pipeline.records.clues import ClueKind, ClueStatus, ProsodyClue, ProsodyData
from emer.pipeline.records.errors import require

if TYPE_CHECKING:
    import parselmouth

_PARSELMOUTH_HINT = "pip install praat-parselmouth"
_LIBROSA_HINT = "pip install librosa"


class PraatProsodyExtractor(Extractor):
    """Pitch, loudness, pauses, speech rate and voice quality of the clip's audio, with Praat and librosa."""

    name: ClassVar[str] = "praat-prosody"
    version: ClassVar[str] = "1.1.0"
    kind: ClassVar[ClueKind] = "prosody"
    Config: ClassVar[type[ExtractorConfig]] = ProsodyConfig
    config: ProsodyConfig

    def extract(self, clip: Clip) -> ProsodyClue:
        timings: dict[str, float] = {}
        if clip.audio is None:
            return self.make_clue(clip, ClueStatus.unsupported, detail="no audio track")
        min_s = 2 * 3.2 / self.config.pitch_floor_hz  # two intensity windows
        if clip.audio.size < clip.audio_rate * min_s:
            return self.make_clue(clip, ClueStatus.no_signal,
                                  detail=f"audio too short to analyse ({clip.audio.size / clip.audio_rate:.3f} s)")
        with timed(timings, "total"):
            data, detail = self._measure(clip.audio.astype(np.float64, copy=False), clip.audio_rate, timings)
        if data is None:
            return self.make_clue(clip, ClueStatus.no_signal, detail=detail, timings=timings)
        return self.make_clue(clip, ClueStatus.ok, data=data, detail=detail, timings=timings)

    def _measure(self, audio: np.ndarray, rate: int, timings: dict[str, float]
                 ) -> tuple[ProsodyData | None, str | None]:
        parselmouth = require("parselmouth", _PARSELMOUTH_HINT)
        c = self.config
        duration = len(audio) / rate

        with timed(timings, "loudness"):
            rms_times, rms_db = self._rms_db(audio, rate)
        peak_dbfs = float(rms_db.max())
        if peak_dbfs < c.silence_floor_dbfs:
            return None, f"silence: loudest frame {peak_dbfs:.1f} dBFS is below {c.silence_floor_dbfs} dBFS"

        sound = parselmouth.Sound(audio, sampling_frequency=rate)
        with timed(timings, "intensity"):
            intensity = sound.to_intensity(minimum_pitch=c.pitch_floor_hz, time_step=c.time_step_s)
            int_times = np.asarray(intensity.xs())
            int_db = np.asarray(intensity.values[0], dtype=float)
            if len(int_times) < 2:
                return None, f"audio too short to analyse ({duration:.3f} s)"
            sounding = self._sounding(int_db)
        if not sounding.any():
            return None, "no sounding frame"
        stretches = runs(sounding)
        step = c.time_step_s

        with timed(timings, "pitch"):
            pitch_times, f0, pitch = self._pitch(sound, int_times, sounding)
        voiced = f0 > 0

        # pauses: silent gaps between the first and the last sounding stretch
        gaps = [(stop, nxt) for (_, stop), (nxt, _) in zip(stretches[:-1], stretches[1:], strict=True)]
        pause_frames = [b - a for a, b in gaps if (b - a) * step >= c.min_pause_s - 1e-9]
        pause_s = sum(pause_frames) * step
        speaking_s = (stretches[-1][1] - stretches[0][0]) * step - pause_s

        with timed(timings, "syllables"):
            nuclei = self._nuclei(int_db, int_times, sounding, pitch_times, voiced)
        rate_syl = nuclei / speaking_s if speaking_s > 0 else None

        # loudness over the sounding frames (each RMS frame takes the state of the nearest intensity frame)
        rms_sounding = at(int_times, sounding, rms_times)
        level = rms_db[rms_sounding] if rms_sounding.any() else rms_db

        with timed(timings, "voice_quality"):
            hnr_db = hnr(sound, int_times, voiced, c.time_step_s, c.pitch_floor_hz)
            alpha, hammarberg = spectral_balance(audio, rate, int_times, voiced, c.time_step_s)
            jitter, shimmer = perturbation(sound, pitch, int_times, voiced, c.time_step_s)

        hz = f0[voiced]
        detail = None
        if hz.size:
            median, p10, p90 = (float(v) for v in np.percentile(hz, [50, 10, 90]))
            range_st = float(semitones(p90, p10))
            t = pitch_times[voiced]
            slope = float(np.polyfit(t, semitones(hz), 1)[0]) if hz.size >= 2 and np.ptp(t) > 0 else None
        else:
            median = p10 = p90 = range_st = slope = None
            detail = "no voiced frame: pitch not measured (whisper, noise or no speech?)"

        def r(v: float | None, nd: int = 2) -> float | None:
            return None if v is None else round(v, nd)

        data = ProsodyData(
            duration_s=round(duration, 3),
            pitch_median_hz=r(median, 1), pitch_p10_hz=r(p10, 1), pitch_p90_hz=r(p90, 1),
            pitch_range_semitones=r(range_st), pitch_slope_semitones_per_s=r(slope),
            loudness_mean_db=round(float(level.mean()), 2), loudness_std_db=round(float(level.std()), 2),
            loudness_max_db=round(peak_dbfs, 2),
            voiced_ratio=round(float(voiced.sum()) / max(len(int_times), 1), 3),
            pauses=len(pause_frames), pause_seconds=round(pause_s, 3),
            speech_rate_syllables_per_s=r(rate_syl),
            hnr_db=r(hnr_db), alpha_ratio_db=r(alpha), hammarberg_index_db=r(hammarberg),
            jitter_local=r(jitter, 4), shimmer_local_db=r(shimmer, 3),
            description=describe(median, slope, range_st, float(level.mean()), rate_syl, len(pause_frames),
                                 pause_s, c),
        )
        return data, detail

    def curves(self, audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The curves the clue's numbers summarise, for plots (`emer report` draws them from the clip's audio with
        the clue's config): pitch frame times and Hz (NaN where unvoiced or silent), RMS frame times and dBFS."""
        parselmouth = require("parselmouth", _PARSELMOUTH_HINT)
        audio = audio.astype(np.float64, copy=False)
        rms_times, rms_db = self._rms_db(audio, rate)
        sound = parselmouth.Sound(audio, sampling_frequency=rate)
        intensity = sound.to_intensity(minimum_pitch=self.config.pitch_floor_hz, time_step=self.config.time_step_s)
        int_times = np.asarray(intensity.xs())
        if len(int_times) < 2:
            return np.zeros(0), np.zeros(0), rms_times, rms_db
        sounding = self._sounding(np.asarray(intensity.values[0], dtype=float))
        times, f0, _ = self._pitch(sound, int_times, sounding)
        return times, np.where(f0 > 0, f0, np.nan), rms_times, rms_db

    def _rms_db(self, audio: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
        """Frame times and RMS level in dBFS (frames centred on their times)."""
        librosa = require("librosa", _LIBROSA_HINT)
        hop = max(1, round(self.config.time_step_s * rate))
        frame = max(hop, round(self.config.rms_frame_s * rate))
        rms = librosa.feature.rms(y=audio.astype(np.float32), frame_length=frame, hop_length=hop, center=True)[0]
        times = np.arange(len(rms)) * hop / rate
        return times, 20.0 * np.log10(np.maximum(rms, 1e-10))

    def _sounding(self, int_db: np.ndarray) -> np.ndarray:
        """Frames above the silence threshold, without stretches shorter than min_sounding_s."""
        c = self.config
        finite = int_db[np.isfinite(int_db)]
        if finite.size == 0:
            return np.zeros(len(int_db), dtype=bool)
        peak, floor = np.quantile(finite, [0.99, 0.05])
        values = np.where(np.isfinite(int_db), int_db, -np.inf)
        core = values >= max(peak + c.silence_threshold_db, floor + c.noise_margin_db)
        edge = values >= max(peak + c.silence_threshold_db, floor + min(c.edge_margin_db, c.noise_margin_db))
        mask = np.zeros(len(values), dtype=bool)
        for start, stop in runs(edge):  # an edge run is sounding when it holds a core frame
            if core[start:stop].any():
                mask[start:stop] = True
        min_frames = round(c.min_sounding_s / c.time_step_s)
        for start, stop in runs(mask):
            if stop - start < min_frames:
                mask[start:stop] = False
        return mask

    def _pitch(self, sound: parselmouth.Sound, int_times: np.ndarray, sounding: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, parselmouth.Pitch]:
        """Frame times and pitch in Hz (0 = unvoiced or silent) on the intensity frame grid, and Praat's pitch
        object of the final pass."""
        c = self.config

        def track(floor: float, ceiling: float) -> tuple[np.ndarray, parselmouth.Pitch]:
            pitch = sound.to_pitch_ac(time_step=c.time_step_s, pitch_floor=floor, pitch_ceiling=ceiling)
            times = np.asarray(pitch.xs())
            if len(times) < 2:
                return np.zeros(len(int_times)), pitch
            f0 = np.asarray(pitch.selected_array["frequency"], dtype=float)
            # on the intensity grid; frames the pitch track does not cover are unvoiced
            out = at(times, f0, int_times)
            outside = (int_times < times[0] - c.time_step_s) | (int_times > times[-1] + c.time_step_s)
            out[outside | ~sounding] = 0.0
            return out, pitch

        f0, pitch = track(c.pitch_floor_hz, c.pitch_ceiling_hz)
        if c.two_pass_pitch and np.count_nonzero(f0) >= 4:
            q1, q3 = np.percentile(f0[f0 > 0], [25, 75])
            floor = max(c.pitch_floor_hz, 0.75 * q1)
            ceiling = min(c.pitch_ceiling_hz, 1.5 * q3)
            if ceiling > floor * 1.5:
                f0, pitch = track(floor, ceiling)
        return int_times, f0, pitch

    def _nuclei(self, int_db: np.ndarray, int_times: np.ndarray, sounding: np.ndarray,
                pitch_times: np.ndarray, voiced: np.ndarray) -> int:
        """Syllable nuclei: sounding intensity peaks with a prominence of at least min_dip_db and a voiced
        frame within nucleus_voicing_window_s."""
        from scipy.signal import find_peaks  # scipy comes with librosa

        c = self.config
        values = np.where(np.isfinite(int_db), int_db, np.nanmin(int_db[np.isfinite(int_db)]))
        peaks, _ = find_peaks(values, prominence=c.min_dip_db)
        peaks = peaks[sounding[peaks]]
        voiced_times = pitch_times[voiced]
        if peaks.size == 0 or voiced_times.size == 0:
            return 0
        t = int_times[peaks]
        nearest = np.abs(t[:, None] - voiced_times[None, :]).min(axis=1)
        return int(np.count_nonzero(nearest <= c.nucleus_voicing_window_s + 1e-9))
