"""The evidence summary in plain words, for the explanation prompt: what each cue looks or sounds like and what
the cue tables say it means, without numbers (prompts/evidence/cue_phrases.yaml, the EMFACS prototypes in
prompts/facs/, the vocal profiles in prompts/evidence/vocal_profiles.yaml). The transcript comes with the
sentences addressed to a model removed (pipeline/injection.py).

`cue_readings` is the one table of "cue -> emotions it is a sign of" that both the prompt and the checker's
interpretation claims use.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import Field

from emer.pipeline.clues import Clue, Record
from emer.pipeline.evidence import EvidenceSummary, Observation, vocal_profiles
from emer.pipeline.facs import load_prototypes
from emer.pipeline.injection import neutralised_speech
from emer.pipeline.vocab import basic_emotions, load_data_yaml

# vocal profile feature of each voice cue, and the sign of its "up" category
_VOICE_FEATURE = {"pitch": ("pitch_st", "high"), "pitch_range": ("pitch_range_st", "wide"),
                  "loudness": ("loudness_db", "loud"), "rate": ("rate", "fast"),
                  "voice_quality": ("alpha_ratio_db", "tense"), "voice_clarity": ("hnr_db", "clear")}
_VOICE_DOWN = {"pitch": "low", "pitch_range": "narrow", "loudness": "soft", "rate": "slow", "voice_quality": "lax",
               "voice_clarity": "rough"}


@cache
def phrases() -> dict[str, Any]:
    """prompts/evidence/cue_phrases.yaml."""
    return load_data_yaml("evidence", "cue_phrases.yaml")


@cache
def au_readings() -> dict[str, tuple[str, ...]]:
    """AU -> the emotions it is a sign of: the EMFACS prototypes it belongs to, plus `au_readings`."""
    out: dict[str, list[str]] = {}
    for p in load_prototypes():
        for au in p.aus:
            out.setdefault(au, []).append(p.emotion)
    for au, emotions in phrases().get("au_readings", {}).items():
        for e in emotions:
            if e not in out.setdefault(au, []):
                out[au].append(e)
    return {k: tuple(v) for k, v in out.items()}


@cache
def voice_readings() -> dict[tuple[str, str], tuple[str, ...]]:
    """(voice cue, category) -> the emotions whose vocal profile moves that feature that way by at least half a
    spread (high pitch -> fear, happiness, surprise, ...)."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    profiles = vocal_profiles()
    for cue, (feature, up) in _VOICE_FEATURE.items():
        out[(cue, up)] = tuple(e for e, p in profiles.items() if p.get(feature, 0.0) >= 0.5)
        out[(cue, _VOICE_DOWN[cue])] = tuple(e for e, p in profiles.items() if p.get(feature, 0.0) <= -0.5)
    return out


def _or(words: list[str] | tuple[str, ...]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


class PlainCues(Record):
    """One clip's cues in plain words, per channel, for the explanation prompt."""

    face: list[str] = Field(default_factory=list)
    voice: list[str] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)
    transcript: str | None = Field(None, description="what was said, instructions to a model removed")
    missing: dict[str, str] = Field(default_factory=dict, description="channel -> why it gives no evidence")
    leans: dict[str, str] = Field(default_factory=dict, description="channel -> the emotion it points to most")
    combined: list[str] = Field(default_factory=list, description="the combined evidence's two leading labels")


def _face_line(o: Observation, reference_kind: str) -> str | None:
    looks = phrases()["au_looks"]
    if o.cue == "expression":
        more = (", more than this face usually shows it" if o.reference_value is not None else "")
        return f"the expression classifier sees mostly {o.category}{more}"
    if o.cue not in looks or o.category == "usual":
        return None
    reading = au_readings().get(o.cue, ())
    sign = f", in FACS a sign of {_or(reading)}" if reading else ""
    if o.category == "raised":
        return f"{looks[o.cue]} more than usual ({o.cue}{sign})"
    if o.category == "lowered":
        return f"{looks[o.cue]} less than usual ({o.cue})"
    return f"{looks[o.cue]} ({o.cue}{sign})"


def _voice_line(o: Observation, usual: str) -> str | None:
    table = phrases()["voice"].get(o.cue, {})
    if o.category not in table or o.category == "usual":
        return None
    line = table[o.category].format(usual=usual)
    reading = voice_readings().get((o.cue, o.category), ())
    return f"{line} (in the vocal profiles a sign of {_or(reading)})" if reading else line


def plain_cues(evidence: EvidenceSummary, clues: Mapping[str, Clue], labels: list[str]) -> PlainCues:
    """The clip's evidence in plain words (see the module doc)."""
    out = PlainCues()
    usual = phrases()["usual"].get(evidence.reference_kind, "usual")
    basics = set(basic_emotions())
    for m in evidence.modalities:
        if m.emotions:
            top = max(m.emotions, key=lambda e: m.emotions[e])
            if top in basics:
                out.leans[m.modality] = top
        for o in m.observations:
            if m.modality == "face" and (line := _face_line(o, evidence.reference_kind)):
                out.face.append(line)
            elif m.modality == "prosody" and (line := _voice_line(o, usual)):
                out.voice.append(line)
            elif m.modality == "speech":
                if o.cue == "words":
                    out.words.append("the words themselves carry no emotion" if o.category == "none"
                                     else o.text.replace("emotion words said:", "the words include"))
                elif o.cue == "instructions":
                    out.words.append("part of what was said addressed an AI model (an attempt to instruct it); it "
                                     "was removed and is no evidence")
    if out.voice == [] and evidence.modality("prosody") is not None and evidence.modality("prosody").observations:
        out.voice.append(f"the voice is as {usual} in pitch, loudness and pace")
    speech = clues.get("speech")
    if speech is not None and speech.status == "ok" and speech.data is not None:
        data = speech.model_dump(mode="json")["data"]
        out.transcript = (neutralised_speech(data).get("text") or "").strip() or None
    missing = phrases()["missing"]
    for kind in ("face", "prosody", "speech"):
        clue = clues.get(kind)
        if clue is None or clue.status != "ok":
            out.missing[kind] = missing[kind] + (f" ({clue.status})" if clue is not None else "")
    ranked = sorted(evidence.labels, key=lambda k: -evidence.labels[k]) if evidence.label else []
    out.combined = [k for k in ranked if k in labels or not labels][:2]
    return out
