"""The learned voice model: a multinomial logistic regression on the voice's speaker-referenced z-scores.

No speech-emotion model ships inside any package on PyPI (see prompts/evidence/voice_model.yaml), so this is a
small linear model fitted by scripts/fit_voice_model.py on data that is not a hidden evaluation source; its
coefficients are data (prompts/evidence/voice_model.yaml), identified by that file's sha256. It reads the same
z-scores as the vocal profiles, so it needs a speaker (or clip) reference and lives in the evidence step, not in
the per-clip prosody extractor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache

from pydantic import Field

from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import load_data_yaml, prompts_root
from emer.pipeline.store.io import sha256_file

# The voice features the model reads, in the order of its weights (pipeline.evidence.references.VoiceFeatures names).
FEATURES = ("pitch_st", "pitch_range_st", "loudness_db", "rate", "alpha_ratio_db", "hnr_db")
MODEL_FILE = "voice_model.yaml"


class VoiceModel(Record):
    name: str
    version: str
    sha256: str = Field(description="sha256 of prompts/evidence/voice_model.yaml")
    classes: list[str]
    weights: dict[str, dict[str, float]]
    bias: dict[str, float]
    training: dict[str, object] = Field(default_factory=dict)

    def predict(self, z: Mapping[str, float]) -> dict[str, float]:
        """Class probabilities for z-scores by feature name; a feature without a reference counts as 0 (at the
        speaker's usual level)."""
        logits = {c: self.bias[c] + sum(w * z.get(f, 0.0) for f, w in self.weights[c].items()) for c in self.classes}
        top = max(logits.values())
        exp = {c: math.exp(v - top) for c, v in logits.items()}
        total = sum(exp.values())
        return {c: round(v / total, 4) for c, v in exp.items()}


@lru_cache(maxsize=1)
def voice_model() -> VoiceModel:
    """The shipped voice model, checked for shape."""
    data = load_data_yaml("evidence", MODEL_FILE)
    path = prompts_root() / "evidence" / MODEL_FILE
    try:
        model = VoiceModel(name=data["name"], version=str(data["version"]), sha256=sha256_file(path),
                           classes=list(data["classes"]), weights=data["weights"], bias=data["bias"],
                           training=data.get("training", {}))
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"{path}: not a voice model ({e})") from e
    for c in model.classes:
        if c not in model.weights or c not in model.bias or set(model.weights[c]) - set(FEATURES):
            raise ConfigError(f"{path}: class {c!r} needs a bias and weights over {', '.join(FEATURES)}")
    return model
