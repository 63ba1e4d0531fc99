"""The face's reading in the evidence summary (pipeline/evidence/summary.py): the expression classifier's probabilities,
partly corrected for the reference's, plus the EMFACS prototypes' action units raised above the reference, each at
the side of the face its prototype reads (prompts/facs/emfacs_prototypes.yaml), and neutral by how little the face
departs from its reference."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from emer.pipeline.evidence.facs import Prototype, load_au_table, load_prototypes, neutral_rule
from emer.pipeline.evidence.references import FaceFeatures
from emer.pipeline.records.vocab import basic_emotions, canonical_label


class FaceSettings(Protocol):
    """The evidence config's face settings (pipeline.evidence.summary.EvidenceConfig)."""

    expression_weight: float
    expression_prior_correction: float
    au_gain: float
    au_change: float


@dataclass
class FaceCue:
    """One face observation (pipeline.evidence.summary.Observation's fields, modality face)."""

    cue: str
    category: str
    text: str
    value: float | None = None
    reference_value: float | None = None
    supports: list[str] = field(default_factory=list)


def _canonical_probs(probs: Mapping[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, p in probs.items():
        out[canonical_label(name)] = out.get(canonical_label(name), 0.0) + p
    return out


def _au_names() -> dict[str, str]:
    """Names of the AUs that count as facial activity (blinks do not)."""
    return load_au_table().activity_names()


def read_face(face: FaceFeatures, ref: FaceFeatures | None, cfg: FaceSettings, reference_is_calm: bool
              ) -> tuple[dict[str, float], list[FaceCue]]:
    """Log-scores per basic emotion and the observations that show them, from the expression probabilities and
    the prototype AUs against the reference face (prompts/facs/emfacs_prototypes.yaml): each prototype scores its
    AUs' raise above the reference at the side it reads (a smile on both sides, contempt's lip corner on one),
    less the raise of the AUs that mark another emotion; neutral scores by how far the strongest prototype stays
    below `departure` (negative beyond it: a face that moved is not neutral, whatever the classifier's neutral
    says). The classifier's probability of a class a prototype borrows (contempt: happy) is split by that
    prototype's one-sided share."""
    basic = basic_emotions()
    scores = dict.fromkeys(basic, 0.0)
    observations: list[FaceCue] = []
    eps = 0.02
    names = _au_names()
    prototypes = [p for p in load_prototypes() if p.emotion in basic]
    ref_levels = (ref.au_mean if reference_is_calm else ref.au_peak) if ref is not None else {}
    ref_asym = (ref.asym_mean if reference_is_calm else ref.asym_peak) if ref is not None else {}
    if reference_is_calm:  # a one-sided look held through the clip is in its calm frames too
        ref_asym = {a: min(v, neutral_rule().rest_asymmetry) for a, v in ref_asym.items()}
    departed = 0.0  # how far the face departs from its reference: the classifier's rise, a prototype's raise
    if face.expression:
        p = _split_expression(_canonical_probs(face.expression), face, prototypes)
        p_ref = (_split_expression(_canonical_probs(ref.expression), ref, prototypes)
                 if ref and ref.expression else None)
        gamma = cfg.expression_prior_correction if p_ref else 0.0
        if p_ref:
            departed = max(p.get(e, 0.0) - p_ref.get(e, 0.0) for e in basic if e != "neutral")
        rel = {e: math.log(p.get(e, 0) + eps) - gamma * math.log((p_ref or {}).get(e, 0) + eps) for e in basic}
        for e in basic:
            scores[e] += cfg.expression_weight * rel[e]
        top = max(rel, key=lambda e: rel[e])
        parts = []
        for e in sorted(p, key=lambda e: -p[e])[:3]:
            usual = f" (usually {p_ref.get(e, 0):.2f})" if p_ref else ""
            parts.append(f"{e} {p[e]:.2f}{usual}")
        lead = (f"most above its usual level: {top}" if p_ref else f"most likely: {top}")
        observations.append(FaceCue(
            cue="expression", category=top, value=round(p.get(top, 0), 4),
            reference_value=round(p_ref.get(top, 0), 4) if p_ref else None,
            text=f"expression classifier {', '.join(parts)}; {lead}", supports=[top]))
    delta = {au: v - ref_levels.get(au, 0.0) for au, v in face.au_peak.items() if au in names}
    for proto in prototypes:
        own = proto.levels({a: v for a, v in face.au_peak.items() if a in names}, face.asym_peak)
        base = proto.levels(ref_levels, ref_asym)
        score = proto.score({a: v - base.get(a, 0.0) for a, v in own.items()}, delta)
        scores[proto.emotion] += cfg.au_gain * score
        departed = max(departed, score)
    if "neutral" in scores:  # for as far as the face stays below `departure`, against it beyond
        scores["neutral"] += cfg.au_gain * (neutral_rule().departure - departed)
    proto_of: dict[str, list[str]] = {}
    one_sided_of: dict[str, list[str]] = {}
    for proto in prototypes:
        for a in proto.aus:
            (one_sided_of if proto.side == "one" else proto_of).setdefault(a, []).append(proto.emotion)
    for au, emotions in one_sided_of.items():  # first: the cut at 7 keeps them
        asym, usual = face.asym_peak.get(au, 0.0), ref_asym.get(au, 0.0)
        if asym - usual >= cfg.au_change:
            observations.append(FaceCue(
                cue=au, category="one-sided", value=round(asym, 3),
                reference_value=round(usual, 3) if ref is not None else None,
                text=f"{au} {names.get(au, au)} on one side of the face: the sides differ by {asym:.2f} at the peak"
                f"{f' (usually {usual:.2f})' if ref is not None else ''}", supports=emotions))
    for au in sorted(delta, key=lambda a: -abs(delta[a])):
        peak, d = face.au_peak[au], delta[au]
        name = names.get(au, au)
        if ref is not None and abs(d) >= cfg.au_change:
            category = "raised" if d > 0 else "lowered"
            observations.append(FaceCue(
                cue=au, category=category, value=round(peak, 3),
                reference_value=round(ref_levels.get(au, 0.0), 3),
                text=f"{au} {name} {category}: peak {peak:.2f}, usually {ref_levels.get(au, 0.0):.2f}",
                supports=proto_of.get(au, []) if d > 0 else []))
        elif peak >= 0.4:
            category = "usual" if ref is not None else "high"
            detail = f", as usual ({ref_levels.get(au, 0.0):.2f})" if ref is not None else ""
            observations.append(FaceCue(
                cue=au, category=category, value=round(peak, 3),
                reference_value=round(ref_levels[au], 3) if ref is not None and au in ref_levels else None,
                text=f"{au} {name} high: peak {peak:.2f}{detail}",
                supports=proto_of.get(au, []) if ref is None else []))
    return scores, observations[:7]


def _split_expression(p: dict[str, float], face: FaceFeatures, prototypes: Sequence[Prototype]
                      ) -> dict[str, float]:
    """The classifier's probabilities with the class a prototype borrows (`expression`: contempt's faces are
    seen as happiness) split by that prototype's one-sided share: the left-right difference of its AUs over
    their stronger side's level, summed over its AUs (a faint dimple does not outweigh a broad smile)."""
    out = dict(p)
    for proto in prototypes:
        if proto.expression is None or proto.expression not in out or proto.emotion in out:  # has its own class
            continue
        one = sum(face.asym_peak.get(a, 0.0) for a in proto.aus)
        stronger = sum(face.au_peak.get(a, 0.0) + face.asym_peak.get(a, 0.0) / 2 for a in proto.aus)
        share = min(1.0, one / stronger) if stronger > 0 else 0.0
        moved = out[proto.expression] * share
        out[proto.expression] -= moved
        out[proto.emotion] = out.get(proto.emotion, 0.0) + moved
    return out
