"""From a clip's clues and evidence summary to a Prediction (pipeline/reasoning/explain.py runs the LLM's part):

1. The LLM's label distribution: calibrated label likelihoods on the clip's cues, the labels in a fixed (sorted)
   order.
2. Fusion: the evidence summary's distribution times the LLM's (weight `llm_weight`), or either alone.
   The result keeps both labels and says whether they agree: the LLM does not silently overrule the evidence.
3. The explanation of the decided label, checked; emotion words from the channel records.
4. Evidence items: the evidence summary's observations that support the decided label.

`make_prediction` is the one place a Prediction is built, with or without an LLM.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from emer.pipeline.evidence.modalities import softmax
from emer.pipeline.reasoning.checker.coherence import label_basics
from emer.pipeline.reasoning.explain import decide_then_explain, explanation_quality
from emer.pipeline.reasoning.prompt import PromptTemplate, RenderedPrompt
from emer.pipeline.reasoning.reasoner import RawExchange, Reasoner
from emer.pipeline.records.clues import Clue, Record
from emer.pipeline.records.errors import ReasonerError
from emer.pipeline.records.evidence import EvidenceSummary, fusion_weights
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.results import Evidence, GenerationStats, Prediction
from emer.pipeline.records.vocab import LabelSet, basic_emotions


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


def evidence_items(evidence: EvidenceSummary, label: str, limit: int, max_chars: int) -> list[Evidence]:
    """Observations supporting the label's basic emotions, strongest modalities first; if none does, each
    informative modality's first observation."""
    targets = label_basics(label)
    # a blended label's emotions together (an arbitrary one of them made the order depend on set iteration)
    mods = sorted(evidence.modalities, key=lambda m: -(sum(m.emotions.get(b, 0.0) for b in targets)
                                                         if m.emotions else -1))
    items = [Evidence(modality=o.modality, clue=o.text[:max_chars])
             for m in mods for o in m.observations if targets & set(o.supports)]
    if not items:
        items = [Evidence(modality=m.observations[0].modality, clue=m.observations[0].text[:max_chars])
                 for m in mods if m.emotions and m.observations]
    return items[:limit]


def make_prediction(evidence: EvidenceSummary, label: str, scores: dict[str, float], decided_by: str,
                    max_evidence: int, max_chars: int, llm_scores: dict[str, float] | None = None,
                    **explained: Any) -> Prediction:
    """The prediction of a decided `label` (`scores`: the distribution that decided it): the LLM's and the
    evidence summary's own labels and whether they agree, the evidence items, the channels and warnings;
    `explained`: the explanation's fields (reasoning, open_vocab, check, ...), empty without an LLM."""
    llm_label = max(llm_scores, key=lambda k: llm_scores[k]) if llm_scores else None
    fields: dict[str, Any] = {"reasoning": "", "reasoning_truncated": False, "open_vocab": [], **explained}
    return Prediction(
        label=label, confidence=scores.get(label, 0.0), decided_by=decided_by, label_scores=scores,
        llm_label=llm_label, llm_scores=llm_scores, evidence_label=evidence.label, evidence_scores=evidence.labels,
        agreement=agreement_note(llm_label, evidence.label, label, decided_by),
        evidence=evidence_items(evidence, label, max_evidence, max_chars), warnings=list(evidence.warnings),
        channels=list(evidence.channels), **fields)


def evidence_prediction(evidence: EvidenceSummary, max_evidence: int = 3, max_chars: int = 80) -> Prediction | None:
    """The evidence summary's own decision as a prediction, without an LLM (no reasoning text, no emotion
    words); None when no modality gave evidence."""
    if evidence.label is None:
        return None
    return make_prediction(evidence, evidence.label, evidence.labels, "evidence", max_evidence, max_chars)


class Decider:
    """Decides and explains one clip at a time with one reasoner."""

    def __init__(self, reasoner: Reasoner, template: PromptTemplate, config: DecisionConfig) -> None:
        self.reasoner = reasoner
        self.template = template
        self.config = config

    def shown_labels(self, label_set: LabelSet) -> list[str]:
        labels = list(label_set.labels) if label_set.labels else basic_emotions()
        return sorted(labels) if self.reasoner.config.label_order == "sorted" else labels

    def decide(self, info: ClipInfo, clues: list[Clue], label_set: LabelSet, evidence: EvidenceSummary,
               gold_label: str | None = None) -> tuple[Prediction, GenerationStats, RawExchange, RenderedPrompt]:
        """The prediction for one clip, with its stats, the raw model text and the rendered prompt."""
        cfg = self.reasoner.config
        done = decide_then_explain(
            self.reasoner, self.template, info, clues, label_set, self.shown_labels(label_set), evidence, fuse,
            self.config.use, self.config.llm_weight, gold_label)
        if done.stats is None or done.prompt is None:
            raise ReasonerError("decide-then-explain returned no stats or prompt")
        prediction = make_prediction(
            evidence, done.label, done.scores, done.decided_by, cfg.max_evidence, cfg.max_evidence_chars,
            done.llm_scores, reasoning=done.text, reasoning_truncated=done.truncated, open_vocab=done.words,
            reasoning_attempts=done.attempts, check=done.check, first_problems=done.first_problems,
            dropped_sentences=done.dropped, conclusion_added=done.conclusion_added,
            quality=explanation_quality(done.check))
        return prediction, done.stats, done.raw, done.prompt
