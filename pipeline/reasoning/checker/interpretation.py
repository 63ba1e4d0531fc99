"""Interpretation claims: a cue read as a sign of an emotion ("AU10 upper lip raiser ... indicating happiness",
"the loud voice suggests sadness"), judged against the cue tables (pipeline/reasoning/cues.py: the EMFACS
prototypes plus the AU readings of prompts/evidence/cue_phrases.yaml, and the vocal profiles).

In each clause, the emotion words (not negated) are read as what the clause's cues mean; a clause without a cue
that continues the one before (", indicating ...", ", which suggests ...") takes the cues of the clause before.
An emotion that none of the named cues is a sign of is contradicted; so is one claimed for all of them (", all
signs of anger", or by a plural sign noun: ", which are signs of sadness") that one of them is no sign of; so is an
AU said to be lowered or absent read as a sign of one of its own emotions ("AU4 lower than usual suggests fear").
Cues whose tables name no emotion (a usual pitch, an AU without reading) are not judged. Neutral is judged only as
the reading of the cues of a clause before ("breathier than usual, which is a sign of neutral"): a cue the tables
read as an emotion is no sign of neutral.
"""

from __future__ import annotations

from collections.abc import Sequence

from emer.pipeline.reasoning.checker.aus import _au_mentions
from emer.pipeline.reasoning.checker.lexicon import (
    _AU_ABSENT,
    _AU_LOWERED,
    _WORDS,
    PROSODY_CUES,
    _emotion,
    word_set,
)
from emer.pipeline.reasoning.checker.text import _clauses, _lexicon, _match, _negation, _phrase, _Tok
from emer.pipeline.reasoning.cues import au_readings, voice_readings
from emer.pipeline.records.checks import Claim

_CONTINUES = word_set("interpretation", "continues")
# "..., all signs of anger", "..., which are signs of sadness": the reading is claimed for every cue named before it
_EVERY = word_set("interpretation", "every")


def _or(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _voice_cues(texts: Sequence[str], lo: int, hi: int) -> list[tuple[str, str, int]]:
    """(voice cue, category, where) triples a clause names: a category word with a voice noun in the clause; a word
    with several readings ("higher": pitch or loudness) gives one triple per reading, all at its position."""
    table, longest = _lexicon()
    found = _match(texts[lo:hi], table, longest)
    allowed: set[str] = set()
    for _, _, (kind, value) in found:
        if kind == "anchor" and value[0] in ("prosody", "voice"):
            allowed |= set(value[1])
    if not allowed:
        return []
    out = []
    for start, _, (kind, value) in found:
        if kind == "word":
            for cue, category in _WORDS[value].items():
                if cue in allowed and cue in PROSODY_CUES and category not in ("usual", "not usual"):
                    out.append((cue, category, lo + start))
    return out


def _as_measured(voice: list[tuple[str, str, int]], measured: set[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """Of a word with several voice readings ("lower": pitch, loudness, rate or pitch range), those the clip's
    measures support (`measured`: (cue, category) pairs the fact check found supported), where any is: "the voice
    is lower, a sign of fear" on a clip whose pitch is low reads the pitch, no sign of fear, not a narrow range."""
    at: dict[int, list[tuple[str, str, int]]] = {}
    for v in voice:
        at.setdefault(v[2], []).append(v)
    return [v for said in at.values() for v in (
        [x for x in said if (x[0], x[1]) in measured] or said)]


def interpretation_claims(sentence: str, toks: Sequence[_Tok], measured: set[tuple[str, str]] | None = None
                          ) -> list[Claim]:
    """The sentence's cue -> emotion readings that contradict the cue tables; `measured`: the voice readings the
    clip's measures support (see _as_measured)."""
    texts = [t.text for t in toks]
    mentions = _au_mentions(toks)
    claims: list[Claim] = []
    carried: tuple[list[tuple[int, int, tuple[str, ...]]], list[tuple[str, str, int]]] = ([], [])
    named: tuple[list[tuple[int, int, tuple[str, ...]]], list[tuple[str, str, int]]] = ([], [])
    for lo, hi, cont in _clauses(toks):
        aus = [m for m in mentions if m[0] < hi and lo < m[1]]  # a mention may run across a parenthesis
        voice = _as_measured(_voice_cues(texts, lo, hi), measured or set())
        every = inherited = False
        if not aus and not voice:
            if any(t in _EVERY for t in texts[lo:hi]) and named[0] + named[1]:
                (aus, voice), every, inherited = named, True, True
            elif cont or (lo < len(texts) and texts[lo] in _CONTINUES):
                (aus, voice), inherited = carried, True
            else:
                carried = ([], [])
                continue
        else:
            carried = (aus, voice)
            named = (named[0] + aus, named[1] + voice)
        lowered = any(t in _AU_LOWERED or t in _AU_ABSENT for t in texts[lo:hi])
        for i in range(lo, hi):
            emo = _emotion(texts[i])
            # neutral only as the reading of the cues before ("breathier than usual, which is a sign of neutral"):
            # beside its own cues it names the face or voice as a whole ("a neutral face, with lips pressed")
            if emo in (None, "emotional") or (emo == "neutral" and not inherited) or _negation(
                    texts, i, lo) is not None:
                continue
            if any(m[0] <= i < m[1] for m in aus):
                continue
            codes = [au for m in aus for au in m[2]]
            readings = {au: au_readings().get(au, ()) for au in codes}
            vreadings = {(cue, cat): voice_readings().get((cue, cat), ()) for cue, cat, _ in voice}
            known = [r for r in [*readings.values(), *vreadings.values()] if r]
            if not known:
                continue
            phrase = _phrase(sentence, toks, lo, hi)
            if codes and lowered and any(emo in r for r in readings.values()):
                claims.append(Claim(sentence=sentence, phrase=phrase, modality="face", cue="interpretation",
                                    asserted=emo, actual="lowered", verdict="contradicted",
                                    detail=f"You read a lowered or absent {'/'.join(codes)} as a sign of {emo}; "
                                    "a cue that is less than usual is no sign of its emotion."))
                continue
            if every:  # each named cue must be a sign of it
                readings = {au: r for au, r in readings.items() if r and emo not in r}
                misread = _misread(voice, vreadings, emo)
                vreadings = {vc: r for vc, r in vreadings.items() if vc in misread}
                codes = list(readings)
                if not readings and not vreadings:
                    continue
            elif any(emo in r for r in known):
                continue
            what = [f"{au} is a sign of {_or(r)}" for au, r in readings.items() if r] + \
                   [f"{_voice(cue, cat)} goes with {_or(r)}" for (cue, cat), r in vreadings.items() if r]
            modality = "face" if codes else "prosody"
            claims.append(Claim(sentence=sentence, phrase=phrase, modality=modality, cue="interpretation",
                                asserted=emo, actual="; ".join(what), verdict="contradicted",
                                detail=f"You read {_q_list(codes, list(vreadings))} as a sign of {emo}, but in the cue "
                                f"tables {'; '.join(what)}."))
            break
    return claims


def _misread(voice: Sequence[tuple[str, str, int]], readings: dict[tuple[str, str], tuple[str, ...]], emo: str
             ) -> set[tuple[str, str]]:
    """The voice readings of the words named that are no sign of `emo`: of a word with several readings, all of
    them when none is (one that is makes the word a sign of it), none when one is."""
    words: dict[int, list[tuple[str, str]]] = {}
    for cue, cat, at in voice:
        words.setdefault(at, []).append((cue, cat))
    return {vc for said in words.values() if not any(emo in readings[vc] for vc in said)
            for vc in said if readings[vc]}


def _q_list(codes: Sequence[str], voice: Sequence[tuple[str, str]]) -> str:
    return _or([*codes, *[_voice(cue, cat) for cue, cat in voice]]) or "the cue"


def _voice(cue: str, category: str) -> str:
    return f"a {category} voice ({cue.replace('_', ' ')})"
