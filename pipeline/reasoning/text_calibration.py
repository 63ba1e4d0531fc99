"""The text channel's fitted calibration (bias scaling) and what a content-neutral reading is worth as evidence.

Subtracting the label scores on content-free sentences (Zhao et al. 2021) makes an empty sentence score every
emotion alike, but for emotions the empty sentence is not uniform, it is neutral: so the subtraction pushes
neutral down on every real sentence and a plain fact comes out as fear (measured on the spoken set's fit half,
scripts/eval_text_channel.py). On top of it a per-emotion bias and one scale are fitted on the fit half of the
written development sentences (scripts/fit_text_calibration.py; "bias scaling", Guo et al. 2017 / Zhao et al.
2021) and kept as data in prompts/evidence/text_calibration.yaml, for the model and prompt they were fitted
with; any other model or prompt gets the content-free calibration alone.

A sentence whose words express no emotion says nothing about how the speaker feels (the same plain sentence
can be said in anger or in joy), so the text modality's evidence spreads the reading's neutral share evenly
over all emotions: a content-neutral sentence gives a flat distribution, which adds the same log-score to
every emotion in the weighted product and so cannot move the fused label; and its weight is multiplied by the
reading's certainty (1 - normalised entropy), so what little preference an unsure reading shows weighs little.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

from pydantic import Field, ValidationError

from emer.pipeline.evidence.modalities import softmax
from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import basic_emotions, load_data_yaml, prompts_root

CALIBRATION_FILE = "text_calibration.yaml"


class TextCalibration(Record):
    """prompts/evidence/text_calibration.yaml: calibrated score = scale * (score - content-free score) + bias."""

    version: str
    model_sha256: str = Field(description="the GGUF the calibration was fitted with")
    model_name: str
    prompt_version: str = Field(description="version of prompts/templates/text_channel.yaml it was fitted with")
    scale: float = Field(gt=0)
    bias: dict[str, float] = Field(description="basic emotion -> bias added to its calibrated score")
    fitted_on: str = ""

    def applies_to(self, model_sha256: str, prompt_version: str) -> bool:
        return self.model_sha256 == model_sha256 and self.prompt_version == prompt_version


@cache
def load_text_calibration() -> TextCalibration | None:
    """The fitted calibration, or None when prompts/evidence/text_calibration.yaml does not exist; its biases
    name the basic emotions the text channel reads with it."""
    if not (prompts_root() / "evidence" / CALIBRATION_FILE).is_file():
        return None
    return parse_text_calibration(load_data_yaml("evidence", CALIBRATION_FILE), f"prompts/evidence/{CALIBRATION_FILE}")


def parse_text_calibration(data: Mapping[str, object], source: str) -> TextCalibration:
    """A calibration from its parsed YAML; ConfigError naming `source` when it is malformed."""
    try:
        cal = TextCalibration.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{source}: not a text calibration: {e}") from e
    if not set(cal.bias) <= set(basic_emotions()) or "neutral" not in cal.bias or len(cal.bias) < 2:
        raise ConfigError(f"{source}: bias must name neutral and other basic emotions of "
                          f"{sorted(basic_emotions())}, names {sorted(cal.bias)}")
    return cal


def calibrated(logprobs: Mapping[str, float], content_free: Mapping[str, float],
               cal: TextCalibration | None) -> dict[str, float]:
    """The reading's distribution: softmax of scale * (log-likelihood - content-free mean) + bias (scale 1 and no
    bias without a fitted calibration)."""
    scale = cal.scale if cal else 1.0
    return softmax({k: scale * (logprobs[k] - content_free[k]) + (cal.bias.get(k, 0.0) if cal else 0.0)
                    for k in logprobs})


def evidence_distribution(emotions: Mapping[str, float]) -> dict[str, float]:
    """The reading as evidence about the speaker: its neutral share spread evenly over all emotions (content-neutral
    words say nothing about how they are said), the other emotions kept (words that express an emotion do argue
    against a neutral speaker)."""
    share = emotions.get("neutral", 0.0) / len(emotions)
    out = {k: (0.0 if k == "neutral" else v) + share for k, v in emotions.items()}
    total = sum(out.values())
    return {k: round(v / total, 4) for k, v in out.items()}


def flatness(emotions: Mapping[str, float]) -> float:
    """Normalised entropy, 0 (one emotion) to 1 (flat)."""
    h = -sum(p * math.log(p) for p in emotions.values() if p > 0)
    return h / math.log(len(emotions)) if len(emotions) > 1 else 1.0


def certainty(emotions: Mapping[str, float]) -> float:
    """1 - flatness: the factor on the text modality's weight, so that an unsure (near-flat) reading weighs
    little in the product instead of adding its small preferences at full weight."""
    return round(max(0.0, 1.0 - flatness(emotions)), 4)
