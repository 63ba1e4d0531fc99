"""From a clip's clues and evidence summary to a Prediction: reasoning, self-check, order-free label, fusion
with the evidence, emotion words and evidence items.

1. The prompt shows the evidence summary (or the raw clues) and the labels in a fixed (sorted) order.
2. The LLM reasons freely. The checker compares what it asserts with the evidence; sentences contradicting the
   clues (or repeating) are dropped, after one rewrite with the problems as feedback if `self_check: rewrite`.
3. The LLM's label distribution: calibrated label likelihoods (or a generated JSON label, for comparison).
4. Fusion: the evidence summary's distribution times the LLM's (weight `llm_weight`), or either alone.
   The result keeps both labels and says whether they agree: the LLM does not silently overrule the evidence.
5. Emotion words: with `explain: before`, 2-4 emotion-wheel words the model picks among those that fit the
   decided label; with `explain: after` (the default), words from the channel records (explain.py).
6. Evidence items: the evidence summary's observations that support the decided label.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from emer.pipeline.evidence.modalities import softmax
from emer.pipeline.reasoning.checker import ReasoningCheck, check_reasoning, split_sentences
from emer.pipeline.reasoning.explain import decide_then_explain, explanation_quality
from emer.pipeline.reasoning.prompt import PromptTemplate, RenderedPrompt, render_prompt, render_words_question
from emer.pipeline.reasoning.reasoner import RawExchange, Reasoner, Reasoning
from emer.pipeline.reasoning.session import perf_counters
from emer.pipeline.records.clues import Clue, ClueStatus, Record
from emer.pipeline.records.errors import ConfigError, ReasonerError
from emer.pipeline.records.evidence import EvidenceSummary, fusion_weights
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.results import Evidence, GenerationStats, Prediction
from emer.pipeline.records.vocab import (
    LabelSet,
    basic_emotions,
    basic_of_wheel_word,
    default_wheel,
    label_weights,
    wheel_words_by_basic,
)


class DecisionConfig(Record):
    """How the final label is decided (`decision:` in the run config)."""

    use: Literal["fused", "llm", "evidence"] = Field(
        "fused", description="fused: evidence x LLM; llm or evidence alone (for ablations)")
    llm_weight: float = Field(default_factory=lambda: float(fusion_weights()["llm_weight"]), ge=0,
                              description="exponent of the LLM's distribution in the fusion; default: fitted on "
                              "development data with the modality weights (prompts/evidence/fusion_weights.yaml, "
                              "scripts/fit_fusion.py)")


def fuse(evidence: Mapping[str, float] | None, llm: Mapping[str, float] | None, use: str,
         llm_weight: float) -> tuple[dict[str, float], str]:
    """The deciding distribution and what decided it (falls back to whichever side exists)."""
    if use == "evidence" and evidence or (evidence and not llm):
        return dict(evidence), "evidence"
    if use == "llm" or not evidence:
        return dict(llm or {}), "llm"
    labels = list(llm)
    return softmax({k: math.log(max(evidence.get(k, 0.0), 1e-4)) + llm_weight * math.log(max(llm[k], 1e-4))
                     for k in labels}), "fused"


def agreement_note(llm_label: str | None, evidence_label: str | None, decided: str, decided_by: str) -> str | None:
    if llm_label is None or evidence_label is None:
        return None
    if llm_label == evidence_label:
        return f"the LLM and the evidence summary agree on {decided}"
    return (f"the LLM says {llm_label}, the evidence summary {evidence_label}; decided by {decided_by}: "
            f"{decided}")


def drop_flagged_sentences(text: str, check: ReasoningCheck) -> str:
    """The reasoning without the sentences the checker found contradicting the clues or inventing them, and
    without repeats of a sentence."""
    bad = {c.sentence.strip() for c in check.claims if c.verdict in ("contradicted", "invented")}
    kept: list[str] = []
    seen: set[str] = set()
    for sentence in split_sentences(text):
        key = " ".join(sentence.lower().split())
        if not key or key in seen or any(b and b in sentence for b in bad):
            continue
        seen.add(key)
        kept.append(sentence.strip())
    return " ".join(kept).strip()


def _basics(label: str) -> set[str]:
    """The basic emotions a label stands for; none for an open-vocabulary word outside them."""
    try:
        return {b for b, w in label_weights(label).items() if w > 0}
    except ConfigError:
        return set()


def evidence_items(evidence: EvidenceSummary, label: str, limit: int, max_chars: int) -> list[Evidence]:
    """Observations supporting the label's basic emotions, strongest modalities first; if none does, each
    informative modality's first observation."""
    targets = _basics(label) or {label}
    mods = sorted(evidence.modalities, key=lambda m: -(m.emotions.get(next(iter(targets)), 0.0)
                                                         if m.emotions else -1))
    items = [Evidence(modality=o.modality, clue=o.text[:max_chars])
             for m in mods for o in m.observations if targets & set(o.supports)]
    if not items:
        items = [Evidence(modality=m.observations[0].modality, clue=m.observations[0].text[:max_chars])
                 for m in mods if m.emotions and m.observations]
    return items[:limit]


def fitting_words(answer: str, label: str, limit: int, minimum: int = 2) -> list[str]:
    """The emotion words of a free answer that the emotion wheel places under the label's basic emotions
    (normalised, deduplicated), topped up to `minimum` with the label's own wheel words."""
    wheel = default_wheel()
    basics = _basics(label)
    words: list[str] = []
    for token in re.findall(r"[A-Za-z]+", answer):
        word = wheel.normalise(token)
        if wheel.known(word) and (not basics or basic_of_wheel_word(word) in basics) and word not in words:
            words.append(word)
    basic_words = [w for b in sorted(basics) for w in wheel_words_by_basic().get(b, []) if wheel.normalise(w) == w]
    # the label itself, then the wheel's group names under it (irritation, rage, ...), then any of its words
    fallback = ([wheel.normalise(label)] + [w for w in basic_words if wheel.group(w, "secondary") == w]
                + basic_words)
    for word in fallback:
        if len(words) >= minimum:
            break
        if wheel.known(word) and word not in words:
            words.append(word)
    return words[:limit]


def evidence_prediction(evidence: EvidenceSummary, max_evidence: int = 3, max_chars: int = 80) -> Prediction | None:
    """The evidence summary's own decision as a prediction, without an LLM (no reasoning text, no emotion
    words); None when no modality gave evidence."""
    if evidence.label is None:
        return None
    return Prediction(
        reasoning="", reasoning_truncated=False, label=evidence.label, confidence=evidence.confidence or 0.0,
        open_vocab=[], evidence=evidence_items(evidence, evidence.label, max_evidence, max_chars),
        decided_by="evidence", label_scores=evidence.labels, evidence_label=evidence.label,
        evidence_scores=evidence.labels, warnings=list(evidence.warnings), channels=list(evidence.channels),
    )


class Decider:
    """Runs steps 1-6 for one clip with one reasoner."""

    def __init__(self, reasoner: Reasoner, template: PromptTemplate, config: DecisionConfig,
                 wheel_vocabulary: list[str]) -> None:
        self.reasoner = reasoner
        self.template = template
        self.config = config
        self.wheel_vocabulary = wheel_vocabulary

    def shown_labels(self, label_set: LabelSet) -> list[str]:
        labels = list(label_set.labels) if label_set.labels else basic_emotions()
        return sorted(labels) if self.reasoner.config.label_order == "sorted" else labels

    def prompt(self, info: ClipInfo, clues: list[Clue], label_set: LabelSet, evidence: EvidenceSummary | None,
               show_evidence: bool, gold_label: str | None = None) -> RenderedPrompt:
        return render_prompt(self.template, info, clues, label_set, gold_label=gold_label,
                             evidence=evidence if show_evidence else None, labels=self.shown_labels(label_set))

    def _reason_checked(self, prompt: RenderedPrompt, evidence: EvidenceSummary | None,
                        clues: Mapping[str, Clue]
                        ) -> tuple[Reasoning, list[str], ReasoningCheck | None, int, int, float]:
        """Reasoning, its raw attempts, the final check, the first attempt's problem count, the sentences
        dropped and the seconds spent."""
        t0 = time.perf_counter()
        first = self.reasoner.reason(prompt)
        attempts = [first.raw]
        if evidence is None:
            return first, attempts, None, 0, 0, time.perf_counter() - t0
        check = check_reasoning(first.text, evidence, clues)
        first_problems = check.contradictions + check.invented
        best = first
        mode = self.reasoner.config.self_check
        if mode == "rewrite" and not check.ok:
            second = self.reasoner.reason(prompt, feedback=check.problems(), previous=first.text)
            attempts.append(second.raw)
            check2 = check_reasoning(second.text, evidence, clues)
            if _badness(check2) <= _badness(check):
                best, check = second, check2
        dropped = 0
        if mode != "off" and not check.ok:
            cleaned = drop_flagged_sentences(best.text, check)
            if cleaned and cleaned != best.text:
                dropped = len(split_sentences(best.text)) - len(split_sentences(cleaned))
                best = best.model_copy(update={"text": cleaned})
                check = check_reasoning(cleaned, evidence, clues)
        return best, attempts, check, first_problems, dropped, time.perf_counter() - t0

    def decide(self, info: ClipInfo, clues: list[Clue], label_set: LabelSet, evidence: EvidenceSummary | None,
               show_evidence: bool = True, gold_label: str | None = None
               ) -> tuple[Prediction, GenerationStats, RawExchange, RenderedPrompt]:
        """The prediction for one clip, with its stats, the raw model text and the rendered prompt."""
        if self.reasoner.config.explain == "after" and self.reasoner.config.decision == "score":
            return self._decide_then_explain(info, clues, label_set, evidence, gold_label)
        t_start = time.perf_counter()
        perf0 = perf_counters(self.reasoner._llm())
        cfg = self.reasoner.config
        prompt = self.prompt(info, clues, label_set, evidence, show_evidence, gold_label)
        labels = self.shown_labels(label_set)
        content_free = None
        if cfg.decision == "score" and cfg.calibrate and not gold_label:
            # before the reasoning (once per label list), so every clip then runs the same steps from an empty cache
            cf_prompt = render_prompt(self.template, None, [], label_set, labels=labels)
            content_free = self.reasoner.content_free_logprobs(cf_prompt, labels)
        by_kind = {c.kind: c for c in clues}
        reasoning, attempts, check, first_problems, dropped, reason_s = self._reason_checked(prompt, evidence,
                                                                                            by_kind)
        raw = RawExchange(reasoning_attempts=attempts, reasoning_finish=reasoning.finish)
        t0 = time.perf_counter()
        llm_scores: dict[str, float] | None = None
        llm_label: str | None = None
        decision_tokens = 0
        if gold_label:
            scores, decided_by, label = {gold_label: 1.0}, "gold", gold_label
        else:
            if cfg.decision == "score":
                lp = self.reasoner.label_logprobs(self.reasoner.messages(prompt, reasoning.text, prompt.decision),
                                                  labels)
                raw.label_logprobs = lp
                if content_free is not None:
                    raw.content_free_logprobs = content_free
                    lp = {k: v - content_free[k] for k, v in lp.items()}
                llm_scores = softmax(lp)
            else:
                modalities = [c.kind for c in clues if c.status == ClueStatus.ok] or [c.kind for c in clues]
                answer, raw.decision_raw, raw.decision_finish, decision_tokens = self.reasoner.generate_decision(
                    prompt, reasoning.text, label_set, modalities, self.wheel_vocabulary)
                conf = min(max(answer["confidence_percent"] / 100, 0.0), 1.0)
                rest = (1 - conf) / max(len(labels) - 1, 1)
                llm_scores = {k: round(conf if k == answer["label"] else rest, 4) for k in labels}
            llm_label = max(llm_scores, key=lambda k: llm_scores[k])
            ev_scores = evidence.labels if evidence is not None and evidence.label is not None else None
            scores, decided_by = fuse(ev_scores, llm_scores, self.config.use, self.config.llm_weight)
            label = max(scores, key=lambda k: scores[k])
        scoring_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        question = render_words_question(self.template, prompt, label)
        raw.words_raw, raw.words_finish = self.reasoner.answer_words(prompt, reasoning.text, question)
        words = fitting_words(raw.words_raw, label, cfg.max_open_vocab)
        words_s = time.perf_counter() - t0
        items = (evidence_items(evidence, label, cfg.max_evidence, cfg.max_evidence_chars)
                 if evidence is not None else [])
        prediction = Prediction(
            reasoning=reasoning.text, reasoning_truncated=reasoning.truncated, label=label,
            confidence=scores.get(label, 0.0), open_vocab=words, evidence=items, decided_by=decided_by,
            label_scores=scores, llm_label=llm_label, llm_scores=llm_scores,
            evidence_label=evidence.label if evidence is not None else None,
            evidence_scores=evidence.labels if evidence is not None else None,
            agreement=agreement_note(llm_label, evidence.label if evidence is not None else None, label, decided_by),
            channels=list(evidence.channels) if evidence is not None else [], reasoning_attempts=len(attempts),
            check=check, first_problems=first_problems,
            dropped_sentences=dropped, warnings=list(evidence.warnings) if evidence is not None else [],
            quality=explanation_quality(check_reasoning(reasoning.text, evidence, by_kind, label=label,
                                                        explanation=True)) if evidence is not None else None,
        )
        stats = GenerationStats(
            prompt_tokens=reasoning.prompt_tokens, reasoning_tokens=reasoning.tokens,
            decision_tokens=decision_tokens, reasoning_seconds=round(reason_s, 3),
            decision_seconds=round(scoring_s + words_s, 3), scoring_seconds=round(scoring_s, 3),
            words_seconds=round(words_s, 3),
        )
        perf1 = perf_counters(self.reasoner._llm())
        stats.generated_tokens = reasoning.tokens + decision_tokens
        stats.evaluated_tokens = perf1[1] - perf0[1] - stats.generated_tokens
        stats.llama_seconds = round((perf1[0] - perf0[0]) / 1000, 3)
        stats.llm_seconds = round(time.perf_counter() - t_start, 3)
        return prediction, stats, raw, prompt


    def _decide_then_explain(self, info: ClipInfo, clues: list[Clue], label_set: LabelSet,
                             evidence: EvidenceSummary | None, gold_label: str | None
                             ) -> tuple[Prediction, GenerationStats, RawExchange, RenderedPrompt]:
        """llm.explain: after (pipeline/reasoning/explain.py)."""
        cfg = self.reasoner.config
        done = decide_then_explain(
            self.reasoner, self.template, info, clues, label_set, self.shown_labels(label_set), evidence, fuse,
            self.config.use, self.config.llm_weight,
            lambda label: fitting_words("", label, cfg.max_open_vocab), gold_label)
        label, scores, llm_scores = done.label, done.scores, done.llm_scores
        llm_label = max(llm_scores, key=lambda k: llm_scores[k]) if llm_scores else None
        items = (evidence_items(evidence, label, cfg.max_evidence, cfg.max_evidence_chars)
                 if evidence is not None else [])
        ev_label = evidence.label if evidence is not None else None
        prediction = Prediction(
            reasoning=done.text, reasoning_truncated=done.truncated, label=label,
            confidence=scores.get(label, 0.0), open_vocab=done.words, evidence=items,
            decided_by=done.decided_by, label_scores=scores, llm_label=llm_label, llm_scores=llm_scores,
            evidence_label=ev_label, evidence_scores=evidence.labels if evidence is not None else None,
            agreement=agreement_note(llm_label, ev_label, label, done.decided_by),
            reasoning_attempts=done.attempts, check=done.check, first_problems=done.first_problems,
            dropped_sentences=done.dropped, warnings=list(evidence.warnings) if evidence is not None else [],
            conclusion_added=done.conclusion_added, quality=explanation_quality(done.check),
            channels=list(evidence.channels) if evidence is not None else [],
        )
        if done.stats is None or done.prompt is None:
            raise ReasonerError("decide-then-explain returned no stats or prompt")
        return prediction, done.stats, done.raw, done.prompt


def _badness(check: ReasoningCheck) -> int:
    return check.contradictions + check.invented + (3 if check.looping else 0)
