"""The reasoner: trimming, order-free label scores from a real small GGUF, and the decider fusing them with the
evidence summary."""

from __future__ import annotations

import pytest

from emer.pipeline.reasoning.prompt import load_template, render_cues_prompt
from emer.pipeline.reasoning.reasoner import LLMConfig, Reasoner, trim_reasoning
from emer.pipeline.reasoning.session import LlamaSession
from emer.pipeline.records.vocab import load_label_set


def test_trim_cuts_an_unfinished_tail_and_repeated_lines():
    text = "Loud voice suggests anger.\nLoud voice suggests anger.\nThe smile is weak. Therefore the emo"
    assert trim_reasoning(text, truncated=True) == "Loud voice suggests anger.\nThe smile is weak."
    assert trim_reasoning("One. Two", truncated=False) == "One. Two"


@pytest.mark.slow
def test_label_scores_do_not_depend_on_list_order_and_are_deterministic(decoded, model_store):
    from emer.pipeline.reasoning.cues import PlainCues

    reasoner = Reasoner(LLMConfig(model="smollm2-135m", max_explanation_tokens=48), model_store)
    label_set = load_label_set("crema-d")
    plain = PlainCues(face=["the lip corners are pulled up (a smile) more than usual"], transcript="It is eleven.")
    prompt = render_cues_prompt(load_template("default"), decoded("HAP").info, plain, label_set,
                                list(label_set.labels))
    session = reasoner.session()
    explain = session.tokens(reasoner.messages(prompt, "Explain the emotion."))
    session.begin_clip()
    text, finish, tokens = session.generate(explain, reasoner.config.max_explanation_tokens)
    assert len(tokens) <= 48 and len(explain) > 50 and text.strip()
    session.begin_clip()
    assert session.generate(explain, reasoner.config.max_explanation_tokens) == (text, finish, tokens)  # greedy
    messages = [*reasoner.messages(prompt), {"role": "assistant", "content": text},
                {"role": "user", "content": prompt.decision}]
    forward = reasoner.label_logprobs(messages, list(label_set.labels))
    backward = reasoner.label_logprobs(messages, list(reversed(label_set.labels)))
    assert forward == pytest.approx(backward, abs=1e-3)  # same prompt: scoring order is irrelevant
    assert all(v < 0 for v in forward.values())


@pytest.mark.slow
def test_decider_fuses_llm_and_evidence_and_keeps_both(decoded, model_store, tmp_path):
    from emer.pipeline.run.config import RunConfig
    from emer.pipeline.run.runner import Pipeline

    config = RunConfig(label_set="crema-d", llm={"model": "smollm2-135m"},
                       extractors=[{"name": "mediapipe-face"}])
    pipeline = Pipeline(config, model_store)
    result = pipeline.run_clip(decoded("HAP").info.path, tmp_path)
    p = result.prediction
    assert result.status == "ok" and p is not None
    assert p.decided_by == "fused" and p.label in config_labels()
    assert set(p.llm_scores) == set(p.evidence_scores) == set(config_labels())
    assert p.label_scores[p.label] == max(p.label_scores.values()) and p.confidence == p.label_scores[p.label]
    assert p.agreement and (p.llm_label in p.agreement) and (p.evidence_label in p.agreement)
    assert 1 <= len(p.open_vocab) <= 5 and p.evidence and all(e.modality == "face" for e in p.evidence)
    # the channel records the label and the explanation came from are kept, with their shares
    face = next(c for c in p.channels if c.channel == "face")
    assert face.status == "ok" and face.share > 0.2 and sum(c.share for c in p.channels) == pytest.approx(1, abs=0.01)
    assert p.check is not None and p.reasoning_attempts in (1, 2)
    assert (tmp_path / result.clip_id / "evidence.json").is_file()
    # decided, then explained: the explanation is plain prose that ends by naming the decided label
    assert p.quality is not None and p.quality.coherent and p.check.coherent
    assert "%" not in p.reasoning and p.quality.percentages == p.quality.lists == 0
    g = result.generation
    assert g is not None
    # the emotion words come from the channel records, not from an LLM pass
    assert [x.name for x in g.passes] == ["calibration", "scoring", "explanation"]
    # the explanation reuses the clip's prompt: nothing is evaluated twice
    by = {x.name: x for x in g.passes}
    assert by["explanation"].reused_tokens > by["scoring"].prompt_tokens // 2
    assert 0 < g.llama_seconds <= g.llm_seconds and g.evaluated_tokens > 0 and g.generated_tokens > 0


@pytest.mark.slow
def test_kv_reuse_gives_the_results_of_a_cold_evaluation(model_store):
    """Clip B after clip A (the system prefix reused, the passes reusing each other) against clip B from an empty
    cache: the label log-likelihoods and the generated text are identical."""
    from emer.pipeline.reasoning.cues import PlainCues
    from emer.pipeline.reasoning.prompt import render_cues_prompt

    reasoner = Reasoner(LLMConfig(model="smollm2-135m"), model_store)
    label_set = load_label_set("crema-d")
    labels = sorted(label_set.labels)
    template = load_template("default")
    smile = PlainCues(face=["the lip corners are pulled up (a smile) more than usual (AU12, in FACS a sign of "
                            "happiness)"], voice=["the voice is higher than this speaker's usual"],
                      words=["the words themselves carry no emotion"], transcript="It is eleven o'clock.")
    frown = PlainCues(face=["the brows are lowered and drawn together (a frown) more than usual (AU4)"],
                      voice=["the voice is louder than this speaker's usual (in the vocal profiles a sign of "
                             "anger or happiness)"], words=["the words include 'hate' (anger)"],
                      transcript="I hate this.")
    session = reasoner.session()

    def clip(plain: PlainCues):
        prompt = render_cues_prompt(template, None, plain, label_set, labels)
        session.begin_clip()
        session.begin("scoring")
        lp = session.score(session.tokens(reasoner.messages(prompt, prompt.decision)), reasoner.answers(labels))
        session.end()
        session.begin("explanation")
        text, _, _ = session.generate(session.tokens(reasoner.messages(prompt, "Explain the emotion.")), 32)
        session.end()
        return lp, text, list(session.passes)

    session.llm.reset()
    clip(smile)
    warm = clip(frown)
    # other work on the same context in between (the text channel does this): the system prefix is restored
    reasoner.label_logprobs([{"role": "user", "content": "Which emotion is this? It is cold."}], labels)
    restored = clip(frown)
    session.llm.reset()
    session = LlamaSession(session.llm, session.n_ctx)  # nothing saved: a cold start
    cold = clip(frown)
    assert warm[0] == cold[0] and warm[1] == cold[1] and warm[1]
    assert restored[0] == cold[0] and restored[1] == cold[1]
    assert warm[2][0].reused_tokens > 0 == cold[2][0].reused_tokens  # the system prefix came from clip A
    assert restored[2][0].reused_tokens == warm[2][0].reused_tokens
    assert warm[2][0].evaluated_tokens == cold[2][0].evaluated_tokens - warm[2][0].reused_tokens
    assert warm[2][1].reused_tokens > warm[2][0].reused_tokens  # the explanation reused the clip's cues too


def config_labels() -> list[str]:
    return list(load_label_set("crema-d").labels)


@pytest.mark.slow
def test_answers_scored_in_one_batch_match_scoring_each_alone(model_store):
    """`LlamaSession.score` decodes every label answer in one call, each its own sequence over the prompt: on a
    clip's real scoring prompt with the default model, the same ranking and scores within a small tolerance of
    decoding each answer alone after the prompt (a bigger batch takes other kernels: the last bits move), and the
    context holds the prompt alone afterwards."""
    from emer.pipeline.evidence.modalities import softmax
    from emer.pipeline.reasoning.cues import PlainCues

    reasoner = Reasoner(LLMConfig(), model_store)
    label_set = load_label_set("crema-d")
    labels = sorted(label_set.labels)
    frown = PlainCues(face=["the brows are lowered and drawn together (a frown) more than usual (AU4)"],
                      voice=["the voice is louder than this speaker's usual (in the vocal profiles a sign of "
                             "anger or happiness)"], words=["the words include 'hate' (anger)"],
                      transcript="I hate this.")
    prompt = render_cues_prompt(load_template("default"), None, frown, label_set, labels)
    session = reasoner.session()
    tokens, answers = session.tokens(reasoner.messages(prompt, prompt.decision)), reasoner.answers(labels)
    assert max(len(a) for a in answers.values()) > 2  # some answer takes more than one token before end of turn
    session.llm.reset()
    session.begin_clip()
    session.begin("scoring")
    batched = session.score(tokens, answers)
    stats = session.end()
    assert session.llm.n_tokens == len(tokens) and session.llm.input_ids[: len(tokens)].tolist() == tokens
    assert stats.evaluated_tokens == len(tokens) + sum(len(a) - 1 for a in answers.values())
    alone = {name: sum(float(session.evaluate(tokens + answer[:i])[tok]) for i, tok in enumerate(answer))
             for name, answer in answers.items()}
    assert sorted(labels, key=batched.__getitem__) == sorted(labels, key=alone.__getitem__)
    # log-likelihoods within 0.15 (0.11 at most on this machine, for an unlikely label), and what the decision
    # reads, their softmax, within 0.01
    assert max(abs(batched[k] - alone[k]) for k in labels) < 0.15, (batched, alone)
    p_batched, p_alone = softmax(batched), softmax(alone)
    assert max(abs(p_batched[k] - p_alone[k]) for k in labels) < 0.01, (p_batched, p_alone)
    session.llm.reset()
    session.begin_clip()
    assert session.score(tokens, dict(reversed(answers.items()))) == batched  # the order of the answers is irrelevant
