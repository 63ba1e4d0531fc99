"""Result records: the reasoned label for one clip, and the summary of a run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from emer.pipeline import __version__
from emer.pipeline.records.channel import ChannelReading
from emer.pipeline.records.checks import ReasoningCheck
from emer.pipeline.records.clues import ClueKind, ClueStatus, ModelRef, Record
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.vocab import LabelSet

RESULT_SCHEMA_VERSION = "1.9"  # 1.9: no PassStats.redecoded_tokens (always 0 since the close-call
# re-decoding went; lookup decoding is exact by construction); 1.8: the clip carries its schema_version;
# 1.7: channel status absent (no such stream in the recording);
# 1.6: a voice with no speech in it is a missing channel (status, note); 1.5: decided_by none (no channel read an
# emotion); 1.4: one explanation path (generation without explain, decision_tokens, decision_seconds,
# words_seconds); 1.3: prediction.channels, quality.uncovered
# ok: every requested extractor gave its clue. degraded: a result from the other clues, but an extractor failed
# (`error` names it). failed: no result (the clip could not be read, or reasoning failed).
ResultStatus = Literal["ok", "degraded", "failed"]


class Evidence(Record):
    modality: ClueKind
    clue: str = Field(description="the clue: an observation of the evidence summary, or the model's words")


class ExplanationQuality(Record):
    """The shown explanation read by the whole checker against the decided label."""

    coherent: bool = Field(description="concludes with the decided label and names no other emotion as the state")
    percentages: int = 0
    lists: int = Field(0, description="list items or headings")
    interpretation_errors: int = Field(0, description="cue -> emotion readings that contradict the cue tables")
    invented_numbers: int = Field(0, description="numbers that no evidence shows")
    instructions_repeated: int = Field(0, description="spoken instructions to a model repeated or taken as "
                                       "evidence, and instructions of the request copied into the explanation")
    uncovered: int = Field(0, description="channels with at least a fifth of the decision the explanation leaves out")
    contradicted: int = Field(0, description="all claims the evidence contradicts")
    invented: int = Field(0, description="all claims about what was not measured")


class Prediction(Record):
    reasoning: str = Field(description="the explanation, written for the decided label, bounded in length, after "
                           "the self-check; empty without an LLM")
    reasoning_truncated: bool = Field(description="the reasoning hit the token cap and was cut at a sentence")
    label: str
    confidence: float = Field(ge=0, le=1, description="probability of the label in the distribution that "
                              "decided it (fused, LLM or evidence)")
    open_vocab: list[str] = Field(description="emotion words describing the person")
    evidence: list[Evidence]
    decided_by: Literal["fused", "llm", "evidence", "gold", "none"] = Field(
        "llm", description="which distribution gave the label: the evidence summary and the LLM fused, either "
        "alone, the gold label (explain-gold mode), or none: no channel read an emotion, so the label is the "
        "no-evidence default with every label equally likely")
    label_scores: dict[str, float] | None = Field(None, description="the deciding distribution over labels")
    llm_label: str | None = Field(None, description="the LLM's own label (highest calibrated likelihood)")
    llm_scores: dict[str, float] | None = Field(None, description="the LLM's calibrated distribution over labels")
    evidence_label: str | None = Field(None, description="the evidence summary's own label")
    evidence_scores: dict[str, float] | None = None
    agreement: str | None = Field(None, description="whether the LLM and the evidence agree, in words")
    reasoning_attempts: int = Field(1, description="1, or 2 when the self-check had the explanation rewritten")
    first_problems: int = Field(0, description="contradicted, invented and disallowed claims in the first attempt")
    dropped_sentences: int = Field(0, description="sentences the self-check dropped (contradicting or repeated)")
    check: ReasoningCheck | None = Field(None, description="the explanation checked against the evidence")
    warnings: list[str] = Field(default_factory=list, description="what in the input was not taken as evidence "
                                "and why (the evidence summary's warnings: e.g. spoken instructions to a model)")
    quality: ExplanationQuality | None = Field(None, description="the shown explanation checked as an explanation "
                                               "of the label (for the ablation table)")
    conclusion_added: bool = Field(False, description="the explanation did not conclude with the decided label, so "
                                   "a closing sentence naming it was added")
    channels: list[ChannelReading] = Field(default_factory=list, description="each channel's reading (face, voice, "
                                           "words, body): what the fusion combined and the explanation describes, "
                                           "with its share of the decision")


class PassStats(Record):
    """One LLM pass over a clip (calibration, scoring, explanation, rewrite)."""

    name: str
    prompt_tokens: int = Field(0, description="tokens of the pass's longest prompt")
    reused_tokens: int = Field(0, description="prompt tokens whose KV state was reused from an earlier pass")
    evaluated_tokens: int = Field(0, description="prompt tokens evaluated in this pass")
    generated_tokens: int = Field(0, description="tokens generated")
    steps: int = Field(0, description="decode calls while generating (one per token without speculative decoding)")
    drafted_tokens: int = Field(0, description="prompt-lookup draft tokens decoded for verification")
    accepted_tokens: int = Field(0, description="draft tokens that greedy decoding confirmed (generated without a "
                                 "decode call of their own)")
    seconds: float = Field(0.0, description="wall time of the pass")
    llama_seconds: float = Field(0.0, description="llama.cpp's own decode time (its perf counters)")


class GenerationStats(Record):
    """The LLM stage of one clip: its passes (pipeline/reasoning/session.py) and their totals."""

    prompt_tokens: int = Field(description="tokens of the explanation pass's prompt")
    reasoning_tokens: int = Field(description="tokens generated by the explanation and its rewrite")
    reasoning_seconds: float = Field(description="wall time of the explanation and its rewrite")
    scoring_seconds: float = Field(0.0, description="wall time of the label scoring and calibration passes")
    passes: list[PassStats] = Field(default_factory=list, description="every LLM pass, in order")
    evaluated_tokens: int = Field(0, description="prompt tokens evaluated over all passes")
    generated_tokens: int = Field(0, description="tokens generated over all passes")
    llm_seconds: float = Field(0.0, description="wall time of the LLM stage")
    llama_seconds: float = Field(0.0, description="llama.cpp's own decode time over all passes")


class ReasonerInfo(Record):
    model: ModelRef
    config: dict[str, Any]
    template: str
    template_sha256: str
    label_set: LabelSet


class ClueRef(Record):
    kind: ClueKind
    extractor: str
    version: str
    status: ClueStatus
    detail: str | None = Field(None, description="the clue's detail: why its status is not ok (for failed: the "
                               "error), or its warnings")
    file: str = Field(description="path relative to the clip's output folder")
    cache_key: str
    reused: bool = Field(description="taken from an earlier run instead of recomputed")


class Result(Record):
    record: Literal["result"] = "result"
    schema_version: Literal["1.9"] = RESULT_SCHEMA_VERSION
    emer_version: str = __version__
    clip_id: str
    source_path: str
    status: ResultStatus = Field(description="ok; degraded: a requested extractor failed (see error), the result "
                                 "comes from the other clues; failed: no result")
    error: str | None = Field(None, description="failed: the file and the cause; degraded: each failed extractor "
                              "and its error")
    note: str | None = Field(None, description="why the evidence gave no label, e.g. no face found and no speech")
    mode: Literal["predict", "explain-gold"] = Field(
        "predict", description="explain-gold: the reasoning explains a given gold label instead of predicting"
    )
    gold_label: str | None = Field(None, description="the label explained, in explain-gold mode only")
    clip: ClipInfo | None = None
    prediction: Prediction | None = None
    reasoner: ReasonerInfo | None = None
    clues: list[ClueRef] = Field(default_factory=list)
    generation: GenerationStats | None = None
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per stage")
    cache_key: str | None = Field(None, description="hash of clue keys, template, label set, model and config")
    reused: bool = False
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class ClipStatus(Record):
    clip_id: str
    source_path: str
    status: ResultStatus
    label: str | None
    confidence: float | None
    error: str | None
    note: str | None = Field(None, description="why the evidence gave no label")
    warnings: list[str] = Field(default_factory=list, description="decoding warnings (e.g. a truncated file)")
    clues: dict[str, ClueStatus]
    reused_clues: int
    reused_result: bool
    seconds: float


class RunSummary(Record):
    record: Literal["run-summary"] = "run-summary"
    schema_version: Literal["1.9"] = RESULT_SCHEMA_VERSION
    emer_version: str = __version__
    input: str
    output: str
    config: dict[str, Any]
    packages: dict[str, str]
    clips: list[ClipStatus]
    ok: int
    degraded: int = Field(description="clips with a result from their other clues: a requested extractor failed")
    failed: int
    reused_clues: int
    reused_results: int
    seconds: float
    started_at: datetime
    finished_at: datetime
