"""The learned voice readings: a multinomial logistic regression on the voice's speaker-referenced z-scores
(`voice_model`), and a linear probe on the Whisper encoder states the transcription computed, read against the
speaker's own (`voice_probe`; used where a clip and its speaker reference both have them: it told the Polish
speakers' anger, fear and neutral apart better than the z-scores, leave one speaker out).

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

from emer.pipeline.records.clues import EncoderPooling, Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import load_data_yaml, prompts_root
from emer.pipeline.store.io import sha256_file

# The voice features the model reads, in the order of its weights (pipeline.evidence.references.VoiceFeatures names).
FEATURES = ("pitch_st", "pitch_range_st", "loudness_db", "rate", "alpha_ratio_db", "hnr_db")
MODEL_FILE = "voice_model.yaml"
# The observation cues of the learned readings (learned_reading): the Whisper-encoder probe and the z-score model
LEARNED_VOICE_CUES = ("voice_probe", "voice_model")
PROBE_FILE = "voice_probe.yaml"


class VoiceModel(Record):
    name: str
    version: str
    sha256: str = Field(description="sha256 of prompts/evidence/voice_model.yaml")
    classes: list[str]
    weights: dict[str, dict[str, float]]
    bias: dict[str, float]
    temperature: float = Field(1.0, gt=0, description="the logits are divided by it: fitted on the "
                               "leave-one-speaker-out probabilities, so the model is as sure as it is right on a "
                               "speaker it has not heard")
    training: dict[str, object] = Field(default_factory=dict)

    def predict(self, z: Mapping[str, float]) -> dict[str, float]:
        """Class probabilities for z-scores by feature name; a feature without a reference counts as 0 (at the
        speaker's usual level)."""
        logits = {c: (self.bias[c] + sum(w * z.get(f, 0.0) for f, w in self.weights[c].items())) / self.temperature
                  for c in self.classes}
        return _probabilities(logits)


def _probabilities(logits: Mapping[str, float]) -> dict[str, float]:
    """Softmax of class logits, rounded as the evidence records keep them."""
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
                           temperature=float(data.get("calibration", {}).get("temperature", 1.0)),
                           training=data.get("training", {}))
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"{path}: not a voice model ({e})") from e
    for c in model.classes:
        if c not in model.weights or c not in model.bias or set(model.weights[c]) - set(FEATURES):
            raise ConfigError(f"{path}: class {c!r} needs a bias and weights over {', '.join(FEATURES)}")
    return model


def within_classes(scores: Mapping[str, float], probs: Mapping[str, float], weight: float = 1.0
                   ) -> dict[str, float]:
    """Log-scores over emotions (the vocal profiles') with the share they give the model's classes split anew
    among those classes by the model's probabilities `probs`: the model says which of its classes, not whether
    one of them rather than an emotion it was never fitted on, so the others keep their scores and the classes
    together keep their mass. `weight` (0-1) goes from the profiles' own split (0) to the model's (1), a
    geometric mix; the model reads the same measures as the profiles, so its split replaces theirs instead of
    multiplying it (which would count those measures twice)."""
    known = [c for c in probs if c in scores]
    if not known or weight <= 0:
        return dict(scores)
    w = min(weight, 1.0)

    def logsumexp(values: list[float]) -> float:
        top = max(values)
        return top + math.log(sum(math.exp(v - top) for v in values))

    mass = logsumexp([scores[c] for c in known])
    mixed = {c: (1 - w) * (scores[c] - mass) + w * math.log(max(probs[c], 1e-4)) for c in known}
    norm = logsumexp(list(mixed.values()))
    return {e: (mass + mixed[e] - norm if e in mixed else v) for e, v in scores.items()}


class VoiceProbe(Record):
    """A linear probe on a clip's pooled Whisper encoder states minus its speaker's (prompts/evidence/
    voice_probe.yaml; the standardisation is folded into the weights)."""

    name: str
    version: str
    sha256: str = Field(description="sha256 of prompts/evidence/voice_probe.yaml")
    encoder: str = Field(description="the Whisper model whose encoder states it reads (registry name)")
    encoder_sha256: str | None = None
    parts: list[str] = Field(description="the pooled parts it reads, in order (mean, std)")
    classes: list[str]
    weights: dict[str, list[float]]
    bias: dict[str, float]
    temperature: float = Field(1.0, gt=0)
    training: dict[str, object] = Field(default_factory=dict)

    def reads(self, clip: EncoderPooling | None, speaker: EncoderPooling | None) -> bool:
        """Whether the probe can read this clip: both poolings there, from its encoder."""
        return clip is not None and speaker is not None and clip.model == speaker.model == self.encoder

    def predict(self, clip: EncoderPooling, speaker: EncoderPooling) -> dict[str, float]:
        """Class probabilities for a clip's encoder states against its speaker's."""
        parts = tuple(self.parts)
        x = clip.vector(parts) - speaker.vector(parts)
        logits = {c: (self.bias[c] + float(sum(w * v for w, v in zip(self.weights[c], x, strict=True))))
                  / self.temperature for c in self.classes}
        return _probabilities(logits)


@lru_cache(maxsize=1)
def voice_probe() -> VoiceProbe:
    """The shipped Whisper-encoder probe, checked for shape."""
    data = load_data_yaml("evidence", PROBE_FILE)
    path = prompts_root() / "evidence" / PROBE_FILE
    try:
        probe = VoiceProbe(name=data["name"], version=str(data["version"]), sha256=sha256_file(path),
                           encoder=data["encoder"]["model"], encoder_sha256=data["encoder"].get("sha256"),
                           parts=list(data["encoder"]["parts"]), classes=list(data["classes"]),
                           weights=data["weights"], bias=data["bias"],
                           temperature=float(data.get("calibration", {}).get("temperature", 1.0)),
                           training=data.get("training", {}))
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"{path}: not a voice probe ({e})") from e
    widths = {len(w) for w in probe.weights.values()}
    if set(probe.classes) - set(probe.weights) or set(probe.classes) - set(probe.bias) or len(widths) != 1:
        raise ConfigError(f"{path}: each class needs a bias and weights of one width")
    return probe


def learned_reading(z: Mapping[str, float], encoder: EncoderPooling | None, ref_encoder: EncoderPooling | None,
                    use_probe: bool = True) -> tuple[str, dict[str, float], str]:
    """The learned voice reading of a clip: (cue name, probabilities over its classes, the observation's text).
    The Whisper-encoder probe where the clip and its speaker reference have encoder states (and `use_probe`),
    else the z-score model."""
    probe = voice_probe() if use_probe else None
    if probe is not None and encoder is not None and ref_encoder is not None and probe.reads(encoder, ref_encoder):
        probs = probe.predict(encoder, ref_encoder)
        what = f"voice probe {probe.name} on the Whisper encoder states against the speaker's"
        cue, classes, sha = LEARNED_VOICE_CUES[0], probe.classes, probe.sha256
    else:
        model = voice_model()
        probs = model.predict(z)
        what = f"learned voice model {model.name}"
        cue, classes, sha = LEARNED_VOICE_CUES[1], model.classes, model.sha256
    shown = ", ".join(f"{c} {probs[c]:.2f}" for c in sorted(probs, key=lambda c: -probs[c]))
    return cue, probs, f"{what} ({', '.join(classes)} only; sha256 {sha[:12]}): {shown}"
