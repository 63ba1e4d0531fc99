"""The one voice-feature vocabulary (prompts/evidence/voice_features.yaml): it covers what the evidence measures and
the tables that name voice features, and a broken file is refused with the file's name."""

from __future__ import annotations

import pytest
import yaml

from emer.pipeline.evidence import voice_features
from emer.pipeline.evidence.channels import phrases
from emer.pipeline.evidence.modalities import vocal_profiles
from emer.pipeline.evidence.references import VoiceFeatures
from emer.pipeline.reasoning.checker.lexicon import _WORDS
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import prompts_root


def test_the_vocabulary_names_every_measured_voice_feature_and_every_profiled_one():
    vocab = voice_features.voice_vocabulary()
    measured = set(VoiceFeatures.model_fields) - {"pitch_slope", "emotion"}  # the contour; a classifier's output
    assert set(vocab.names()) == measured
    assert {f for p in vocal_profiles().values() for f in p} <= measured


def test_the_voice_words_are_the_ones_the_phrases_and_the_checker_know():
    vocab = voice_features.voice_vocabulary()
    table = phrases()["voice"]
    for f in vocab.features:
        assert {f.up, f.down} <= set(table[f.cue]), f.cue  # the explanation can say each category
        # the checker reads a category word for this cue both ways
        assert {f.up, f.down} <= {words[f.cue] for words in _WORDS.values() if f.cue in words}, f.cue
    assert vocab.opposites()["high"] == "low" and vocab.opposites()["rising"] == "falling"


def test_a_broken_vocabulary_names_the_file(monkeypatch):
    data = yaml.safe_load((prompts_root() / "evidence" / voice_features.FILE).read_text(encoding="utf-8"))
    data["features"][1]["cue"] = data["features"][0]["cue"]
    monkeypatch.setattr(voice_features, "load_data_yaml", lambda folder, name: data)
    voice_features.voice_vocabulary.cache_clear()
    try:
        with pytest.raises(ConfigError, match=r"(?s)voice_features\.yaml.*cues repeat"):
            voice_features.voice_vocabulary()
    finally:
        voice_features.voice_vocabulary.cache_clear()
