"""The deterministic evidence summary, computed before the LLM: what each modality's clues say, against which
reference, and which emotions they support how strongly.

Each modality's evidence (face, prosody, speech, scene; pipeline/evidence/modalities.py) is a distribution over
the basic emotions with observations; the text channel (what was said read as a whole, in any language, by the
LLM alone: pipeline/reasoning/text_channel.py, instruction sentences cut out before it reads) is built by the
runner and passed in; a transcript the guards mark unreliable (pipeline/evidence/transcript_guard.py) is not read
at all. The modalities form the channels (pipeline/evidence/channels.py), which combine as a weighted product,
each weight the fitted one (prompts/evidence/fusion_weights.yaml) times the reliability on this clip
(pipeline/evidence/reliability.py); the labels are scored on each modality's reading against their profiles over
basic emotions (prompts/evidence/label_emotions.yaml; label_distribution) and combine by the same weighted product
(fused_labels).
Every number is shown with its reference, as observations with a category (high/low/usual, ...), which the
reasoning checker also reads.

The records (EvidenceConfig, Observation, ModalityEvidence, EvidenceSummary) live in pipeline/records/evidence.py
and the modalities' readings in pipeline/evidence/modalities.py; both are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emer.pipeline.evidence.channels import channel_readings, fused_scores, weighted_logs
from emer.pipeline.evidence.modalities import (
    face_evidence,
    injection_warnings,
    prosody_evidence,
    scene_evidence,
    softmax,
    speech_evidence,
    unless_script_line,
)
from emer.pipeline.evidence.references import ClipFeatures, Reference, clip_reference
from emer.pipeline.evidence.reliability import reliabilities
from emer.pipeline.evidence.transcript_guard import speech_warnings
from emer.pipeline.records.clues import InstructionSpan
from emer.pipeline.records.evidence import (
    EvidenceConfig,
    EvidenceSummary,
    ModalityEvidence,
    Observation,
)
from emer.pipeline.records.vocab import LabelSet, basic_emotions, label_emotions, label_weights


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


def label_distribution(emotions: Mapping[str, float], label_set: LabelSet, digits: int | None = 4
                       ) -> dict[str, float]:
    """One reading's scores on the run's labels, normalised over the set (rounded to `digits`): each label's score
    is the largest share of the reading p (folded first: fold_emotions) that is the label's profile q
    (prompts/evidence/label_emotions.yaml, normalised), min_b p_b / q_b: the largest s with p = s q + (1 - s) r.

    For a label that is one basic emotion the score is that emotion's probability, as the weighted mean gave: on
    label sets of single emotions nothing changes. A blended label (boredom: 0.6 neutral, 0.4 sadness) scores 1 on
    a reading equal to its profile and beats its parts where the reading holds more of its profile than of either
    part (sadness between 0.4 and 1.67 times neutral), which a weighted mean never lets it do (the mean of neutral
    and sadness cannot exceed both). Of the scores that do this (grow with p, scale with p, p_b on a single
    emotion, 1 on the profile) it is the smallest, so it credits a blend with the least evidence that is not its
    profile: the fidelity (sum_b sqrt(p_b q_b))^2 or exp(-KL(q || p)) give a blend more on a flat reading (1.98
    and 1.96 times a single emotion's score on a uniform one, against 1.67), which the product over the modalities
    compounds."""
    if label_set.is_open:
        return dict(emotions)
    emotions = fold_emotions(emotions, label_set)
    raw = {}
    for lab in label_set.labels:
        profile = label_weights(lab)
        mass = sum(profile.values()) or 1.0
        raw[lab] = min(max(emotions.get(b, 0.0), 0.0) * mass / w for b, w in profile.items() if w > 0)
    total = sum(raw.values()) or 1.0
    return {lab: v / total if digits is None else round(v / total, digits) for lab, v in raw.items()}


def label_part(m: ModalityEvidence, label_set: LabelSet, scores: Mapping[str, float] | None = None
               ) -> ModalityEvidence:
    """The modality with its reading scored on the labels (`scores`: label_distribution, unrounded; computed here
    when not given) in place of its emotions, for the weighted product: a label with a basic emotion the modality
    does not score is left out (channels.weighted_logs gives it the modality's mean: no evidence either way)."""
    read = set(fold_emotions(m.emotions, label_set))
    scored = {lab for lab in label_set.labels if set(label_weights(lab)) <= read}
    if scores is None:
        scores = label_distribution(m.emotions, label_set, digits=None) if m.emotions else {}
    return m.model_copy(update={"emotions": {k: v for k, v in scores.items() if k in scored}})


def fused_labels(modalities: Sequence[ModalityEvidence], label_set: LabelSet
                 ) -> tuple[dict[str, float], list[dict[str, float] | None]]:
    """The label distribution that decides, and each modality's reading scored on the labels, rounded as its
    `labels` are written (None for a modality without a reading); the modalities are left as they are. Each
    reading is scored once (label_distribution, unrounded) and combined unrounded as the emotions are, by the
    weighted product (label_part, channels.weighted_logs). On single-emotion labels this is the fused emotion
    distribution over the labels' emotions; a blended label is scored on each modality's own reading, at that
    reading's sharpness, not on the product (which a small weight flattens)."""
    scores = [label_distribution(m.emotions, label_set, digits=None) if m.emotions else None for m in modalities]
    parts = [label_part(m, label_set, s) for m, s in zip(modalities, scores, strict=True) if s is not None]
    readings = [None if s is None else {k: round(v, 4) for k, v in s.items()} for s in scores]
    return softmax(weighted_logs(parts, list(label_set.labels))), readings


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
                                           ref.describe("voice") if ref else None, cfg, features.encoder,
                                           ref.encoder if ref else None))
    if text is not None:
        modalities.append(unless_script_line(text, features, ref))
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
    labels, readings = fused_labels(modalities, label_set)
    for m, reading in zip(modalities, readings, strict=True):
        if reading is not None:
            m.labels = reading
    if label_set.is_open:
        labels = dict(emotions)
    informative = any(m.emotions and m.weight > 0 for m in modalities)
    label = max(labels, key=lambda k: labels[k]) if labels and informative else None
    return EvidenceSummary(
        clip_id=clip_id, config=cfg.model_dump(mode="json"), reference_kind=kind,
        speaker=ref.speaker if ref else None, modalities=modalities, channels=channels, emotions=emotions,
        labels=labels, label=label, confidence=labels.get(label) if label else None,
        warnings=speech_warnings(speech) + injection_warnings(instructions),
    )
