"""The text channel: what was said, in any language, as a calibrated distribution over the basic emotions.

The speech evidence (pipeline/evidence/summary.py) counts English emotion-wheel words; a Chinese or German sentence
that plainly expresses worry or blame gives it nothing. Here the run's LLM reads the transcript alone (the
prompt in prompts/templates/text_channel.yaml) and every basic emotion is scored by the model's likelihood of
answering it (`Reasoner.label_logprobs`), minus the mean of the same scores on content-free sentences
(Zhao et al. 2021), scaled and shifted by a per-emotion bias fitted on development sentences when one exists for
the model and prompt (pipeline/reasoning/text_calibration.py), then a softmax. The result is its own modality,
`text`, in the evidence summary, weighted by the fitted fusion weight times the transcript's reliability
(Whisper's confidence that it heard speech and what) and by how sure the reading is; its neutral share counts as
no evidence (spread flat).

Sentences addressed to a language model (the speech clue's `instructions_detected`) are cut out of the
transcript before the LLM sees it: spoken instructions are never evidence. Each sentence is scored after the
instructions evaluated from an empty cache (or their saved KV state), so a clip's scores do not depend on which
clip ran before.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from functools import cache, cached_property
from string import Template
from typing import Any

from pydantic import Field

from emer.pipeline.evidence.injection import span_bounds
from emer.pipeline.evidence.reliability import reliabilities
from emer.pipeline.reasoning.reasoner import Reasoner
from emer.pipeline.reasoning.text_calibration import (
    TextCalibration,
    calibrated,
    certainty,
    evidence_distribution,
    load_text_calibration,
)
from emer.pipeline.records.clues import InstructionSpan, Record, SpeechData
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.evidence import EvidenceConfig, ModalityEvidence, Observation
from emer.pipeline.records.vocab import basic_emotions, load_data_yaml

TEXT_CHANNEL_VERSION = "1.1.0"  # 1.1: fitted bias calibration, neutral share is no evidence, certainty


class TextPrompt(Record):
    name: str
    version: str
    system: str
    user: str
    content_free: list[str] = Field(min_length=1)


@cache
def load_text_prompt() -> TextPrompt:
    """prompts/templates/text_channel.yaml, checked to use exactly $sentence and $labels."""
    prompt = TextPrompt.model_validate(load_data_yaml("templates", "text_channel.yaml"))
    names = {m.group("named") or m.group("braced") for m in Template.pattern.finditer(prompt.user)} - {None}
    if names != {"sentence", "labels"}:
        raise ConfigError(f"prompts/templates/text_channel.yaml: user must use $sentence and $labels, uses "
                          f"{sorted(names)}")
    return prompt


class TextReading(Record):
    """What the LLM reads into the transcript alone (kept in the text modality's observation and timings)."""

    text: str = Field(description="the transcript as scored (instruction sentences removed)")
    emotions: dict[str, float] = Field(description="what the words express, calibrated (neutral: no emotion)")
    logprobs: dict[str, float]
    content_free: dict[str, float]
    calibration: str = Field("content-free", description="content-free, or the fitted calibration's version")
    seconds: float


def spoken_text(data: SpeechData) -> str:
    """The transcript without the sentences addressed to a language model."""
    text = data.text
    for start, end in sorted(span_bounds(data.instructions_detected), reverse=True):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())


class TextChannel:
    """Scores transcripts with a reasoner's model. One per run; thread-safe."""

    def __init__(self, reasoner: Reasoner) -> None:
        self.reasoner = reasoner
        self.prompt = load_text_prompt()
        self._calibration: dict[tuple[str, ...], dict[str, float]] = {}
        self._lock = threading.Lock()

    @cached_property
    def fitted(self) -> TextCalibration | None:
        """The fitted calibration when it was fitted with this model and prompt, else None."""
        cal = load_text_calibration()
        return cal if cal is not None and cal.applies_to(self.reasoner.model.sha256, self.prompt.version) else None

    def _messages(self, sentence: str, labels: Sequence[str]) -> list[dict[str, str]]:
        user = Template(self.prompt.user).substitute(sentence=json.dumps(sentence, ensure_ascii=False),
                                                     labels=", ".join(labels))
        return [{"role": "system", "content": self.prompt.system}, {"role": "user", "content": user}]

    def _scores(self, sentence: str, labels: list[str], persist: bool = False) -> dict[str, float]:
        # the instructions from an empty cache or their saved KV state (Reasoner.label_logprobs), so a clip's
        # scores do not depend on the clip before
        return self.reasoner.label_logprobs(self._messages(sentence, labels), labels, persist=persist)

    def content_free(self, labels: list[str]) -> dict[str, float]:
        """Mean label log-likelihoods over the content-free sentences, once per label list (each sentence's
        scores kept in the on-disk cache across runs)."""
        key = tuple(labels)
        if key not in self._calibration:
            runs = [self._scores(s, labels, persist=True) for s in self.prompt.content_free]
            self._calibration[key] = {k: round(sum(r[k] for r in runs) / len(runs), 4) for k in labels}
        return self._calibration[key]

    def read(self, text: str) -> TextReading:
        """The calibrated emotion distribution of a transcript, over the emotions the fitted calibration names
        (those it was fitted on; an emotion it does not name is no evidence either way), else all basic ones."""
        labels = sorted(self.fitted.bias) if self.fitted else sorted(basic_emotions())
        with self._lock:
            cf = self.content_free(labels)
            t0 = time.perf_counter()
            lp = self._scores(text, labels)
            seconds = time.perf_counter() - t0
        cal = self.fitted
        return TextReading(text=text, emotions=calibrated(lp, cf, cal), logprobs=lp, content_free=cf,
                           calibration=cal.version if cal else "content-free", seconds=round(seconds, 3))


def text_evidence(reading: TextReading | None, reliability: float, cfg: EvidenceConfig,
                  instructions: Sequence[InstructionSpan] = ()) -> ModalityEvidence:
    """The text modality of the evidence summary: the reading's distribution with its neutral share spread flat
    (words that express no emotion are no evidence), weighted by the fitted text weight times the transcript's
    reliability times the reading's certainty (an unsure reading weighs little); no evidence when nothing but
    instructions (or nothing) was said."""
    if reading is None:
        return ModalityEvidence(modality="text", weight=0.0, reliability=reliability, observations=[Observation(
            modality="speech", cue="meaning", category="none",
            text="no words to read (nothing was said apart from any sentences addressed to a model)")])
    ranked = sorted(reading.emotions, key=lambda e: -reading.emotions[e])
    top, second = ranked[0], ranked[1]
    removed = " (sentences addressed to a model left out)" if instructions else ""
    said = f"what was said, read as a whole{removed}, "
    if top == "neutral":
        obs = Observation(modality="speech", cue="meaning", category="neutral", value=reading.emotions[top],
                          text=f"{said}expresses no particular emotion (neutral {reading.emotions[top]:.2f}, then "
                          f"{second} {reading.emotions[second]:.2f})", supports=[])
    else:
        obs = Observation(
            modality="speech", cue="meaning", category=top, value=reading.emotions[top],
            text=f"{said}expresses {top} ({reading.emotions[top]:.2f}), then {second} "
            f"({reading.emotions[second]:.2f})", supports=[top])
    emotions = evidence_distribution(reading.emotions)
    return ModalityEvidence(modality="text", weight=round(cfg.weights.get("text", 1.0) * reliability
                                                          * certainty(emotions), 4),
                            reliability=reliability, emotions=emotions, observations=[obs])


def text_modality(channel: TextChannel, clues: Mapping[str, Any], cfg: EvidenceConfig) -> ModalityEvidence | None:
    """The text modality of a clip from its clues (kind -> clue): None without a trusted transcript (no speech
    clue, it failed or found no speech, or the guards marked it unreliable)."""
    speech = clues.get("speech")
    if speech is None or speech.status != "ok" or speech.data is None or not speech.data.reliable:
        return None  # an unreliable transcript (pipeline/evidence/transcript_guard.py) is not read
    sentence = spoken_text(speech.data)
    reading = channel.read(sentence) if sentence else None
    return text_evidence(reading, reliabilities(clues).get("text", 0.0), cfg, speech.data.instructions_detected)
