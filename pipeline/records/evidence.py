"""The evidence summary's records: its config (the run config's `evidence:`), one observation (a clue read against
its reference), one modality's evidence and the summary (OUT/<clip>/evidence.json). Computed by
pipeline/evidence/summary.py from the modalities' readings (pipeline/evidence/modalities.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from emer.pipeline.records.channel import ChannelReading
from emer.pipeline.records.clues import ClueKind, Record
from emer.pipeline.records.vocab import load_data_yaml

EVIDENCE_SCHEMA_VERSION = "1.3"  # 1.3: channel status absent (the recording has no such stream); 1.2: a voice
# with no speech in it is a missing channel; 1.1: channels
EVIDENCE_VERSION = "1.9.0"  # 1.1: sentences addressed to a model are no evidence; 1.2: text, fitted weights;
# 1.3: contempt (one-sided face), prototype sides and marks, neutral by departure, fitted voice model on, voice-onnx;
# 1.4: channels (one reading per channel, shared by fusion and explanation), transcript guards;
# 1.5: the voice model splits its classes' share instead of multiplying in; the Whisper-encoder voice probe;
# 1.6: the neutral vocal profile is fitted below the speaker's median (scripts/fit_vocal_profiles.py);
# 1.7: labels are scored on each modality's reading by the share of it that is their profile (a blended label
# can win: EmoDB's boredom), then combined by the weighted product;
# 1.8: the voice channel where no speech was found is `missing` (with its note), not an empty `ok` reading
# 1.9: a channel the recording has no stream for is `absent`; a script line's words show no reading (conveys none);
# the pitch contour's cue carries its readings (signs); the emotion words said are kept as said (furious, not fury);
# the learned voice reading is a voice cue of its own (named, like the face classifier's)

EvidenceModality = Literal["face", "speech", "prosody", "scene", "text"]


def fusion_weights() -> dict[str, Any]:
    """prompts/evidence/fusion_weights.yaml: the fitted modality weights and LLM exponent (scripts/fit_fusion.py)."""
    return load_data_yaml("evidence", "fusion_weights.yaml")


def _default_weights() -> dict[str, float]:
    return {k: float(v) for k, v in fusion_weights()["weights"].items()}


class EvidenceConfig(Record):
    """How the evidence summary reads the clues. Part of the run config (`evidence:`)."""

    speakers: str = Field("auto", description="auto (dataset file-name conventions), none, a CSV file "
                          "(clip_id,speaker) or a regular expression with a group (?P<speaker>...)")
    min_speaker_clips: int = Field(3, ge=2, description="a speaker reference needs at least this many clips")
    relative: bool = Field(True, description="read clues against a reference (speaker or the clip's calm); "
                           "False: absolute values only (for ablations)")
    weights: dict[str, float] = Field(default_factory=_default_weights, description="modality weights in the "
                                      "combined evidence (default: fitted, prompts/evidence/fusion_weights.yaml)")
    reliability: bool = Field(True, description="multiply each modality's weight by its reliability on the clip")
    text: Literal["auto", "on", "off"] = Field(
        "auto", description="the text channel, the LLM reading the transcript alone: auto = when the run "
        "reasons (the LLM is loaded anyway), on = also without reasoning, off")
    expression_weight: float = Field(1.0, ge=0, description="weight of the expression classifier in the face "
                                     "score (0: action units only)")
    expression_prior_correction: float = Field(0.5, ge=0, le=1, description="gamma in log p - gamma log p_ref")
    au_gain: float = Field(4.0, ge=0, description="score per unit of prototype AU raised above the reference")
    au_change: float = Field(0.15, gt=0, description="an AU moved at least this far from the reference is "
                             "raised or lowered")
    vocal_profile_scale: float = Field(1.0, gt=0, description="size of the vocal profiles' deviations, in the "
                                       "reference's spreads")
    z_threshold: float = Field(1.0, gt=0, description="a voice feature this many spreads from the reference "
                               "is high or low")
    voice_classifier_weight: float = Field(1.0, ge=0, description="weight of a speech-emotion model's "
                                           "log-probabilities (voice-onnx) in the prosody score")
    voice_model_weight: float = Field(1.0, ge=0, le=1, description="how far the learned voice model "
                                      "(prompts/evidence/voice_model.yaml, fitted on the Polish words) splits the "
                                      "vocal profiles' share of its own classes (anger, fear, neutral) among them "
                                      "(0: the profiles' split, 1: the model's); other emotions keep the profiles' "
                                      "scores")
    voice_probe: bool = Field(True, description="where the clip and its speaker reference have the speech clue's "
                              "pooled Whisper encoder states, the split comes from the probe on them "
                              "(prompts/evidence/voice_probe.yaml) instead of the z-score model")


class Observation(Record):
    """One clue read against its reference: the unit the prompt shows and the checker verifies."""

    modality: ClueKind
    cue: str = Field(description="expression, AU12, pitch, pitch_range, pitch_contour, loudness, rate, "
                     "voice_quality, words, brightness, motion, framing")
    category: str = Field(description="high/low/usual, raised/lowered/usual, rising/falling/flat, wide/narrow, "
                          "fast/slow, loud/soft, tense/lax, an emotion (expression, words), none, unreferenced")
    value: float | None = None
    reference_value: float | None = None
    text: str
    supports: list[str] = Field(default_factory=list, description="basic emotions this observation points to")


class ModalityEvidence(Record):
    modality: EvidenceModality
    reference: str | None = Field(None, description="what the clues were read against")
    weight: float = Field(description="the modality's weight in the combination: fitted weight x reliability")
    reliability: float = Field(1.0, description="how far the clue can be trusted on this clip, 0-1")
    emotions: dict[str, float] = Field(default_factory=dict, description="distribution over basic emotions; "
                                       "empty when the modality gives no evidence")
    labels: dict[str, float] = Field(default_factory=dict, description="the reading scored on the run's labels: "
                                     "each label's share of it that is the label's profile, normalised")
    observations: list[Observation] = Field(default_factory=list)


class EvidenceSummary(Record):
    """OUT/<clip>/evidence.json."""

    record: Literal["evidence"] = "evidence"
    schema_version: Literal["1.3"] = EVIDENCE_SCHEMA_VERSION
    version: str = EVIDENCE_VERSION
    clip_id: str
    config: dict[str, Any]
    reference_kind: Literal["speaker", "clip", "none"]
    speaker: str | None = None
    modalities: list[ModalityEvidence]
    channels: list[ChannelReading] = Field(default_factory=list, description="face, voice, words, body: one "
                                           "reading each, what the fusion combined and the explanation describes")
    emotions: dict[str, float] = Field(description="combined distribution over basic emotions")
    labels: dict[str, float] = Field(description="combined distribution over the run's labels")
    label: str | None = Field(description="the evidence's own decision")
    confidence: float | None
    warnings: list[str] = Field(default_factory=list, description="what in the input was not taken as evidence "
                                "and why (sentences of the transcript addressed to a language model)")

    def observations(self) -> list[Observation]:
        return [o for m in self.modalities for o in m.observations]

    def modality(self, kind: str) -> ModalityEvidence | None:
        return next((m for m in self.modalities if m.modality == kind), None)
