"""The reasoning checker: what the words are said to express, judged against the words channel's reading, and
quotes of what was said, looked up in the transcript (or its translation)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from emer.pipeline.reasoning.checker.facts import _Facts, _missing
from emer.pipeline.reasoning.checker.lexicon import _SPEECH_VERBS
from emer.pipeline.reasoning.checker.text import _q, _Tok, _words_of
from emer.pipeline.records.checks import Claim


def _words_reading(f: _Facts) -> tuple[str, set[str], str]:
    """What the words carry by the words channel's reading (pipeline/evidence/channels.py, the reading the decision
    used): its category (the leading emotion it conveys, or none), every emotion it supports (conveyed, emotion
    words said) and that reading in words. Evidence without channels: the English emotion-word observation."""
    words = next((c for c in f.evidence.channels if c.channel == "words" and c.status == "ok"), None)
    if words is not None and words.words is not None:
        supports = {s for q in words.cues for s in q.signs}
        conveys = words.words.conveys
        actual = conveys[0] if conveys else next(iter(sorted(supports)), "none")
        evid = "; ".join(q.text for q in words.cues) or "the words' reading finds no particular emotion"
        return actual, supports | set(conveys), f"the words' reading: {evid}"
    o = f.obs.get(("speech", "words"))
    return ((o.category, set(o.supports), o.text) if o is not None
            else ("none", set(), "no emotion words in what was said"))


def _speech_claim(f: _Facts, sentence: str, phrase: str, emo: str, negated: bool) -> Claim:
    if negated:
        asserted = {"emotional": "none", "neutral": "emotional"}.get(emo, f"not {emo}")
    else:
        asserted = "none" if emo == "neutral" else emo
    if f.modality("speech") is None and f.modality("text") is None:
        return _missing(f, sentence, phrase, "speech", "words", asserted)
    actual, supports, reading = _words_reading(f)
    if actual == "none":
        ok = asserted == "none" or asserted.startswith("not ")
    elif asserted == "none":
        ok = False
    elif asserted.startswith("not "):
        ok = asserted[4:] not in supports and asserted[4:] != actual
    else:
        ok = asserted == "emotional" or asserted == actual or asserted in supports
    said = f' (transcript: "{f.transcript.strip()}")' if f.transcript else ""
    evid = reading + said
    if ok:
        return Claim(sentence=sentence, phrase=phrase, modality="speech", cue="words", asserted=asserted,
                     actual=actual, verdict="supported", detail=f"agrees: {evid}")
    claim = {"none": "the words carry no emotion", "emotional": "the words carry emotion"}.get(
        asserted, f"the words express {asserted}")
    return Claim(sentence=sentence, phrase=phrase, modality="speech", cue="words", asserted=asserted,
                 actual=actual, verdict="contradicted",
                 detail=f'You wrote that {claim} ({_q(phrase)}), but the evidence reads: {evid}.')


def _letters(text: str) -> str:
    """The text's letters and digits only, lower-cased (to find a quote in another script in the transcript)."""
    return "".join(re.findall(r"\w", text.lower()))


def _quote_claims(f: _Facts, sentence: str, masked_toks: Sequence[_Tok], quotes: Sequence[str]) -> list[Claim]:
    if not quotes:
        return []
    speechy = bool({t.text for t in masked_toks} & _SPEECH_VERBS)
    claims = []
    for m in re.finditer(r"\bq([qx])([a-z])\b", sentence):
        kind, q = m.group(1), quotes[ord(m.group(2)) - ord("a")]
        words = _words_of(q)
        if kind == "x" or (not speechy and len(words or _letters(q)) < 3):
            continue  # a quoted label, category word or piece of the evidence, not the speaker's words
        if f.transcript is None:
            if f.modality("speech") is None:
                claims.append(_missing(f, sentence, f'"{q}"', "speech", "transcript", q))
            continue
        n = len(words)
        if words:
            found = any(said[i: i + n] == words for said in (_words_of(f.transcript), _words_of(f.translation or ""))
                        for i in range(len(said) - n + 1))
        else:  # another script: the quote's letters in the transcript's, spacing and punctuation aside
            found = _letters(q) in _letters(f.transcript)
        if found:
            claims.append(Claim(sentence=sentence, phrase=f'"{q}"', modality="speech", cue="transcript",
                                asserted=q, actual=f.transcript, verdict="supported", detail="quoted as said"))
        else:
            claims.append(Claim(sentence=sentence, phrase=f'"{q}"', modality="speech", cue="transcript",
                                asserted=q, actual=f.transcript, verdict="invented",
                                detail=f'You quoted "{q}", but the transcript is "{f.transcript.strip()}".'))
    return claims
