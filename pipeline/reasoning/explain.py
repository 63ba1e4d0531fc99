"""Decide, then explain: the label is decided before any text is written, and the explanation is written for it.

1. Label scores on the clip prompt itself: system (instructions and label list, the same for every clip), the
   clip's cues in plain words (pipeline/reasoning/cues.py), the label question; calibrated against the same
   prompt with no cues, computed once per run and label list.
2. Fusion with the evidence summary (`decision.fuse`, unchanged).
3. The explanation, written for the decided label (or the gold label in explain-gold mode): face, voice, words
   (quoted, with an English machine translation when said in another language), body, how they fit, a
   conclusion naming the label, written from the channel records the fusion combined (cues.explain_notes: no
   emotion but the label, one sentence naming a channel that disagrees); checked (pipeline/reasoning/checker/:
   claims about the clues and the channels' readings, cue interpretations, form, coherence, coverage),
   failing sentences dropped (the first about a channel replaced by that channel's notes) or, with
   `self_check: rewrite`, rewritten once first with the problems as feedback (rewrite.j2); what decided said
   once (repairs.decision_once). A channel that carried at least a fifth of the decision and that the
   explanation left out gets its notes as a sentence; an explanation that does not end by naming the label gets
   a closing sentence that does.
4. Emotion words from the same records (cues.evidence_words): the label's family, emotion words said, and
   secondary emotions a weighty channel reads. No LLM pass.

A clip no channel read as an emotion (evidence label None: no face, no speech, no voice read) gets no LLM pass:
the no-evidence label (neutral, every label equally likely, decided_by `none`) or the gold label, and an
explanation saying what was not measured (cue_phrases.yaml `no_evidence`).

All passes share the KV state of their common prefix (pipeline/reasoning/session.py); each is timed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from emer.pipeline.evidence.modalities import softmax
from emer.pipeline.reasoning.checker import ReasoningCheck, check_reasoning
from emer.pipeline.reasoning.checker.coherence import concludes_with, label_basics
from emer.pipeline.reasoning.cues import (
    PlainCues,
    evidence_words,
    explain_notes,
    missing_in_words,
    phrases,
    plain_cues,
)
from emer.pipeline.reasoning.prompt import (
    RenderedPrompt,
    render_cues_prompt,
    render_explain_request,
    render_rewrite_request,
)
from emer.pipeline.reasoning.reasoner import RawExchange, Reasoner
from emer.pipeline.reasoning.repairs import (
    add_uncovered,
    decision_once,
    drop_failing,
    last_conclusion,
    tidied,
)
from emer.pipeline.records.clues import Clue
from emer.pipeline.records.evidence import EvidenceSummary
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.results import ExplanationQuality, GenerationStats, PassStats
from emer.pipeline.records.text import split_sentences
from emer.pipeline.records.vocab import LabelSet


def explanation_quality(check: ReasoningCheck | None) -> ExplanationQuality | None:
    """Counts of the explanation's problems by family, from a check made with a label and `explanation=True`."""
    if check is None:
        return None

    def count(cue: str, verdicts: tuple[str, ...] = ("contradicted", "invented", "disallowed")) -> int:
        return sum(c.cue == cue and c.verdict in verdicts for c in check.claims)

    return ExplanationQuality(
        coherent=bool(check.coherent), percentages=count("percentage"), lists=count("list"),
        interpretation_errors=count("interpretation"), invented_numbers=count("number"),
        instructions_repeated=count("instruction") + count("echo"), uncovered=count("coverage"),
        contradicted=check.contradictions, invented=check.invented)


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
                        labels: list[str], evidence: EvidenceSummary, fuse: Fuse, use: str, llm_weight: float,
                        gold_label: str | None = None) -> Explained:
    """Steps 1-4 of the module doc for one clip. `fuse` is decision.fuse."""
    cfg = reasoner.config
    out = Explained()
    t_start = time.perf_counter()
    by_kind = {c.kind: c for c in clues}
    plain = plain_cues(evidence, labels)
    out.plain = plain
    prompt = render_cues_prompt(template, info, plain, label_set, labels)
    if evidence.label is None:  # nothing read as an emotion: no LLM pass could do more than invent
        return _nothing_read(out, evidence, by_kind, plain, prompt, labels, gold_label, t_start)
    session = reasoner.session()
    session.begin_clip()
    if gold_label:
        out.scores, out.decided_by, out.label = {gold_label: 1.0}, "gold", gold_label
    else:
        content_free = None
        if cfg.calibrate:
            content_free = reasoner.calibration(render_cues_prompt(template, None, None, label_set, labels), labels)
        session.begin("scoring")
        tokens = session.tokens(reasoner.messages(prompt, prompt.decision))
        lp = session.score(tokens, reasoner.answers(labels))
        session.end()
        out.raw.label_logprobs = lp
        if content_free is not None:
            out.raw.content_free_logprobs = content_free
            lp = {k: v - content_free[k] for k, v in lp.items()}
        out.llm_scores = softmax(lp)
        ev = evidence.labels if evidence.label is not None else None
        out.scores, out.decided_by = fuse(ev, out.llm_scores, use, llm_weight)
        out.label = max(out.scores, key=lambda k: out.scores[k])
    notes = explain_notes(plain, out.label, label_basics(out.label))
    with_notes = prompt.model_copy(update={"context": {**prompt.context, "notes": notes}})
    request = render_explain_request(template, with_notes, out.label, out.decided_by, plain.leans,
                                     gold=bool(gold_label))
    prompt = prompt.model_copy(update={"explain": request})
    base = [*reasoner.messages(prompt), {"role": "user", "content": request}]
    session.begin("explanation")
    text, finish, _ = session.generate(session.tokens(base), cfg.max_explanation_tokens, cfg.repeat_penalty)
    session.end()
    out.raw.reasoning_attempts.append(text)
    out.raw.reasoning_finish = finish
    out.truncated = finish == "length"
    text = tidied(text, out.truncated, notes)
    check = _check(text, evidence, by_kind, out.label, notes)
    out.first_problems = check.contradictions + check.invented + check.disallowed
    if not check.ok and cfg.self_check == "rewrite":
        feedback = [*base, {"role": "assistant", "content": text},
                    {"role": "user", "content": render_rewrite_request(template, check.problems(), out.label)}]
        session.begin("rewrite")
        second, finish2, _ = session.generate(session.tokens(feedback), cfg.max_explanation_tokens,
                                              cfg.repeat_penalty)
        session.end()
        out.raw.reasoning_attempts.append(second)
        out.attempts = 2
        second = tidied(second, finish2 == "length", notes)
        check2 = _check(second, evidence, by_kind, out.label, notes)
        if _bad(check2) <= _bad(check):
            text, check, out.truncated = second, check2, finish2 == "length"
    if cfg.self_check != "off" and (once := decision_once(text, notes)) != text:
        text = once
        check = _check(text, evidence, by_kind, out.label, notes)
    if cfg.self_check != "off" and not check.ok:
        cleaned, out.dropped = drop_failing(text, check, notes)
        if cleaned != text:
            text = cleaned
            check = _check(text, evidence, by_kind, out.label, notes)
    text = last_conclusion(text, notes["conclusion"])
    text, added = add_uncovered(text, notes)
    if added:
        check = _check(text, evidence, by_kind, out.label, notes)
    if not concludes_with(split_sentences(text), out.label):
        text = (text + " " + phrases()["conclusion"].format(label=out.label)).strip()
        out.conclusion_added = True
        check = _check(text, evidence, by_kind, out.label, notes)
    out.text, out.check = text, check
    out.words = evidence_words(out.label, label_basics(out.label), plain.channels, cfg.max_open_vocab)
    out.prompt = prompt
    out.stats = _stats(session.passes, time.perf_counter() - t_start)
    return out


def no_evidence_label(labels: list[str]) -> str:
    """The label given when nothing was read as an emotion: neutral, else the first label standing for it, else the
    first label."""
    return next((x for x in labels if label_basics(x) == {"neutral"}),
                next((x for x in labels if "neutral" in label_basics(x)), labels[0]))


def _nothing_read(out: Explained, evidence: EvidenceSummary, clues: Mapping[str, Clue], plain: PlainCues,
                  prompt: RenderedPrompt, labels: list[str], gold_label: str | None, t_start: float) -> Explained:
    """A clip whose channels gave no emotion evidence (no face, no speech, no voice read): the no-evidence label
    (`none`: every label equally likely) or the gold label, and an explanation that says what was not measured
    and that the label rests on nothing (cue_phrases.yaml `no_evidence`); no LLM pass and no emotion words."""
    table = phrases()["no_evidence"]
    gone = missing_in_words(plain)
    reasons = [gone.get(c, ch.reading) for c in ("face", "voice", "words") for ch in plain.channels
               if ch.channel == c and (c in gone or (ch.reading and not ch.emotions))]
    if gold_label:
        out.scores, out.decided_by, out.label = {gold_label: 1.0}, "gold", gold_label
    else:
        out.label = no_evidence_label(labels)
        out.scores, out.decided_by = {x: round(1 / len(labels), 4) for x in labels}, "none"
    why = "; ".join(reasons) if reasons else table["nothing"]
    text = table["sentence"].format(reasons=why) + " " + table["gold" if gold_label else "conclusion"].format(
        label=out.label)
    out.text = text[0].upper() + text[1:]
    out.check = _check(out.text, evidence, clues, out.label)
    out.prompt = prompt
    out.plain = plain
    out.stats = _stats([], time.perf_counter() - t_start)
    return out


def _check(text: str, evidence: EvidenceSummary, clues: Mapping[str, Clue], label: str,
           notes: Mapping[str, Any] | None = None) -> ReasoningCheck:
    return check_reasoning(text, evidence, clues, label=label, explanation=True,
                           given=[(notes or {}).get("decides") or ""])


def _bad(check: ReasoningCheck) -> int:
    return check.contradictions + check.invented + check.disallowed + (3 if check.looping else 0)


def _stats(passes: list[PassStats], seconds: float) -> GenerationStats:
    by = {p.name: p for p in passes}
    explain = [p for p in passes if p.name in ("explanation", "rewrite")]
    return GenerationStats(
        prompt_tokens=by["explanation"].prompt_tokens if "explanation" in by else 0,
        reasoning_tokens=sum(p.generated_tokens for p in explain),
        reasoning_seconds=round(sum(p.seconds for p in explain), 3),
        scoring_seconds=round(sum(p.seconds for p in passes if p.name in ("calibration", "scoring")), 3), passes=passes,
        evaluated_tokens=sum(p.evaluated_tokens for p in passes),
        generated_tokens=sum(p.generated_tokens for p in passes), llm_seconds=round(seconds, 3),
        llama_seconds=round(sum(p.llama_seconds for p in passes), 3))
