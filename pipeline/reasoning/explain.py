"""Decide, then explain (`llm.explain: after`, the default): the label is decided before any text is written, and
the explanation is written for it.

1. Label scores on the clip prompt itself: system (instructions and label list, the same for every clip), the
   clip's cues in plain words (pipeline/reasoning/cues.py), the label question; calibrated against the same
   prompt with no cues, computed once per run and label list.
2. Fusion with the evidence summary (`decision.fuse`, unchanged).
3. The explanation, written for the decided label (or the gold label in explain-gold mode): face, voice, words,
   how they fit, a conclusion naming the label; checked (pipeline/reasoning/checker/: claims about the clues,
   cue interpretations, form, coherence), failing sentences dropped or, with `self_check: rewrite`, rewritten
   once first. An explanation that does not end by naming the label gets a closing sentence that does.
4. Emotion words: 2-5 words for the person's state, kept where the emotion wheel places them under the label or
   under an emotion some channel points to.

All passes share the KV state of their common prefix (pipeline/reasoning/session.py); each is timed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from emer.pipeline.clip import ClipInfo
from emer.pipeline.clues import Clue
from emer.pipeline.evidence import EvidenceSummary, softmax
from emer.pipeline.reasoning.checker import ReasoningCheck, check_reasoning
from emer.pipeline.reasoning.checker.coherence import concludes_with, label_basics
from emer.pipeline.reasoning.cues import PlainCues, phrases, plain_cues
from emer.pipeline.reasoning.prompt import (
    RenderedPrompt,
    render_cues_prompt,
    render_explain_request,
    render_words_question,
)
from emer.pipeline.reasoning.reasoner import RawExchange, Reasoner, trim_reasoning
from emer.pipeline.results import ExplanationQuality, GenerationStats, PassStats
from emer.pipeline.text import split_sentences
from emer.pipeline.vocab import LabelSet, basic_of_wheel_word, default_wheel


def open_words(answer: str, label: str, leans: Mapping[str, str], supported: set[str], limit: int,
               fallback: list[str], minimum: int = 2) -> list[str]:
    """Emotion-wheel words of a free answer whose basic emotion is the label's or one a channel points to or an
    observation supports (normalised, deduplicated), topped up to `minimum` with `fallback` (the label's own
    words)."""
    wheel = default_wheel()
    allowed = label_basics(label) | set(leans.values()) | supported
    if "neutral" not in label_basics(label):
        allowed.discard("neutral")  # a calm word under an emotional label contradicts it
    words: list[str] = []
    for token in re.findall(r"[A-Za-z]+", answer):
        word = wheel.normalise(token)
        if wheel.known(word) and basic_of_wheel_word(word) in allowed and word not in words:
            words.append(word)
    for word in fallback:
        if len(words) >= minimum:
            break
        if word not in words:
            words.append(word)
    return words[:limit]


def explanation_quality(check: ReasoningCheck | None) -> ExplanationQuality | None:
    """Counts of the explanation's problems by family, from a check made with a label and `explanation=True`."""
    if check is None:
        return None

    def count(cue: str, verdicts: tuple[str, ...] = ("contradicted", "invented", "disallowed")) -> int:
        return sum(c.cue == cue and c.verdict in verdicts for c in check.claims)

    return ExplanationQuality(
        coherent=bool(check.coherent), percentages=count("percentage"), lists=count("list"),
        interpretation_errors=count("interpretation"), invented_numbers=count("number"),
        instructions_repeated=count("instruction"), contradicted=check.contradictions, invented=check.invented)


def drop_failing(text: str, check: ReasoningCheck) -> tuple[str, int]:
    """The text without the sentences a problem claim was found in, and without repeats; the count dropped."""
    bad = {c.sentence.strip() for c in check.claims if c.verdict in ("contradicted", "invented", "disallowed")}
    kept: list[str] = []
    seen: set[str] = set()
    sentences = split_sentences(text)
    for sentence in sentences:
        key = " ".join(sentence.lower().split())
        if not key or key in seen or sentence.strip() in bad:
            continue
        seen.add(key)
        kept.append(sentence.strip())
    return " ".join(kept).strip(), len(sentences) - len(kept)


class Explained:
    """What one decide-then-explain run of a clip produced, for the Decider to turn into a Prediction."""

    def __init__(self) -> None:
        self.llm_scores: dict[str, float] | None = None
        self.scores: dict[str, float] = {}
        self.label = ""
        self.decided_by = "fused"
        self.text = ""
        self.truncated = False
        self.check: ReasoningCheck | None = None
        self.first_problems = 0
        self.dropped = 0
        self.attempts = 1
        self.conclusion_added = False
        self.words: list[str] = []
        self.raw = RawExchange(reasoning_attempts=[], reasoning_finish="")
        self.prompt: RenderedPrompt | None = None
        self.plain: PlainCues | None = None
        self.stats: GenerationStats | None = None


Fuse = Callable[[Mapping[str, float] | None, Mapping[str, float] | None, str, float], tuple[dict[str, float], str]]


def decide_then_explain(reasoner: Reasoner, template: Any, info: ClipInfo, clues: list[Clue], label_set: LabelSet,
                        labels: list[str], evidence: EvidenceSummary | None, fuse: Fuse, use: str,
                        llm_weight: float, label_words: Callable[[str], list[str]],
                        gold_label: str | None = None) -> Explained:
    """Steps 1-4 of the module doc for one clip. `fuse` is decision.fuse; `label_words` gives a label's own
    emotion words (the fallback of the open-vocabulary answer)."""
    cfg = reasoner.config
    out = Explained()
    t_start = time.perf_counter()
    by_kind = {c.kind: c for c in clues}
    plain = plain_cues(evidence, by_kind, labels) if evidence is not None else PlainCues()
    out.plain = plain
    prompt = render_cues_prompt(template, info, plain, label_set, labels)
    session = reasoner.session()
    session.begin_clip()
    if gold_label:
        out.scores, out.decided_by, out.label = {gold_label: 1.0}, "gold", gold_label
    else:
        content_free = None
        if cfg.calibrate:
            content_free = reasoner.calibration(render_cues_prompt(template, None, None, label_set, labels), labels)
        session.begin("scoring")
        tokens = session.tokens(reasoner.messages(prompt, None, prompt.decision))
        lp = session.score(tokens, reasoner.answers(labels))
        session.end()
        out.raw.label_logprobs = lp
        if content_free is not None:
            out.raw.content_free_logprobs = content_free
            lp = {k: v - content_free[k] for k, v in lp.items()}
        out.llm_scores = softmax(lp)
        ev = evidence.labels if evidence is not None and evidence.label is not None else None
        out.scores, out.decided_by = fuse(ev, out.llm_scores, use, llm_weight)
        out.label = max(out.scores, key=lambda k: out.scores[k])
    request = render_explain_request(template, prompt, out.label, out.decided_by, plain.leans, gold=bool(gold_label))
    prompt = prompt.model_copy(update={"explain": request})
    base = [*reasoner.messages(prompt), {"role": "user", "content": request}]
    session.begin("explanation")
    text, finish, _ = session.generate(session.tokens(base), cfg.max_explanation_tokens, cfg.repeat_penalty)
    session.end()
    out.raw.reasoning_attempts.append(text)
    out.raw.reasoning_finish = finish
    out.truncated = finish == "length"
    text = trim_reasoning(text, out.truncated)
    check = _check(text, evidence, by_kind, out.label)
    out.first_problems = (check.contradictions + check.invented + check.disallowed) if check else 0
    if check is not None and not check.ok and cfg.self_check == "rewrite":
        feedback = [*base, {"role": "assistant", "content": text},
                    {"role": "user", "content": "Your explanation has problems:\n- " + "\n- ".join(check.problems())
                     + f"\nRewrite it: plain prose, no numbers, ending with a sentence naming {out.label}."}]
        session.begin("rewrite")
        second, finish2, _ = session.generate(session.tokens(feedback), cfg.max_explanation_tokens,
                                              cfg.repeat_penalty)
        session.end()
        out.raw.reasoning_attempts.append(second)
        out.attempts = 2
        second = trim_reasoning(second, finish2 == "length")
        check2 = _check(second, evidence, by_kind, out.label)
        if check2 is not None and _bad(check2) <= _bad(check):
            text, check, out.truncated = second, check2, finish2 == "length"
    if check is not None and cfg.self_check != "off" and not check.ok:
        cleaned, out.dropped = drop_failing(text, check)
        if cleaned != text:
            text = cleaned
            check = _check(text, evidence, by_kind, out.label)
    if not concludes_with(split_sentences(text), out.label):
        text = (text + " " + phrases()["conclusion"].format(label=out.label)).strip()
        out.conclusion_added = True
        check = _check(text, evidence, by_kind, out.label)
    out.text, out.check = text, check
    words_q = render_words_question(template, prompt, out.label)
    session.begin("words")
    answer, out.raw.words_finish, _ = session.generate(
        session.tokens([*base, {"role": "assistant", "content": out.raw.reasoning_attempts[0]},
                        {"role": "user", "content": words_q}]), 24, cfg.repeat_penalty, stop=("\n",))
    session.end()
    out.raw.words_raw = answer
    supported = {s for m in (evidence.modalities if evidence else []) for o in m.observations for s in o.supports}
    out.words = open_words(answer, out.label, plain.leans, supported, cfg.max_open_vocab,
                           label_words(out.label))
    out.prompt = prompt
    out.stats = _stats(session.passes, time.perf_counter() - t_start)
    return out


def _check(text: str, evidence: EvidenceSummary | None, clues: Mapping[str, Clue], label: str
           ) -> ReasoningCheck | None:
    return check_reasoning(text, evidence, clues, label=label, explanation=True) if evidence is not None else None


def _bad(check: ReasoningCheck) -> int:
    return check.contradictions + check.invented + check.disallowed + (3 if check.looping else 0)


def _stats(passes: list[PassStats], seconds: float) -> GenerationStats:
    by = {p.name: p for p in passes}
    explain = [p for p in passes if p.name in ("explanation", "rewrite")]
    return GenerationStats(
        prompt_tokens=by["explanation"].prompt_tokens if "explanation" in by else 0,
        reasoning_tokens=sum(p.generated_tokens for p in explain), decision_tokens=0,
        reasoning_seconds=round(sum(p.seconds for p in explain), 3),
        decision_seconds=round(sum(p.seconds for p in passes if p.name in ("calibration", "scoring", "words")), 3),
        scoring_seconds=round(sum(p.seconds for p in passes if p.name in ("calibration", "scoring")), 3),
        words_seconds=round(by["words"].seconds if "words" in by else 0.0, 3), explain="after", passes=passes,
        evaluated_tokens=sum(p.evaluated_tokens for p in passes),
        generated_tokens=sum(p.generated_tokens for p in passes), llm_seconds=round(seconds, 3),
        llama_seconds=round(sum(p.llama_seconds for p in passes), 3))
