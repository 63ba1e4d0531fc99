"""The reasoning checker: facts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from emer.pipeline.evidence.facs import load_au_table
from emer.pipeline.evidence.injection import neutralise
from emer.pipeline.reasoning.checker.lexicon import _CUE_LABEL, _MODALITY_WHAT, AU_SYNONYMS
from emer.pipeline.reasoning.checker.text import _TOKEN_RE, _q
from emer.pipeline.reasoning.cues import phrases
from emer.pipeline.records.checks import Claim
from emer.pipeline.records.evidence import EvidenceSummary, ModalityEvidence, Observation
from emer.pipeline.records.vocab import canonical_label

# --- the evidence, indexed --------------------------------------------------------------------------


@dataclass
class _Facts:
    evidence: EvidenceSummary
    clues: Mapping[str, Any]
    obs: dict[tuple[str, str], Observation]
    transcript: str | None
    translation: str | None  # the transcript's English machine translation, quotable beside it
    au_measured: dict[str, float]  # AU -> peak, from the face clue's strongest AUs
    au_prototype: dict[str, str]  # AU -> active / inactive / unmeasured, from the face clue's prototype matches
    au_names: dict[str, str]
    expression: dict[str, float]  # canonical emotion -> probability
    expression_values: dict[str, set[float]]  # every probability shown for an emotion (clip and usual)
    instructions: list[str]  # sentences of the transcript addressed to a model

    def modality(self, kind: str) -> ModalityEvidence | None:
        """The evidence's modality; what was said is there when either reading of it (words or text) is. A
        modality whose channel record is missing (the voice where no speech was found:
        pipeline/evidence/channels.py) is not there: a claim about it is invented."""
        found = self.evidence.modality(kind)
        if found is None and kind == "speech":
            return self.evidence.modality("text")
        return None if found is not None and self.unread(kind) is not None else found

    def unread(self, kind: str) -> str | None:
        """The note of the missing channel record the modality belongs to, or None."""
        return next((c.note or "" for c in self.evidence.channels if kind in c.modalities and c.status == "missing"),
                    None)

    def status(self, kind: str) -> str:
        if (note := self.unread(kind)) is not None:
            return note
        clue = self.clues.get(kind)
        if clue is None:
            return "not measured in this run"
        status = getattr(clue, "status", None)
        if status is None and isinstance(clue, Mapping):
            status = clue.get("status")
        return f"status {getattr(status, 'value', status)}" if status else "not measured"

    def ref_phrase(self, kind: str) -> str:
        m = self.modality(kind)
        ref = (m.reference or "") if m else ""
        if ref.startswith("this speaker"):
            return " for this speaker"
        if "calm" in ref:
            return " against this clip's calmest frames"
        if ref.startswith("population"):
            return " against population norms"
        return f" against {ref}" if ref else ""


def _get(obj: Any, *path: str) -> Any:
    for p in path:
        if obj is None:
            return None
        obj = obj.get(p) if isinstance(obj, Mapping) else getattr(obj, p, None)
    return obj


@cache
def _au_table_names() -> dict[str, str]:
    return load_au_table().names()


@cache
def _au_lexicon() -> tuple[dict[tuple[str, ...], tuple[str, ...]], int]:
    table: dict[tuple[str, ...], tuple[str, ...]] = {}
    for au, name in _au_table_names().items():
        table[tuple(_TOKEN_RE.findall(name.lower()))] = (au,)
    for phrase, aus in AU_SYNONYMS.items():
        table[tuple(_TOKEN_RE.findall(phrase))] = aus
    for au, look in phrases()["au_looks"].items():  # the explanation notes' own words: "the upper lip is raised"
        first = re.split(r"[(,]| and ", look)[0].strip().removeprefix("the ")
        table.setdefault(tuple(_TOKEN_RE.findall(first.lower())), (au,))
    return table, max(len(k) for k in table)


def _facts(evidence: EvidenceSummary, clues: Mapping[str, Any] | None) -> _Facts:
    clues = clues or {}
    obs: dict[tuple[str, str], Observation] = {}
    for o in evidence.observations():
        obs.setdefault((o.modality, o.cue), o)
    speech = clues.get("speech")
    trusted = _status_ok(speech) and _get(speech, "data", "reliable") is not False
    transcript = _get(speech, "data", "text") if trusted else None
    translation = _get(speech, "data", "translation") if trusted else None
    spoken_instructions = (_get(speech, "data", "instructions_detected") or []) if transcript is not None else []
    instructions = [str(_get(i, "text")) for i in spoken_instructions]
    if instructions:  # what the prompt showed: quoting the instructions is inventing, and messages never repeat them
        transcript = neutralise(transcript, spoken_instructions)
    face = clues.get("face")
    au_measured: dict[str, float] = {}
    au_prototype: dict[str, str] = {}
    expression: dict[str, float] = {}
    if _status_ok(face):
        for a in _get(face, "data", "summary", "top_aus") or []:
            au_measured[str(_get(a, "au"))] = float(_get(a, "peak") or 0.0)
        for p in _get(face, "data", "summary", "prototypes") or []:
            unmeasured, active = set(_get(p, "unmeasured") or []), set(_get(p, "active") or [])
            for au in _get(p, "aus") or []:
                state = "active" if au in active else "unmeasured" if au in unmeasured else "inactive"
                if au_prototype.get(au) != "active":
                    au_prototype[au] = state
        for name, p in (_get(face, "data", "summary", "expression_mean") or {}).items():
            key = canonical_label(name)
            expression[key] = expression.get(key, 0.0) + float(p)
    values: dict[str, set[float]] = {k: {round(v, 2)} for k, v in expression.items()}
    if (o := obs.get(("face", "expression"))) is not None:
        for name, p, usual in re.findall(r"(?:classifier |, )([a-z]+) (\d+(?:\.\d+)?)(?: \(usually (\d+(?:\.\d+)?)\))?",
                                         o.text):
            key = canonical_label(name)
            if key not in expression:
                expression[key] = float(p)
            values.setdefault(key, set()).update(float(v) for v in (p, usual) if v)
    return _Facts(evidence=evidence, clues=clues, obs=obs, transcript=transcript, translation=translation,
                  au_measured=au_measured,
                  au_prototype=au_prototype, expression_values=values,
                  au_names=_au_table_names(), expression=expression, instructions=instructions)


def _status_ok(clue: Any) -> bool:
    if clue is None:
        return False
    status = _get(clue, "status")
    return getattr(status, "value", status) == "ok" and _get(clue, "data") is not None


# --- judging ----------------------------------------------------------------------------------------

_RANK = {"supported": 0, "unverifiable": 1, "contradicted": 2, "invented": 3}


def _spreads(o: Observation) -> str:
    m = re.search(r"\(([+-]?\d+(?:\.\d+)?) spreads\)", o.text)
    return f" ({m.group(1)} spreads)" if m else f" ({o.text})"


def _say(cue: str, category: str) -> str:
    """A cue's category in words: "the pitch is high", "the voice is not loud"."""
    if cue == "motion":
        return {"still": "the person is still", "little": "there is little movement",
                "moving": "there is a lot of movement", "little movement": "there is little movement",
                "not moving": "the person is not moving much", "not still": "the person is not still"}.get(
            category, f"the movement is {category}")
    if category in ("usual", "not usual", "unreferenced", "medium", "not medium"):
        return f"the {_CUE_LABEL.get(cue, cue)} is {category}"
    if cue in ("loudness", "voice_quality", "voice_clarity"):
        return f"the voice is {category}"
    if cue == "brightness":
        return f"the image is {category}"
    return f"the {_CUE_LABEL.get(cue, cue)} is {category}"


def _missing(f: _Facts, sentence: str, phrase: str, modality: str, cue: str, asserted: str) -> Claim:
    """A claim about a modality whose clue is missing (invented)."""
    what = _MODALITY_WHAT[modality]
    return Claim(sentence=sentence, phrase=phrase, modality=modality, cue=cue, asserted=asserted, actual=None,
                 verdict="invented",
                 detail=f'You described {what} ({_q(phrase)}), but {what} was not measured in this clip '
                 f"({f.status(modality)}); do not describe it.")
