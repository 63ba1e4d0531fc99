"""The faster-whisper speech extractor: config checks (fast), and the real Whisper models on the real CREMA-D
clips, on silence and on noise (slow)."""

from __future__ import annotations

import re
from pathlib import Path

import jiwer
import numpy as np
import pytest
from media import synthetic_clip
from pydantic import ValidationError

from emer.extractors import get
from emer.extractors.speech_faster_whisper import FasterWhisperSpeechExtractor, SpeechConfig
from emer.pipeline.inputs.clip import AUDIO_RATE
from emer.pipeline.records.clues import ClueStatus, SpeechClue
from emer.pipeline.store.io import load_clue

EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
REFERENCE = "Don't forget a jacket"
# The fast configuration: on these clips whisper-tiny.en in int8 reaches a mean WER of 0.50, whisper-base in
# int8 0.375, and the default (whisper-base in float32) 0.125.
FAST = {"model": "whisper-tiny.en", "compute_type": "int8"}


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped (don't -> dont), other punctuation to spaces."""
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).replace("'", "").split())


@pytest.fixture(scope="module")
def default_extractor(model_store) -> FasterWhisperSpeechExtractor:
    return FasterWhisperSpeechExtractor(models=model_store)


@pytest.fixture(scope="module")
def fast_extractor(model_store) -> FasterWhisperSpeechExtractor:
    return FasterWhisperSpeechExtractor(FAST, models=model_store)


# --- no model ---------------------------------------------------------------------------------------


def test_registered_under_its_name():
    assert get("faster-whisper") is FasterWhisperSpeechExtractor


def test_config_defaults_and_checks():
    c = SpeechConfig()
    assert (c.model, c.language, c.compute_type, c.cpu_threads) == ("whisper-base", None, "float32", 2)
    assert c.vad_filter and c.word_timestamps and c.beam_size == 5
    with pytest.raises(ValidationError, match="English-only"):
        SpeechConfig(model="whisper-tiny.en", language="zh")
    with pytest.raises(ValidationError, match="temperature"):
        SpeechConfig(temperature=0.2)  # decoding is deterministic; there is no such option
    with pytest.raises(ValidationError):
        SpeechConfig(compute_type="float16")  # not available on CPU


def test_a_non_whisper_model_is_refused_before_loading(model_store):
    with pytest.raises(ValidationError, match="'smollm2-135m' is a llm-gguf model, not a whisper-ct2"):
        FasterWhisperSpeechExtractor({"model": "smollm2-135m"}, models=model_store)


def test_clip_without_audio_is_unsupported(default_extractor):
    clue = default_extractor.extract(synthetic_clip(None, "no_audio"))
    assert isinstance(clue, SpeechClue)
    assert clue.status == ClueStatus.unsupported and clue.detail == "no audio track"
    assert clue.data is None and clue.models == []


# --- real models ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_silence_is_no_signal(default_extractor):
    clue = default_extractor.extract(synthetic_clip(np.zeros(2 * AUDIO_RATE, np.float32), "silence"))
    assert clue.status == ClueStatus.no_signal and clue.data is None
    assert "no speech" in (clue.detail or "")


@pytest.mark.slow
def test_white_noise_is_no_signal(default_extractor):
    noise = np.random.default_rng(0).normal(0.0, 0.01, 2 * AUDIO_RATE).astype(np.float32)
    assert default_extractor.extract(synthetic_clip(noise, "noise")).status == ClueStatus.no_signal


@pytest.mark.slow
def test_default_config_transcribes_the_six_clips(decoded, default_extractor):
    errors = {}
    for emotion in EMOTIONS:
        clip = decoded(emotion)
        clue = default_extractor.extract(clip)
        assert clue.status == ClueStatus.ok and clue.data is not None, (emotion, clue.detail)
        d = clue.data
        errors[emotion] = jiwer.wer(normalise(REFERENCE), normalise(d.text))
        assert d.language == "en" and d.language_probability is not None and d.language_probability > 0.5
        assert d.segments and all(0 <= s.start < s.end <= clip.info.duration_s + 0.05 for s in d.segments)
        assert d.text == " ".join(s.text for s in d.segments)
        assert 3 <= d.words <= 6
        assert 0.5 < d.speech_seconds <= clip.info.duration_s
        assert 1.0 < d.words_per_second < 8.0
        assert [m.name for m in clue.models] == ["whisper-base"]
    assert errors["NEU"] == 0 and errors["ANG"] == 0, errors
    assert np.mean(list(errors.values())) <= 0.4, errors


@pytest.mark.slow
@pytest.mark.parametrize("emotion", ["NEU", "ANG"])
def test_english_only_model_transcribes_neutral_and_angry_exactly(decoded, fast_extractor, emotion):
    clue = fast_extractor.extract(decoded(emotion))
    assert clue.status == ClueStatus.ok and clue.data is not None
    assert normalise(clue.data.text) == normalise(REFERENCE)
    assert clue.data.language == "en" and clue.data.language_probability is None  # forced, not detected
    assert clue.data.words == 4


@pytest.mark.slow
def test_audio_only_mp3_and_clue_round_trip(audio_paths, default_extractor, tmp_path: Path):
    from emer.pipeline.inputs.clip import decode_clip

    clue = default_extractor.extract(decode_clip(audio_paths["NEU"]))
    assert clue.status == ClueStatus.ok and clue.data is not None
    assert normalise(clue.data.text) == normalise(REFERENCE)
    assert clue.extractor.config["model"] == "whisper-base"
    assert clue.models[0].sha256 == "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
    path = tmp_path / "speech.json"
    path.write_text(clue.model_dump_json(indent=2), encoding="utf-8")
    again = load_clue(path)
    assert isinstance(again, SpeechClue) and again == clue


@pytest.mark.slow
def test_model_is_built_once(decoded, default_extractor):
    default_extractor.extract(decoded("HAP"))
    model = default_extractor.load()
    clue = default_extractor.extract(decoded("FEA"))
    assert default_extractor.load() is model
    assert "load" not in clue.timings and "transcribe" in clue.timings
