"""The deterministic evidence summary, computed before the LLM: what each modality's clues say, against which
reference, and which emotions they support how strongly.

Per modality, a score for each basic emotion (the expression classifier's seven classes), turned into a
distribution by a softmax:
- face (pipeline/evidence/face_reading.py): the expression classifier's mean probabilities, partly corrected for the
  reference's (log p - gamma log p_ref), plus the EMFACS prototypes' action units raised above the reference,
  each at the side of the face its prototype reads (a smile on both sides, contempt's lip corner on one; rules in
  prompts/facs/emfacs_prototypes.yaml), and neutral by how little the face departs from its reference.
- prosody: the voice's z-scores against the reference (pitch, range, loudness, rate, high-frequency energy,
  harmonicity) compared with each emotion's vocal profile (prompts/evidence/vocal_profiles.yaml) as a unit
  Gaussian: -0.5 |z - profile|^2 over the features that have a reference; plus the learned voice model fitted on
  the Polish words (pipeline/evidence/voice_model.py) and, with voice-onnx, a speech-emotion model's probabilities.
- speech: emotion words said (the emotion wheel's words, not negated), one point each. Neutral wording gives
  no evidence either way. Sentences addressed to a language model (spoken prompt injection, found by the speech
  extractor: `instructions_detected`) are no evidence: their words are skipped, an observation says the
  transcript held such sentences (without repeating them) and the summary's `warnings` quote them; a
  transcript the guards mark unreliable (pipeline/evidence/transcript_guard.py) is not read at all.
- text: what was said read as a whole, in any language, by the LLM alone (pipeline/reasoning/text_channel.py),
  built by the runner and passed in; instruction sentences are cut out before the LLM reads it.
- scene: brightness, motion and framing are observations only; the body cues of mediapipe-body (posture, head,
  hands, gaze, restlessness) add weak points from prompts/evidence/scene_cues.yaml, at half weight.
The modalities form the channels (pipeline/evidence/channels.py), which combine as a weighted product, each weight the
fitted one (prompts/evidence/fusion_weights.yaml) times the reliability on this clip (pipeline/evidence/reliability.py);
labels spread over basic emotions through prompts/evidence/label_emotions.yaml. Every number is shown with its
reference, as observations with a category (high/low/usual, ...), which the reasoning checker also reads.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import Field

from emer.pipeline.evidence.channels import channel_readings, fused_scores, weighted_logs
from emer.pipeline.evidence.face_reading import read_face
from emer.pipeline.evidence.injection import in_spans, span_bounds
from emer.pipeline.evidence.references import ClipFeatures, FaceFeatures, Reference, VoiceFeatures, clip_reference
from emer.pipeline.evidence.reliability import reliabilities
from emer.pipeline.evidence.transcript_guard import speech_warnings
from emer.pipeline.evidence.voice_model import voice_model
from emer.pipeline.records.channel import ChannelReading
from emer.pipeline.records.clues import ClueKind, InstructionSpan, Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.text import negations
from emer.pipeline.records.vocab import (
    LabelSet,
    basic_emotions,
    basic_of_wheel_word,
    label_emotions,
    label_weights,
    load_data_yaml,
)

EVIDENCE_SCHEMA_VERSION = "1.1"  # 1.1: channels
EVIDENCE_VERSION = "1.4.0"  # 1.1: sentences addressed to a model are no evidence; 1.2: text, fitted weights;
# 1.3: contempt (one-sided face), prototype sides and marks, neutral by departure, fitted voice model on, voice-onnx;
# 1.4: channels (one reading per channel, shared by fusion and explanation), transcript guards

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
    voice_model_weight: float = Field(1.0, ge=0, description="weight of the learned voice model "
                                      "(prompts/evidence/voice_model.yaml, fitted on the Polish words) beside the "
                                      "vocal profiles in the prosody score (0: vocal profiles only); it tells anger, "
                                      "fear and neutral apart where the profiles read every aroused voice as fear")


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
    labels: dict[str, float] = Field(default_factory=dict, description="the same over the run's labels")
    observations: list[Observation] = Field(default_factory=list)


class EvidenceSummary(Record):
    """OUT/<clip>/evidence.json."""

    record: Literal["evidence"] = "evidence"
    schema_version: Literal["1.1"] = EVIDENCE_SCHEMA_VERSION
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


# --- data -------------------------------------------------------------------------------------------


def vocal_profiles() -> dict[str, dict[str, float]]:
    return dict(load_data_yaml("evidence", "vocal_profiles.yaml")["profiles"])


# --- scoring ----------------------------------------------------------------------------------------


def softmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Log-scores to a distribution (rounded to 4 places)."""
    top = max(scores.values())
    exp = {k: math.exp(v - top) for k, v in scores.items()}
    total = sum(exp.values())
    return {k: round(v / total, 4) for k, v in exp.items()}


def face_evidence(face: FaceFeatures, ref: FaceFeatures | None, ref_text: str | None, cfg: EvidenceConfig,
                  reference_is_calm: bool) -> ModalityEvidence:
    """Expression probabilities and prototype AUs against the reference face (pipeline/evidence/face_reading.py)."""
    scores, cues = read_face(face, ref, cfg, reference_is_calm)
    observations = [Observation(modality="face", cue=c.cue, category=c.category, value=c.value,
                                reference_value=c.reference_value, text=c.text, supports=c.supports) for c in cues]
    return ModalityEvidence(modality="face", reference=ref_text, weight=cfg.weights.get("face", 1.0),
                            emotions=softmax(scores), observations=observations)


_VOICE_WORDS = {
    "pitch_st": ("pitch", "high", "low", "pitch", "semitones"),
    "pitch_range_st": ("pitch_range", "wide", "narrow", "pitch range", "semitones"),
    "loudness_db": ("loudness", "loud", "soft", "loudness", "dB"),
    "rate": ("rate", "fast", "slow", "speech rate", "syllables/s"),
    "alpha_ratio_db": ("voice_quality", "tense", "lax", "high-frequency energy (alpha ratio)", "dB"),
    "hnr_db": ("voice_clarity", "clear", "rough", "harmonics-to-noise ratio", "dB"),
}


def _readable(name: str, value: float, unit: str) -> tuple[float, str]:
    """A voice feature as the prompt shows it: pitch in Hz (the arithmetic uses semitones re 100 Hz)."""
    return (100 * 2 ** (value / 12), "Hz") if name == "pitch_st" else (value, unit)


def voice_z_scores(voice: VoiceFeatures, ref: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """The voice features that have a reference, in the reference's spreads (clipped to +-3)."""
    z: dict[str, float] = {}
    for name in _VOICE_WORDS:
        value = getattr(voice, name)
        if value is not None and name in ref:
            level, spread = ref[name]
            z[name] = max(-3.0, min(3.0, (value - level) / spread))
    return z


def _voice_model_scores(z: Mapping[str, float], cfg: EvidenceConfig) -> tuple[dict[str, float], Observation]:
    """The learned voice model's log-probabilities, centred over its classes and weighted (emotions it does not
    know get nothing), and the observation that shows them."""
    model = voice_model()
    probs = model.predict(z)
    logs = {c: math.log(max(p, 1e-4)) for c, p in probs.items()}
    mean = sum(logs.values()) / len(logs)
    top = max(probs, key=lambda c: probs[c])
    shown = ", ".join(f"{c} {probs[c]:.2f}" for c in sorted(probs, key=lambda c: -probs[c]))
    obs = Observation(modality="prosody", cue="voice_model", category=top, value=probs[top],
                      text=f"learned voice model {model.name} ({', '.join(model.classes)} only; "
                      f"sha256 {model.sha256[:12]}): {shown}", supports=[top])
    return {c: cfg.voice_model_weight * (v - mean) for c, v in logs.items()}, obs


def _voice_classifier_scores(probs: Mapping[str, float], scores: Mapping[str, float], cfg: EvidenceConfig
                             ) -> tuple[dict[str, float], Observation]:
    """The speech-emotion model's log-probabilities (voice-onnx) added to the profile scores, over the emotions
    the model knows (the profiles' others keep no score from it), and the observation that shows them."""
    eps = 0.02
    known = [e for e in basic_emotions() if e in probs]
    out = {e: scores.get(e, 0.0) + cfg.voice_classifier_weight * math.log(probs[e] + eps) for e in known}
    top = max(known, key=lambda e: probs[e])
    shown = ", ".join(f"{e} {probs[e]:.2f}" for e in sorted(known, key=lambda e: -probs[e])[:3])
    return out, Observation(modality="prosody", cue="voice_classifier", category=top, value=round(probs[top], 4),
                            text=f"speech-emotion model {shown}; most likely: {top}", supports=[top])


def prosody_evidence(voice: VoiceFeatures, ref: Mapping[str, tuple[float, float]], ref_text: str | None,
                     cfg: EvidenceConfig) -> ModalityEvidence:
    """The voice's z-scores against the reference, matched to the vocal profiles, plus (with
    `voice_model_weight`) the learned voice model's log-probabilities."""
    z = voice_z_scores(voice, ref)
    observations: list[Observation] = []
    profiles = vocal_profiles()
    for name, (cue, hi, lo, label, unit) in _VOICE_WORDS.items():
        value = getattr(voice, name)
        if value is None:
            continue
        shown, shown_unit = _readable(name, value, unit)
        if name not in ref:
            observations.append(Observation(
                modality="prosody", cue=cue, category="unreferenced", value=round(value, 2),
                text=f"{label} {shown:.1f} {shown_unit} (no reference for this speaker)"))
            continue
        level, _spread = ref[name]
        shown_level, _ = _readable(name, level, unit)
        category = hi if z[name] >= cfg.z_threshold else lo if z[name] <= -cfg.z_threshold else "usual"
        supports = [e for e, prof in profiles.items() if category != "usual"
                    and prof.get(name, 0) * z[name] > 0]
        observations.append(Observation(
            modality="prosody", cue=cue, category=category, value=round(value, 2), reference_value=round(level, 2),
            text=f"{label} {category}: {shown:.1f} {shown_unit}, usually {shown_level:.1f} ({z[name]:+.1f} spreads)",
            supports=supports))
    if voice.pitch_slope is not None:
        slope = voice.pitch_slope
        contour = "rising" if slope >= 3 else "falling" if slope <= -3 else "flat"
        observations.append(Observation(
            modality="prosody", cue="pitch_contour", category=contour, value=round(slope, 2),
            text=f"pitch contour {contour} ({slope:+.1f} semitones/s)"))
    emotions: dict[str, float] = {}
    # A voice read on fewer referenced measures (population norms: rate and range only) counts for less.
    weight = cfg.weights.get("prosody", 1.0) * len(z) / len(_VOICE_WORDS)
    scores: dict[str, float] = {}
    if z:
        k = cfg.vocal_profile_scale
        scores = {e: -0.5 * sum((z[f] - k * prof.get(f, 0.0)) ** 2 for f in z) for e, prof in profiles.items()}
        scores = {e: scores[e] for e in basic_emotions() if e in scores}  # unprofiled: no evidence
        if cfg.voice_model_weight > 0:
            learned, obs = _voice_model_scores(z, cfg)
            scores = {e: v + learned.get(e, 0.0) for e, v in scores.items()}
            observations.append(obs)
    if voice.emotion and cfg.voice_classifier_weight > 0:
        scores, obs = _voice_classifier_scores(voice.emotion, scores, cfg)
        observations.append(obs)
        weight = cfg.weights.get("prosody", 1.0) * max(len(z) / len(_VOICE_WORDS), 1.0)
    if scores:
        emotions = softmax(scores)
    return ModalityEvidence(modality="prosody", reference=ref_text, weight=round(weight, 3), emotions=emotions,
                            observations=observations)


def speech_evidence(text: str, cfg: EvidenceConfig, instructions: Sequence[InstructionSpan] = ()
                    ) -> ModalityEvidence:
    """Emotion words in what was said (not negated within the three words before), leaving out the sentences
    addressed to a language model (`instructions`: the speech clue's instruction spans)."""
    skip = span_bounds(instructions)
    matches = [m for m in re.finditer(r"[a-zA-Z']+", text) if not in_spans(m.start(), skip)]
    tokens = [m.group(0).lower() for m in matches]
    hits: list[tuple[str, str]] = []
    for i, tok in enumerate(tokens):
        basic = basic_of_wheel_word(tok) if len(tok) > 2 else None
        if basic and basic != "neutral" and not negations() & set(tokens[max(0, i - 3): i]):
            hits.append((tok, basic))
    emotions: dict[str, float] = {}
    if hits:
        scores = dict.fromkeys(basic_emotions(), 0.0)
        for _, basic in hits:
            scores[basic] += 1.0
        emotions = softmax(scores)
        words = ", ".join(f"'{w}' ({b})" for w, b in hits)
        obs = Observation(modality="speech", cue="words", category=hits[0][1], text=f"emotion words said: {words}",
                          supports=sorted({b for _, b in hits}))
    else:
        obs = Observation(modality="speech", cue="words", category="none",
                          text="no emotion words in what was said (the wording itself is neutral)")
    observations = [obs]
    if skip:
        n = len(skip)
        observations.append(Observation(
            modality="speech", cue="instructions", category="detected", value=float(n),
            text=f"{n} sentence{'s' if n > 1 else ''} of the transcript addressed an AI model (an attempt to "
            "instruct it); removed and not evidence"))
    return ModalityEvidence(modality="speech", weight=cfg.weights.get("speech", 1.0), emotions=emotions,
                            observations=observations)


def _unless_script_line(text: ModalityEvidence, features: ClipFeatures, ref: Reference | None
                        ) -> ModalityEvidence:
    """The text modality, no evidence (weight 0) when the speaker says the same words in other clips of the run:
    a script line said in several emotions (acted corpora) cannot tell them apart, whatever the LLM reads in it."""
    if ref is None or not features.line or features.line not in ref.repeated_lines:
        return text
    note = Observation(modality="speech", cue="script_line", category="repeated",
                       text="the speaker says these same words in other clips of this run (a script line said in "
                       "several emotions): what they express is not evidence for this clip")
    return text.model_copy(update={"weight": 0.0, "observations": [*text.observations, note]})


def injection_warnings(instructions: Sequence[InstructionSpan]) -> list[str]:
    """One warning per transcript sentence addressed to a language model, quoting it."""
    return [f"the transcript addresses an AI model (not read as evidence, removed from the prompt): "
            f"{json.dumps(s.text, ensure_ascii=False)}" for s in instructions]


def scene_evidence(data: Any, cfg: EvidenceConfig | None = None) -> ModalityEvidence:
    """Scene observations: the caption (mediapipe-body), brightness, motion and framing (no emotion scores);
    with mediapipe-body's `body` also posture, head, hand cues, gestures, hand motion, gaze and restlessness,
    which add the weak points of prompts/evidence/scene_cues.yaml (this project's judgement) to the emotions
    they name."""
    brightness = "dark" if data.brightness < 0.25 else "bright" if data.brightness > 0.7 else "medium"
    motion = "still" if data.motion_energy < 0.01 else "moving" if data.motion_energy > 0.04 else "little movement"
    caption = getattr(data, "caption", None)
    obs = [Observation(modality="scene", cue="caption", category="caption", text=caption)] if caption else []
    obs += [
        Observation(modality="scene", cue="brightness", category=brightness, value=round(data.brightness, 3),
                    text=f"{brightness} image (mean luma {data.brightness:.2f})"),
        Observation(modality="scene", cue="motion", category=motion, value=round(data.motion_energy, 4),
                    text=f"{motion} (motion energy {data.motion_energy:.3f})"),
    ]
    if data.shot_scale:
        obs.append(Observation(modality="scene", cue="framing", category=data.shot_scale,
                               text=f"{data.shot_scale}, {data.faces} face(s)"))
    body = getattr(data, "body", None)
    if body is None:
        return ModalityEvidence(modality="scene", weight=0.0, observations=obs)
    table = load_data_yaml("evidence", "scene_cues.yaml")
    points = table["cues"]
    scores = dict.fromkeys(basic_emotions(), 0.0)
    evidence = False

    def cue(name: str, category: str, text: str, pts: Mapping[str, float] | None, value: float | None = None):
        nonlocal evidence
        obs.append(Observation(modality="scene", cue=name, category=category, value=value, text=text))
        for emotion, p in (pts or {}).items():
            if emotion not in scores:
                raise ConfigError(f"prompts/evidence/scene_cues.yaml: cue {name!r} names {emotion!r}, not one of "
                                  f"the basic emotions {', '.join(scores)}")
            scores[emotion] += float(p)
            evidence = True

    obs.append(Observation(modality="scene", cue="people", category=str(body.people), value=float(body.people),
                           text=f"{body.people} person(s) in view"))
    if body.posture:
        cue("posture", body.posture, f"{body.posture} posture (neck ratio {body.neck_ratio})",
            points["posture"].get(body.posture), body.neck_ratio)
    if body.head:
        cue("head", body.head, f"head {body.head} (pitch {body.head_pitch_deg:+.0f} degrees)",
            points["head"].get(body.head), body.head_pitch_deg)
    for name, share in body.hand_cues.items():
        if share >= table["min_share"]:
            cue(name, "seen", f"{name.replace('_', ' ')} in {share:.0%} of the frames", points.get(name), share)
    for gesture in body.gestures:
        if gesture not in body.hand_cues:
            cue(gesture, "seen", gesture, points.get(gesture))
    if body.hand_motion_level:
        cue("hand_motion", body.hand_motion_level, f"hands {body.hand_motion_level} "
            f"({body.hand_motion:.2f} shoulder widths/s)", points["hand_motion"].get(body.hand_motion_level),
            body.hand_motion)
    if body.gaze_shifts_per_s is not None:
        if body.gaze_averted_share is not None and body.gaze_averted_share > table["gaze_averted_share"]:
            cue("gaze", "averted", f"gaze turned away in {body.gaze_averted_share:.0%} of the face frames",
                points["gaze"]["averted"], body.gaze_averted_share)
        elif body.gaze_shifts_per_s >= table["gaze_shifting_per_s"]:
            cue("gaze", "shifting", f"gaze shifts {body.gaze_shifts_per_s:.1f} times per second",
                points["gaze"]["shifting"], body.gaze_shifts_per_s)
        else:
            cue("gaze", "steady", f"steady gaze ({body.gaze_shifts_per_s:.1f} shifts per second)", None,
                body.gaze_shifts_per_s)
    if body.restless:
        cue("restless", "restless", f"restless: keypoints jitter ({body.jitter:.3f} shoulder widths per frame)",
            points["restless"], body.jitter)
    weight = (cfg.weights.get("scene", table["weight"]) if cfg else table["weight"]) if evidence else 0.0
    return ModalityEvidence(modality="scene", weight=weight, emotions=softmax(scores) if evidence else {},
                            observations=obs)


def combine(modalities: Sequence[ModalityEvidence], basic: Sequence[str] | None = None) -> dict[str, float]:
    """Weighted product of the modalities' distributions over basic emotions (uniform when none has any; the
    missing-emotion rule of channels.weighted_logs). `basic`: the emotions to score (default: all basic emotions)."""
    return softmax(weighted_logs(modalities, list(basic) if basic is not None else basic_emotions()))


def fold_emotions(emotions: Mapping[str, float], label_set: LabelSet) -> dict[str, float]:
    """The distribution with each basic emotion no label of the set stands for added to the one
    prompts/evidence/label_emotions.yaml `fold` names (contempt to disgust where the labels have no contempt);
    unchanged for an open label set."""
    out = dict(emotions)
    if label_set.is_open:
        return out
    covered = {b for lab in label_set.labels for b in label_weights(lab)}
    for b, target in label_emotions().get("fold", {}).items():
        if b not in covered and b in out:
            out[target] = round(out.get(target, 0.0) + out.pop(b), 4)
    return out


def label_distribution(emotions: Mapping[str, float], label_set: LabelSet) -> dict[str, float]:
    """The basic-emotion distribution spread onto the run's labels (normalised over the set), folded first
    (fold_emotions)."""
    if label_set.is_open:
        return dict(emotions)
    emotions = fold_emotions(emotions, label_set)
    raw = {lab: sum(w * emotions.get(b, 0.0) for b, w in label_weights(lab).items()) for lab in label_set.labels}
    total = sum(raw.values()) or 1.0
    return {lab: round(v / total, 4) for lab, v in raw.items()}


def build_evidence(clip_id: str, features: ClipFeatures, clues: Mapping[str, Any], label_set: LabelSet,
                   reference: Reference | None, cfg: EvidenceConfig, text: ModalityEvidence | None = None
                   ) -> EvidenceSummary:
    """The evidence summary of one clip. `clues` maps kind -> clue; `reference` is the speaker's (or None, and
    then the clip's own calm frames and population norms are used when `cfg.relative`); `text` the text
    channel's modality (pipeline/reasoning/text_channel.py), if it ran."""
    if not cfg.relative:
        ref, kind = None, "none"
    else:
        ref = reference or clip_reference(features)
        kind = ref.kind
    modalities: list[ModalityEvidence] = []
    if features.face is not None:
        modalities.append(face_evidence(features.face, ref.face if ref else None,
                                        ref.describe("face") if ref else None, cfg,
                                        reference_is_calm=bool(ref and ref.kind == "clip")))
    speech = clues.get("speech")
    instructions: list[InstructionSpan] = []
    trusted = speech is not None and speech.status == "ok" and speech.data is not None and speech.data.reliable
    if trusted:
        instructions = speech.data.instructions_detected
        modalities.append(speech_evidence(speech.data.text, cfg, instructions))
    if features.voice is not None and speech is not None and speech.status == "no_signal":
        modalities.append(ModalityEvidence(
            modality="prosody", weight=cfg.weights.get("prosody", 1.0), observations=[Observation(
                modality="prosody", cue="speech", category="none",
                text="no speech was found, so the voice measures (of noise or music) are not read")]))
    elif features.voice is not None:
        modalities.append(prosody_evidence(features.voice, ref.voice if ref else {},
                                           ref.describe("voice") if ref else None, cfg))
    if text is not None:
        modalities.append(_unless_script_line(text, features, ref))
    if cfg.reliability:
        trust = reliabilities(clues)
        for m in modalities:
            if m.modality in trust and m.modality != "text":  # the text channel applies its own
                m.reliability = trust[m.modality]
                m.weight = round(m.weight * m.reliability, 4)
    scene = clues.get("scene")
    if scene is not None and scene.status == "ok" and scene.data is not None:
        modalities.append(scene_evidence(scene.data, cfg))
    for m in modalities:  # before the product: an emotion the labels lack must not collect the others' mean
        if m.emotions:
            m.emotions = fold_emotions(m.emotions, label_set)
    basic = list(fold_emotions(dict.fromkeys(basic_emotions(), 0.0), label_set))
    channels = channel_readings(modalities, clues, kind, basic)
    emotions = softmax(fused_scores(channels, basic))  # the same product as combine(modalities, basic)
    labels = label_distribution(emotions, label_set)
    for m in modalities:
        if m.emotions:
            m.labels = label_distribution(m.emotions, label_set)
    informative = any(m.emotions and m.weight > 0 for m in modalities)
    label = max(labels, key=lambda k: labels[k]) if labels and informative else None
    return EvidenceSummary(
        clip_id=clip_id, config=cfg.model_dump(mode="json"), reference_kind=kind,
        speaker=ref.speaker if ref else None, modalities=modalities, channels=channels, emotions=emotions,
        labels=labels, label=label, confidence=labels.get(label) if label else None,
        warnings=speech_warnings(speech) + injection_warnings(instructions),
    )
