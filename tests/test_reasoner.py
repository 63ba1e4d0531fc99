"""The reasoner: trimming, the decision schema, and a real small GGUF giving a valid, deterministic answer."""

from __future__ import annotations

import pytest

from pipeline.prompt import load_label_set, load_template, render_prompt
from pipeline.reasoner import LLMConfig, Reasoner, decision_schema, trim_reasoning


def test_trim_cuts_an_unfinished_tail_and_repeated_lines():
    text = "Loud voice suggests anger.\nLoud voice suggests anger.\nThe smile is weak. Therefore the emo"
    assert trim_reasoning(text, truncated=True) == "Loud voice suggests anger.\nThe smile is weak."
    assert trim_reasoning("One. Two", truncated=False) == "One. Two"


def test_decision_schema_constrains_label_and_modalities():
    schema = decision_schema(load_label_set("crema-d"), ["face", "prosody"], LLMConfig())
    props = schema["properties"]
    assert props["label"]["enum"] == ["anger", "disgust", "fear", "happiness", "neutral", "sadness"]
    assert props["evidence"]["items"]["properties"]["modality"]["enum"] == ["face", "prosody"]
    assert list(props)[0] == "label"
    open_schema = decision_schema(load_label_set("open"), ["face"], LLMConfig(), ["angry", "calm"])
    assert "enum" not in open_schema["properties"]["label"]
    assert open_schema["properties"]["emotion_words"]["items"]["enum"] == ["angry", "calm"]


@pytest.mark.slow
def test_small_model_answers_validly_and_deterministically(decoded, model_store):
    label_set = load_label_set("crema-d")
    prompt = render_prompt(load_template("default"), decoded("HAP").info, [], label_set)
    reasoner = Reasoner(LLMConfig(model="smollm2-135m", max_reasoning_tokens=48), model_store)
    first, stats, raw = reasoner.reason(prompt, label_set, ["face"])
    second, _, _ = reasoner.reason(prompt, label_set, ["face"])
    assert first.label in label_set.labels
    assert 0 <= first.confidence <= 1 and 1 <= len(first.open_vocab) <= 4
    assert all(e.modality == "face" for e in first.evidence)
    assert stats.reasoning_tokens <= 48 and stats.prompt_tokens > 50
    assert raw.decision_raw.startswith("{")
    assert first == second  # temperature 0 and a fixed seed
