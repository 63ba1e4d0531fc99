"""Each modality's evidence, computed before the LLM: what its clues say against the reference, and which basic
emotions (the expression classifier's seven classes) they support how strongly, as a distribution (a softmax of
scores) and observations with a category (high/low/usual, ...) that the prompt shows and the reasoning checker
reads. The evidence summary (pipeline/evidence/summary.py) combines them.

- face (pipeline/evidence/face_reading.py): the expression classifier's mean probabilities, partly corrected for the
  reference's (log p - gamma log p_ref), plus the EMFACS prototypes' action units raised above the reference,
  each at the side of the face its prototype reads (a smile on both sides, contempt's lip corner on one; rules in
  prompts/facs/emfacs_prototypes.yaml), and neutral by how little the face departs from its reference.
- prosody: the voice's z-scores against the reference (the features of prompts/evidence/voice_features.yaml:
  pitch, range, loudness, rate, high-frequency energy, harmonicity) compared with each emotion's vocal profile
  (prompts/evidence/vocal_profiles.yaml) as a unit Gaussian: -0.5 |z - profile|^2 over the features that have a
  reference; a learned reading fitted on the Polish words (pipeline/evidence/voice_model.py: the Whisper-encoder
  probe where the clip has a speaker reference with encoder states, else the z-score model) splits the share of
  its classes among them; with voice-onnx, a speech-emotion model's probabilities.
- speech: emotion words said (the emotion wheel's words, not negated), one point each. Neutral wording gives
  no evidence either way. Sentences addressed to a language model (spoken prompt injection, found by the speech
  extractor: `instructions_detected`) are no evidence: their words are skipped, an observation says the
  transcript held such sentences (without repeating them) and the summary's `warnings` quote them.
- text (pipeline/reasoning/text_channel.py, passed in): no evidence when the speaker says the same line in other
  clips of the run (a script line said in several emotions).
- scene: brightness, motion and framing are observations only; the body cues of mediapipe-body (posture, head,
  hands, gaze, restlessness) add weak points from prompts/evidence/scene_cues.yaml, at half weight.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from emer.pipeline.evidence.face_reading import read_face
from emer.pipeline.evidence.injection import in_spans, span_bounds
from emer.pipeline.evidence.references import ClipFeatures, FaceFeatures, Reference, VoiceFeatures, said_again
from emer.pipeline.evidence.voice_features import voice_vocabulary
from emer.pipeline.evidence.voice_model import learned_reading, within_classes
from emer.pipeline.records.clues import EncoderPooling, InstructionSpan
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.evidence import EvidenceConfig, ModalityEvidence, Observation
from emer.pipeline.records.text import negations
from emer.pipeline.records.vocab import basic_emotions, basic_of_wheel_word, load_data_yaml

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


def _readable(name: str, value: float, unit: str) -> tuple[float, str]:
    """A voice feature as the prompt shows it: pitch in Hz (the arithmetic uses semitones re 100 Hz)."""
    return (100 * 2 ** (value / 12), "Hz") if name == "pitch_st" else (value, unit)


def profile_scores(z: Mapping[str, float], profiles: Mapping[str, Mapping[str, float]], scale: float = 1.0
                   ) -> dict[str, float]:
    """Each profiled basic emotion's score for the voice's z-scores: minus half the squared distance to its
    profile (scaled by `scale`) over the measures read; an emotion without a profile gets none (no evidence)."""
    scores = {e: -0.5 * sum((z[f] - scale * prof.get(f, 0.0)) ** 2 for f in z) for e, prof in profiles.items()}
    return {e: scores[e] for e in basic_emotions() if e in scores}


def voice_z_scores(voice: VoiceFeatures, ref: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """The voice features that have a reference, in the reference's spreads (clipped to +-3)."""
    z: dict[str, float] = {}
    for name in voice_vocabulary().names():
        value = getattr(voice, name)
        if value is not None and name in ref:
            level, spread = ref[name]
            z[name] = max(-3.0, min(3.0, (value - level) / spread))
    return z


def _voice_model_scores(z: Mapping[str, float], scores: Mapping[str, float], cfg: EvidenceConfig,
                        encoder: EncoderPooling | None = None, ref_encoder: EncoderPooling | None = None
                        ) -> tuple[dict[str, float], Observation]:
    """The profile scores with a learned reading's split of its own classes (voice_model.within_classes: the
    emotions it does not know keep theirs), and the observation that shows its probabilities."""
    cue, probs, text = learned_reading(z, encoder, ref_encoder, cfg.voice_probe)
    top = max(probs, key=lambda c: probs[c])
    obs = Observation(modality="prosody", cue=cue, category=top, value=probs[top], text=text, supports=[top])
    return within_classes(scores, probs, cfg.voice_model_weight), obs


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
                     cfg: EvidenceConfig, encoder: EncoderPooling | None = None,
                     ref_encoder: EncoderPooling | None = None) -> ModalityEvidence:
    """The voice's z-scores against the reference, matched to the vocal profiles, their split of anger, fear and
    neutral set by a learned reading (with `voice_model_weight`: the Whisper-encoder probe on `encoder` against
    the speaker's `ref_encoder` when both are there, else the z-score model)."""
    z = voice_z_scores(voice, ref)
    observations: list[Observation] = []
    profiles = vocal_profiles()
    for feature in voice_vocabulary().features:
        name, unit, label = feature.name, feature.unit, feature.label
        value = getattr(voice, name)
        if value is None:
            continue
        shown, shown_unit = _readable(name, value, unit)
        if name not in ref:
            observations.append(Observation(
                modality="prosody", cue=feature.cue, category="unreferenced", value=round(value, 2),
                text=f"{label} {shown:.1f} {shown_unit} (no reference for this speaker)"))
            continue
        level, _spread = ref[name]
        shown_level, _ = _readable(name, level, unit)
        category = (feature.up if z[name] >= cfg.z_threshold else feature.down if z[name] <= -cfg.z_threshold
                    else "usual")
        supports = [e for e, prof in profiles.items() if category != "usual"
                    and prof.get(name, 0) * z[name] > 0]
        observations.append(Observation(
            modality="prosody", cue=feature.cue, category=category, value=round(value, 2),
            reference_value=round(level, 2),
            text=f"{label} {category}: {shown:.1f} {shown_unit}, usually {shown_level:.1f} ({z[name]:+.1f} spreads)",
            supports=supports))
    if voice.pitch_slope is not None:
        slope = voice.pitch_slope
        c = voice_vocabulary().contour
        contour = c.up if slope >= c.slope else c.down if slope <= -c.slope else c.level
        observations.append(Observation(
            modality="prosody", cue=c.cue, category=contour, value=round(slope, 2),
            text=f"pitch contour {contour} ({slope:+.1f} semitones/s)"))
    emotions: dict[str, float] = {}
    # A voice read on fewer referenced measures (population norms: rate and range only) counts for less.
    weight = cfg.weights.get("prosody", 1.0) * len(z) / len(voice_vocabulary().features)
    scores: dict[str, float] = {}
    if z:
        scores = profile_scores(z, profiles, cfg.vocal_profile_scale)
        if cfg.voice_model_weight > 0:
            scores, obs = _voice_model_scores(z, scores, cfg, encoder, ref_encoder)
            observations.append(obs)
    if voice.emotion and cfg.voice_classifier_weight > 0:
        scores, obs = _voice_classifier_scores(voice.emotion, scores, cfg)
        observations.append(obs)
        weight = cfg.weights.get("prosody", 1.0) * max(len(z) / len(voice_vocabulary().features), 1.0)
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


def unless_script_line(text: ModalityEvidence, features: ClipFeatures, ref: Reference | None
                        ) -> ModalityEvidence:
    """The text modality, no evidence (weight 0) when the speaker says the same words in other clips of the run
    (references.same_line: allowing for ASR errors): a script line said in several emotions (acted corpora) cannot
    tell them apart, whatever the LLM reads in it."""
    if not said_again(features.line, ref):
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
