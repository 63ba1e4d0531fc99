"""Speed work that must not change results: prompt-lookup decoding gives the text of plain greedy decoding, and
the calibration scores kept on disk are the ones computed."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from emer.pipeline.reasoning.cues import PlainCues
from emer.pipeline.reasoning.prompt import load_template, render_cues_prompt, render_explain_request
from emer.pipeline.reasoning.reasoner import LLMConfig, Reasoner
from emer.pipeline.reasoning.session import lookup_draft
from emer.pipeline.records.vocab import load_label_set


def test_lookup_draft_copies_what_followed_the_latest_occurrence():
    history = [1, 2, 3, 4, 5, 9, 2, 3, 7, 8, 6, 2, 3]
    assert lookup_draft(history, 3, 2) == [7, 8, 6]  # "2 3" last seen before "7 8 6"
    assert lookup_draft(history, 10, 3) == [7, 8, 6, 2, 3]  # the 3-gram "6 2 3" never recurs: the 2-gram
    assert lookup_draft([1, 2, 3], 4, 3) == []  # nothing recurs
    assert lookup_draft([5, 1, 5], 2, 1) == [1, 5]
    assert lookup_draft(history, 0, 2) == []


def test_every_counter_of_a_pass_is_one_the_session_fills():
    """A pass's stats report what the session counted: a field nothing writes (redecoded_tokens, always 0 once the
    close-call re-decoding went) would read as a measurement."""
    import inspect

    from emer.pipeline.reasoning import session
    from emer.pipeline.records.results import PassStats

    source = inspect.getsource(session)
    unfilled = [f for f in PassStats.model_fields if f != "name" and not re.search(rf"\.{f}\s*(\+?=)", source)]
    assert unfilled == []


def _explain_tokens(reasoner: Reasoner, label: str = "anger") -> list[int]:
    """The explain request of a clip whose notes the answer can copy (the decide-then-explain prompt)."""
    label_set = load_label_set("crema-d")
    labels = sorted(label_set.labels)
    template = load_template("default")
    plain = PlainCues(face=["the brows are lowered and drawn together (a frown) more than usual (AU4)"],
                      voice=["the voice is louder than this speaker's usual"],
                      words=["the words include 'hate' (anger)"], transcript="I hate this, don't touch my jacket.")
    prompt = render_cues_prompt(template, None, plain, label_set, labels)
    notes = {"face": ["the brows are lowered and drawn together (a frown)"],
             "voice": ["the voice is louder than this speaker's usual"],
             "words": ["the words include 'hate'"], "body": [], "must": ["face", "words"],
             "shares": {"face": 0.5, "words": 0.4, "voice": 0.1}, "disagree": "", "decides": "",
             "conclusion": f"Taken together, the face, the voice and the words show {label}."}
    with_notes = prompt.model_copy(update={"context": {**prompt.context, "notes": notes}})
    request = render_explain_request(template, with_notes, label, "fused", {})
    s = reasoner.session()
    return s.tokens([*reasoner.messages(prompt), {"role": "user", "content": request}])


def _greedy_both_ways(model: str, model_store, max_tokens: int):
    reasoner = Reasoner(LLMConfig(model=model), model_store)
    s = reasoner.session()
    tokens = _explain_tokens(reasoner)
    runs = {}
    for lookup in (0, 8, 0):  # plain, speculative, plain again after it (its KV leftovers must not matter)
        s.llm.reset()
        s.begin_clip()
        s.begin("explanation")
        text, finish, out = s.generate(tokens, max_tokens, 1.1, lookup=lookup)
        runs.setdefault(lookup, []).append(((text, finish, out), s.end()))
    return runs


@pytest.mark.slow
def test_prompt_lookup_decoding_gives_the_plain_greedy_text(model_store):
    runs = _greedy_both_ways("smollm2-135m", model_store, 96)
    (plain, p_stats), (plain2, _) = runs[0]
    (spec, s_stats), = runs[8]
    assert plain[0] and spec == plain == plain2
    assert p_stats.steps == p_stats.generated_tokens and p_stats.accepted_tokens == 0
    # the answer copies its notes: drafts were accepted, each token either confirmed from a draft or decoded
    assert s_stats.accepted_tokens > 0 and s_stats.steps + s_stats.accepted_tokens == s_stats.generated_tokens


@pytest.mark.slow
def test_prompt_lookup_decoding_gives_the_plain_greedy_text_on_the_default_model(model_store):
    runs = _greedy_both_ways("qwen2.5-1.5b", model_store, 150)
    (plain, _), _ = runs[0]
    (spec, s_stats), = runs[8]
    assert plain[0] and spec == plain
    assert s_stats.accepted_tokens > 0


@pytest.mark.slow
def test_a_verification_batch_gives_each_token_the_logits_it_gets_alone(model_store):
    """The premise of exact prompt lookup (llama_context.exact_batch_limit): with this build, a decode call of up to
    `exact_batch` tokens gives bit-identical logits to one token at a time, and leaves the same KV state."""
    reasoner = Reasoner(LLMConfig(model="qwen2.5-1.5b"), model_store)
    s = reasoner.session()
    assert s.exact_batch > 1, "no batch decodes exactly with this llama.cpp build: scripts/install_llama.sh"
    tokens = _explain_tokens(reasoner)
    k = s.exact_batch
    s.llm.reset()
    s.begin_clip()
    single = [s.evaluate(tokens)]
    start = s.llm.n_tokens
    answer: list[int] = []
    for _ in range(2 * k + 1):
        answer.append(int(np.argmax(single[-1])))
        single.append(s._decode_one(answer[-1]))
    s.llm.n_tokens = start
    batched = s._decode_rows(answer[:k]) + s._decode_rows(answer[k:2 * k]) + [s._decode_one(answer[2 * k])]
    for i, (b, one) in enumerate(zip(batched, single[1:], strict=True)):
        assert np.array_equal(b, one), f"token {i}: batched logits differ by {np.max(np.abs(b - one))}"


@pytest.mark.slow
def test_calibration_is_computed_once_and_read_back_from_disk(model_store, tmp_path, monkeypatch):
    monkeypatch.setenv("EMER_CACHE_DIR", str(tmp_path))  # the store keeps its own models folder
    label_set = load_label_set("crema-d")
    labels = sorted(label_set.labels)
    content_free = render_cues_prompt(load_template("default"), None, None, label_set, labels)

    def calibrate():
        reasoner = Reasoner(LLMConfig(model="smollm2-135m"), model_store)
        s = reasoner.session()
        s.begin_clip()
        scores = reasoner.calibration(content_free, labels)
        return scores, s.passes[-1]

    first, computed = calibrate()
    stored = list((tmp_path / "scores").glob("*.json"))
    assert len(stored) == 1 and json.loads(stored[0].read_text()) == first
    second, read = calibrate()
    assert second == first and computed.evaluated_tokens > 0 and read.evaluated_tokens == 0
    # another label list is another entry
    Reasoner(LLMConfig(model="smollm2-135m"), model_store).calibration(
        render_cues_prompt(load_template("default"), None, None, label_set, labels[:-1]), labels[:-1])
    assert len(list((tmp_path / "scores").glob("*.json"))) == 2
