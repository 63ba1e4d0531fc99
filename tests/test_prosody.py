"""The Praat prosody extractor on the real CREMA-D clips (both actors) and the EmoDB development clips, on
synthetic voiced signals with known pitch, pauses and spectral balance, and on silence. Praat and librosa only,
no model weights: fast."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from media import synthetic_clip
from pydantic import ValidationError

from emer.extractors import get
from emer.extractors.prosody_praat import PraatProsodyExtractor, ProsodyConfig, describe
from emer.pipeline.inputs.clip import AUDIO_RATE, decode_clip
from emer.pipeline.inputs.datasets import fetch_sample_set
from emer.pipeline.records.clues import ClueStatus, ProsodyClue, ProsodyData
from emer.pipeline.records.vocab import label_from_name
from emer.pipeline.store.io import load_clue

EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")


@pytest.fixture(scope="module")
def extractor() -> PraatProsodyExtractor:
    return PraatProsodyExtractor()


def voiced(f0_start: float, f0_end: float, seconds: float, amplitude: float = 0.2) -> np.ndarray:
    """A vowel-like harmonic signal whose pitch glides exponentially from f0_start to f0_end."""
    n = round(seconds * AUDIO_RATE)
    f0 = f0_start * (f0_end / f0_start) ** (np.arange(n) / n)
    phase = 2 * np.pi * np.cumsum(f0) / AUDIO_RATE
    signal = sum(np.sin(k * phase) / k for k in range(1, 9))
    envelope = np.minimum(1.0, np.minimum(np.arange(n), n - 1 - np.arange(n)) / (0.02 * AUDIO_RATE))
    return (amplitude * envelope * signal / 2).astype(np.float32)


def two_tone(seconds: float, f0: float = 250.0, high_hz: float = 2500.0, high_amplitude: float = 0.1,
             amplitude: float = 0.3) -> np.ndarray:
    """A periodic signal of two partials: f0 (amplitude 1) and its harmonic high_hz (high_amplitude), both on
    exact FFT bins of the 25 ms / 512-point spectra, so its alpha ratio is 20 log10(high_amplitude) dB and its
    Hammarberg index the negative of that."""
    t = np.arange(round(seconds * AUDIO_RATE)) / AUDIO_RATE
    signal = np.sin(2 * np.pi * f0 * t) + high_amplitude * np.sin(2 * np.pi * high_hz * t)
    envelope = np.minimum(1.0, np.minimum(np.arange(t.size), t.size - 1 - np.arange(t.size)) / (0.02 * AUDIO_RATE))
    return (amplitude * envelope * signal / (1 + high_amplitude)).astype(np.float32)


def noise(seconds: float, level: float = 1e-4, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, level, round(seconds * AUDIO_RATE)).astype(np.float32)


def check_real_clip(clue: ProsodyClue, duration: float) -> None:
    assert clue.status == ClueStatus.ok and clue.data is not None, clue.detail
    d = clue.data
    assert d.pitch_median_hz is not None and 60 <= d.pitch_median_hz <= 500, d
    assert d.pitch_p10_hz is not None and d.pitch_p90_hz is not None
    assert d.pitch_p10_hz <= d.pitch_median_hz <= d.pitch_p90_hz
    assert d.pitch_range_semitones is not None and d.pitch_range_semitones >= 0
    assert d.pitch_slope_semitones_per_s is not None
    assert -60 < d.loudness_mean_db < -10 and d.loudness_mean_db <= d.loudness_max_db <= 0
    assert 0 < d.loudness_std_db < 20
    assert 0.05 < d.voiced_ratio <= 1
    assert d.pauses >= 0 and 0 <= d.pause_seconds < duration
    assert d.speech_rate_syllables_per_s is not None and 2 <= d.speech_rate_syllables_per_s <= 12
    assert d.duration_s == pytest.approx(duration, abs=0.01)
    assert d.description and "pitch" in d.description
    # voice quality: plausible ranges for running speech (compressed, noisy recordings included)
    assert d.hnr_db is not None and 0 < d.hnr_db < 30, d
    assert d.alpha_ratio_db is not None and -40 < d.alpha_ratio_db < 15, d
    assert d.hammarberg_index_db is not None and 0 < d.hammarberg_index_db < 45, d
    assert d.jitter_local is not None and 0 < d.jitter_local < 0.2, d
    assert d.shimmer_local_db is not None and 0 < d.shimmer_local_db < 4, d
    assert clue.models == []  # Praat's algorithms, no weights


# --- config and words -------------------------------------------------------------------------------


def test_registered_under_its_name():
    assert get("praat-prosody") is PraatProsodyExtractor


def test_config_defaults_and_checks():
    c = ProsodyConfig()
    assert (c.pitch_floor_hz, c.pitch_ceiling_hz, c.min_pause_s, c.silence_threshold_db) == (75, 600, 0.15, -25)
    with pytest.raises(ValidationError, match="pitch_floor_hz"):
        ProsodyConfig(pitch_floor_hz=300, pitch_ceiling_hz=200)
    with pytest.raises(ValidationError, match="quiet_below_dbfs"):
        ProsodyConfig(quiet_below_dbfs=-10)
    with pytest.raises(ValidationError):
        ProsodyConfig(pitch_flor_hz=60)


def test_description_follows_the_thresholds():
    c = ProsodyConfig()
    assert describe(300, 5.0, 9.0, -15, 7.0, 0, 0.0, c) == "high, rising pitch; wide range; loud; fast; no pause"
    assert describe(100, -5.0, 2.0, -40, 3.0, 2, 0.6, c) == \
        "low, falling pitch; narrow range; quiet; slow; 2 pauses (0.6 s)"
    assert describe(180, 0.0, 5.0, -25, 5.0, 1, 0.2, c) == \
        "medium, level pitch; moderate range; moderately loud; moderate tempo; 1 pause (0.2 s)"
    assert describe(None, None, None, -25, None, 0, 0.0, c) == "no voiced pitch found; moderately loud; no pause"
    assert describe(180, 0.0, 5.0, -25, 5.0, 0, 0.0, ProsodyConfig(high_pitch_above_hz=170)).startswith("high")


# --- real clips -------------------------------------------------------------------------------------


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_video_clip_actor_1001(decoded, extractor, emotion):
    clip = decoded(emotion)
    check_real_clip(extractor.extract(clip), clip.info.audio.duration_s)


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_audio_clip_actor_1002(decoded_mp3, extractor, emotion):
    clip = decoded_mp3(emotion)
    check_real_clip(extractor.extract(clip), clip.info.audio.duration_s)


def test_angry_is_louder_than_sad_for_both_actors(decoded, decoded_mp3, extractor):
    for load in (decoded, decoded_mp3):
        angry, sad = extractor.extract(load("ANG")).data, extractor.extract(load("SAD")).data
        assert angry is not None and sad is not None
        assert angry.loudness_mean_db > sad.loudness_mean_db + 5
        assert angry.loudness_max_db > sad.loudness_max_db


def test_angry_has_more_high_frequency_energy_than_sad_for_both_actors(decoded, decoded_mp3, extractor):
    # Juslin & Laukka (2003): anger raises the energy above 1 kHz, sadness lowers it
    for load in (decoded, decoded_mp3):
        angry, sad = extractor.extract(load("ANG")).data, extractor.extract(load("SAD")).data
        assert angry.alpha_ratio_db > sad.alpha_ratio_db + 1
        assert angry.hammarberg_index_db < sad.hammarberg_index_db


def test_the_female_actor_speaks_higher(decoded, decoded_mp3, extractor):
    for emotion in ("NEU", "ANG"):
        male, female = extractor.extract(decoded(emotion)).data, extractor.extract(decoded_mp3(emotion)).data
        assert female.pitch_median_hz > male.pitch_median_hz * 1.4


def test_clue_json_round_trip(decoded, extractor, tmp_path: Path):
    clue = extractor.extract(decoded("HAP"))
    path = tmp_path / "prosody.json"
    path.write_text(clue.model_dump_json(indent=2), encoding="utf-8")
    again = load_clue(path)
    assert isinstance(again, ProsodyClue) and again == clue
    assert again.extractor.name == "praat-prosody" and again.extractor.config["min_pause_s"] == 0.15


# --- development clips (EmoDB speaker 03: one utterance per emotion, peak-normalised) -----------------


@pytest.fixture(scope="module")
def emodb_data(extractor) -> dict[str, ProsodyData]:
    folder = fetch_sample_set("emodb") / "audio"
    data = {}
    for path in sorted(folder.glob("*.wav")):
        clue = extractor.extract(decode_clip(path))
        assert clue.status == ClueStatus.ok and clue.data is not None, clue.detail
        data[label_from_name(path.stem, "emodb")] = clue.data
    return data


def test_emodb_clips_measure_fully(emodb_data):
    assert len(emodb_data) == 7
    for d in emodb_data.values():
        check_real_clip(ProsodyClue.model_construct(status=ClueStatus.ok, data=d, models=[]), d.duration_s)


def test_emodb_anger_is_the_brightest_and_sadness_the_darkest(emodb_data):
    # the recordings are peak-normalised, so loudness hardly differs; the spectral balance still does
    alpha = {label: d.alpha_ratio_db for label, d in emodb_data.items()}
    hammarberg = {label: d.hammarberg_index_db for label, d in emodb_data.items()}
    assert max(alpha, key=alpha.get) == "anger" and min(alpha, key=alpha.get) == "sadness"
    assert min(hammarberg, key=hammarberg.get) == "anger" and max(hammarberg, key=hammarberg.get) == "sadness"
    assert alpha["anger"] > alpha["neutral"] + 5


# --- synthetic signals ------------------------------------------------------------------------------


def test_glide_with_one_pause(extractor):
    # 0.4 s silence, 0.5 s voice gliding 150->190 Hz, 0.4 s silence, 0.5 s voice 190->240 Hz, 0.4 s silence
    audio = np.concatenate([
        np.zeros(round(0.4 * AUDIO_RATE), np.float32), voiced(150, 190, 0.5),
        np.zeros(round(0.4 * AUDIO_RATE), np.float32), voiced(190, 240, 0.5),
        np.zeros(round(0.4 * AUDIO_RATE), np.float32),
    ]) + noise(2.2)
    clue = extractor.extract(synthetic_clip(audio, "glide"))
    assert clue.status == ClueStatus.ok and clue.data is not None, clue.detail
    d = clue.data
    assert d.pauses == 1  # leading and trailing silence are not pauses
    assert d.pause_seconds == pytest.approx(0.4, abs=0.06)
    assert 170 < d.pitch_median_hz < 200
    assert d.pitch_p10_hz == pytest.approx(155, abs=10) and d.pitch_p90_hz == pytest.approx(230, abs=12)
    # 150 -> 240 Hz is 8.1 semitones over 1.4 s from the first voice onset to the last offset
    assert 4.0 < d.pitch_slope_semitones_per_s < 8.0
    assert 0.35 < d.voiced_ratio < 0.55
    assert d.description.startswith("medium, rising pitch") and d.description.endswith("1 pause (0.4 s)")


def padded(signal: np.ndarray, seconds: float = 0.3, level: float = 1e-5) -> np.ndarray:
    """signal with `seconds` of silence before and after, over faint noise (so there is a noise floor)."""
    gap = np.zeros(round(seconds * AUDIO_RATE), np.float32)
    out = np.concatenate([gap, signal, gap])
    return out + noise(out.size / AUDIO_RATE, level=level)


def test_spectral_balance_of_a_two_tone_signal(extractor):
    d = extractor.extract(synthetic_clip(padded(two_tone(1.0)), "two_tone")).data
    assert d is not None and d.pitch_median_hz == pytest.approx(250, abs=3)
    assert d.alpha_ratio_db == pytest.approx(-20.0, abs=0.5)  # 20 log10(0.1)
    assert d.hammarberg_index_db == pytest.approx(20.0, abs=0.5)
    # three times the upper partial: +9.5 dB of alpha ratio, -9.5 dB of Hammarberg index; level does not matter
    brighter = extractor.extract(synthetic_clip(padded(two_tone(1.0, high_amplitude=0.3, amplitude=0.05)),
                                                "bright")).data
    assert brighter.alpha_ratio_db - d.alpha_ratio_db == pytest.approx(9.54, abs=0.5)
    assert d.hammarberg_index_db - brighter.hammarberg_index_db == pytest.approx(9.54, abs=0.5)


def test_a_steady_tone_is_harmonic_without_perturbation(extractor):
    d = extractor.extract(synthetic_clip(padded(voiced(150, 150, 1.0)), "tone")).data
    assert d is not None
    assert d.hnr_db > 35  # a periodic signal over noise 60 dB down; noisy speech reads about 5-20 dB
    assert d.jitter_local < 0.002 and d.shimmer_local_db < 0.1  # the onset and offset ramps only
    noisy = extractor.extract(synthetic_clip(padded(voiced(150, 150, 1.0) + noise(1.0, level=0.01, seed=2)),
                                             "noisy")).data
    assert noisy.hnr_db < d.hnr_db - 15


def test_short_gap_is_not_a_pause(extractor):
    audio = np.concatenate([voiced(130, 130, 0.4), np.zeros(round(0.08 * AUDIO_RATE), np.float32),
                            voiced(130, 130, 0.4)]) + noise(0.88)
    d = extractor.extract(synthetic_clip(audio, "gap")).data
    assert d is not None and d.pauses == 0 and d.pause_seconds == 0
    assert d.pitch_median_hz == pytest.approx(130, abs=2)
    assert abs(d.pitch_slope_semitones_per_s) < 0.5 and d.pitch_range_semitones < 0.5
    assert d.description.startswith("medium, level pitch; narrow range")


def test_min_pause_is_configurable():
    audio = np.concatenate([voiced(200, 200, 0.4), np.zeros(round(0.25 * AUDIO_RATE), np.float32),
                            voiced(200, 200, 0.4)]) + noise(1.05)
    clip = synthetic_clip(audio, "pause")
    assert PraatProsodyExtractor().extract(clip).data.pauses == 1
    assert PraatProsodyExtractor({"min_pause_s": 0.3}).extract(clip).data.pauses == 0


def test_unvoiced_noise_has_no_pitch(extractor):
    burst = np.concatenate([noise(0.3), noise(0.6, level=0.05, seed=1), noise(0.3)])
    clue = extractor.extract(synthetic_clip(burst, "hiss"))
    assert clue.status == ClueStatus.ok and clue.data is not None
    assert clue.data.pitch_median_hz is None and clue.data.pitch_range_semitones is None
    assert clue.data.voiced_ratio < 0.05
    assert "no voiced frame" in (clue.detail or "")
    d = clue.data
    assert (d.hnr_db, d.alpha_ratio_db, d.hammarberg_index_db, d.jitter_local, d.shimmer_local_db) == (None,) * 5


# --- missing signal ---------------------------------------------------------------------------------


def test_digital_silence_is_no_signal(extractor):
    clue = extractor.extract(synthetic_clip(np.zeros(2 * AUDIO_RATE, np.float32), "silence"))
    assert clue.status == ClueStatus.no_signal and clue.data is None
    assert "silence" in (clue.detail or "")


def test_near_silence_is_no_signal(extractor):
    clue = extractor.extract(synthetic_clip(noise(2.0, level=1e-4), "hum"))  # about -80 dBFS
    assert clue.status == ClueStatus.no_signal


def test_too_short_is_no_signal(extractor):
    clue = extractor.extract(synthetic_clip(voiced(150, 150, 0.05), "blip"))
    assert clue.status == ClueStatus.no_signal and "too short" in (clue.detail or "")


def test_no_audio_track_is_unsupported(extractor):
    clue = extractor.extract(synthetic_clip(None, "no_audio"))
    assert clue.status == ClueStatus.unsupported and clue.detail == "no audio track" and clue.data is None
