"""The reasoning checker: what the face or the expression classifier is said to show ("the classifier reads anger
at 0.63", "the face shows no emotion"), judged against the classifier's probabilities, the action units' readings
and the face channel."""

from __future__ import annotations

import re
from collections.abc import Sequence

from emer.pipeline.reasoning.checker.facts import _Facts, _missing
from emer.pipeline.reasoning.checker.lexicon import word_set
from emer.pipeline.reasoning.checker.text import _q
from emer.pipeline.records.checks import Claim, Verdict

_CITED_LEAD = word_set("cues", "cited_lead")  # between an emotion and its cited probability


def _blank_face_claim(f: _Facts, sentence: str, phrase: str) -> Claim:
    """"The face shows no clear emotion": contradicted when the face channel, with a large share of the
    decision, reads an emotion (the measured "Face: nothing stands out" on a clip the classifier decided)."""
    face = next((c for c in f.evidence.channels if c.channel == "face" and c.status == "ok"), None)
    reads = face.lean if face is not None and face.share >= 0.2 and face.lean not in (None, "neutral") else None
    if reads is None:
        return Claim(sentence=sentence, phrase=phrase, modality="face", cue="expression", asserted="neutral",
                     actual=face.lean if face else None, verdict="supported", detail="agrees: the face reads no "
                     "emotion strongly")
    return Claim(sentence=sentence, phrase=phrase, modality="face", cue="expression", asserted="neutral",
                 actual=reads, verdict="contradicted",
                 detail=f"You wrote that the face shows no emotion ({_q(phrase)}), but the face's reading, which "
                 f"carried {round(face.share * 100)} percent of the decision, is {reads}: {face.reading}.")


def _cited(texts: Sequence[str], k: int, hi: int) -> float | None:
    """A probability written at token k ("0.63", "(0.63)", "63%", "at 0.63", "of 0.63")."""
    while k < hi and texts[k] in _CITED_LEAD:
        k += 1
    if k < hi and re.fullmatch(r"\d+(?:\.\d+)?", texts[k]):
        v = float(texts[k])
        if k + 1 < hi and texts[k + 1] == "%":
            v /= 100
        return v if v <= 1 else None
    return None


def _expression_claim(f: _Facts, sentence: str, phrase: str, emo: str, negated: bool, strict: bool,
                      cited: float | None = None) -> Claim:
    """An emotion the classifier (strict) or the face (loose) is said to show; `cited`: a probability the text
    gives right after the emotion word."""
    asserted = ("not " if negated else "") + emo
    if f.modality("face") is None:
        return _missing(f, sentence, phrase, "face", "expression", asserted)
    o = f.obs.get(("face", "expression"))
    probs = f.expression
    au_support = {e for (m, cue), ob in f.obs.items() if m == "face" and cue != "expression"
                  and ob.category in ("raised", "high", "one-sided") for e in ob.supports}
    if o is None and not probs:
        verdict: Verdict = "invented" if strict else ("supported" if emo in au_support else "unverifiable")
        detail = ("You cited the expression classifier, but it gave no output for this clip." if strict
                  else "no expression classifier output")
        return Claim(sentence=sentence, phrase=phrase, modality="face", cue="expression", asserted=asserted,
                     actual=None, verdict=verdict, detail=detail)
    category = o.category if o is not None else None
    top = max(probs, key=probs.get) if probs else category
    p = probs.get(emo, 0.0)
    evid = o.text if o is not None else ", ".join(f"{k} {v:.2f}" for k, v in sorted(probs.items(),
                                                                                     key=lambda kv: -kv[1])[:3])
    source = "the expression classifier" if strict else "the face"
    values = f.expression_values.get(emo, set())
    if cited is not None and not negated and values:
        if any(abs(cited - v) <= 0.015 for v in values):
            return Claim(sentence=sentence, phrase=phrase, modality="face", cue="expression", asserted=asserted,
                         actual=category, verdict="supported", detail=f"cites the classifier: {evid}")
        return Claim(sentence=sentence, phrase=phrase, modality="face", cue="expression", asserted=asserted,
                     actual=category, verdict="contradicted",
                     detail=f"You wrote {emo} {cited:.2f} ({_q(phrase)}), but the evidence reads: {evid}.")
    if negated:
        ok = emo not in (top, category)
    else:
        ok = emo in (top, category) or p >= 0.2 or (not strict and emo in au_support)
    if ok:
        return Claim(sentence=sentence, phrase=phrase, modality="face", cue="expression", asserted=asserted,
                     actual=category, verdict="supported", detail=f"agrees: {evid}")
    shows = f"does not show {emo}" if negated else f"shows {emo}"
    extra = "" if negated or emo not in probs else f" ({emo} is only {p:.2f})"
    return Claim(sentence=sentence, phrase=phrase, modality="face", cue="expression", asserted=asserted,
                 actual=category, verdict="contradicted",
                 detail=f'You wrote that {source} {shows} ({_q(phrase)}), but the evidence reads: {evid}{extra}.')
