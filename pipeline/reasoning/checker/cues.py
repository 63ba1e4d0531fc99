"""The reasoning checker: cues. Per clause, the voice and scene category words ("a high pitch", "a dark room") judged
against the observations' categories, the framing, and the emotion words next to the classifier, the face or what
was said (judged in pipeline/reasoning/checker/expression.py and speech.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from emer.pipeline.evidence.voice_features import voice_vocabulary
from emer.pipeline.reasoning.checker.expression import _blank_face_claim, _cited, _expression_claim
from emer.pipeline.reasoning.checker.facts import _RANK, _au_lexicon, _Facts, _missing, _say, _spreads
from emer.pipeline.reasoning.checker.lexicon import (
    _AMBIGUOUS,
    _COMPARATORS,
    _CUE_LABEL,
    _FRAMING,
    _GENERIC,
    _HYPOTHETICAL,
    _NEEDS_NOUN,
    _STANDALONE,
    _USUAL,
    _VOICE_DEFAULT,
    _WORDS,
    PROSODY_CUES,
    SCENE_CUES,
    _emotion,
    word_set,
)
from emer.pipeline.reasoning.checker.speech import _speech_claim
from emer.pipeline.reasoning.checker.text import (
    _AU_CODE_RE,
    _hedged,
    _lexicon,
    _match,
    _negation,
    _phrase,
    _q,
    _Tok,
)
from emer.pipeline.records.checks import Claim, Verdict

_VARIES = word_set("cues", "varies")
_BARELY = word_set("cues", "barely")  # after a verb of variation: denies it ("varies little")
# "consistent with anger" after what was said reads the words as anger; "says it with anger" is the manner
_AGREE = word_set("readings", "agree")


def _judge_level(f: _Facts, modality: str, cue: str, asserted: str, hedged: bool) -> tuple[Verdict, str | None, str]:
    """Verdict, actual category and the evidence in words, for a prosody or scene cue."""
    o = f.obs.get((modality, cue))
    if o is None:
        return "unverifiable", None, f"the {_CUE_LABEL.get(cue, cue)} was not measured"
    actual = o.category
    if modality == "prosody" and cue != "pitch_contour":
        evid = f"{_say(cue, actual)}{f.ref_phrase('prosody')}{_spreads(o)}"
    else:
        inner = re.search(r"\(([^()]*\d[^()]*)\)\s*$", o.text)
        evid = f"{_say(cue, actual)} ({inner.group(1) if inner else o.text})"
    if actual == "unreferenced":
        return "unverifiable", actual, f"{evid}: without a reference, high or low cannot be told"
    neg = asserted.startswith("not ")
    want = asserted[4:] if neg else asserted
    if cue == "motion":
        close = {"still": {"still", "little movement"}, "little": {"still", "little movement"},
                 "moving": {"moving"}}.get(want, {want})
        hit = actual in close
    elif cue == "framing":
        hit = want in actual or actual in want
    else:
        hit = actual == want
    if neg:
        if want == "little" and cue == "motion":
            hit = actual == "little movement"
        return ("contradicted" if hit else "supported"), actual, evid
    if hit:
        return "supported", actual, evid
    if (hedged and actual == "usual" and want != "usual" and o.value is not None
            and o.reference_value is not None):
        up = want in voice_vocabulary().up_words()
        if (o.value > o.reference_value) == up:
            return "supported", actual, f"{evid}: slightly {want}, within the usual spread"
    return "contradicted", actual, evid


def _cue_claim(f: _Facts, sentence: str, phrase: str, modality: str, cues: Sequence[str], cats: Mapping[str, str],
               negated: bool, hedged: bool) -> Claim:
    best: Claim | None = None
    for cue in cues:
        asserted = cats[cue]
        if negated:
            asserted = asserted[4:] if asserted.startswith("not ") else f"not {asserted}"
        verdict, actual, evid = _judge_level(f, modality, cue, asserted, hedged)
        if verdict == "contradicted":
            detail = f'You wrote that {_say(cue, asserted)} ({_q(phrase)}), but {evid}.'
        elif verdict == "supported":
            detail = f"agrees: {evid}"
        else:
            detail = evid
        claim = Claim(sentence=sentence, phrase=phrase, modality=modality, cue=cue, asserted=asserted,
                      actual=actual, verdict=verdict, detail=detail)
        if best is None or _RANK[verdict] < _RANK[best.verdict]:
            best = claim
    assert best is not None
    return best


# --- per clause: voice, scene, expression and speech claims -----------------------------------------


_Item = tuple[int, int, Any]


def _anchors_in(texts: Sequence[str], lo: int, hi: int) -> tuple[list[_Item], list[_Item]]:
    """The lexicon items (category words and cue nouns) of a clause, and its cue nouns (with AU mentions as
    blocking nouns)."""
    table, longest = _lexicon()
    clause = texts[lo:hi]
    items = [(lo + s, lo + e, v) for s, e, v in _match(clause, table, longest)]
    anchors = [(s, e, v[1]) for s, e, v in items if v[0] == "anchor"]
    if any(v[0] in ("voice", "prosody") for _, _, v in anchors):  # "the expression of anger in the voice"
        anchors = [a for a in anchors if texts[a[0]: a[1]] not in (["expression"], ["expressions"])]
    anchors += [(i, i + 1, ("block", ())) for i in range(lo, hi) if _AU_CODE_RE.match(texts[i])]
    au_table, au_longest = _au_lexicon()
    anchors += [(lo + s, lo + e, ("block", ())) for s, e, _ in _match(clause, au_table, au_longest)]
    return items, anchors


def _nearest(anchors: Sequence[tuple[int, int, Any]], s: int, e: int) -> tuple[int, int, Any, int] | None:
    """The cue noun nearest to tokens s:e (ties: not a blocking noun, then the one after), with its distance."""
    best = None
    for a_s, a_e, val in anchors:
        if a_s < e and s < a_e:
            continue
        dist = a_s - e if a_s >= e else s - a_e
        key = (dist, val[0] == "block", 0 if a_s >= e else 1)
        if best is None or key < best[0]:
            best = (key, (a_s, a_e, val, dist))
    return best[1] if best else None


def _clause_claims(f: _Facts, sentence: str, toks: Sequence[_Tok], lo: int, hi: int,
                   inherited: Any = None) -> tuple[list[tuple[Claim, bool]], Any]:
    """The claims of one clause, each with whether it is made as a general statement, and the clause's last cue
    noun (for a clause that continues it). `inherited`: the cue noun a continuing clause refers back to ("...,
    which suggests fear"; "This suggests fear."), placed at the clause's start."""
    texts = [t.text for t in toks]
    clause = texts[lo:hi]
    items, anchors = _anchors_in(texts, lo, hi)
    last = max(anchors, key=lambda a: a[0])[2] if anchors else inherited
    if any(t in _HYPOTHETICAL for t in clause):
        return [], last
    generic = any(t in _GENERIC for t in clause)
    if inherited is not None:
        anchors.append((lo, lo, inherited))
    claims: list[Claim] = []

    # voice and scene category words
    for s, e, (kind, word) in items:
        if kind != "word":
            continue
        if word in _NEEDS_NOUN:  # "little variation", "a lot of movement", "moves a lot"
            nxt = s + 1 + (s + 1 < hi and texts[s + 1] == "of")
            prv = s - 1 - (s > lo and texts[s - 1] == "a")
            if (not any(a_s == nxt or a_e == prv + 1 for a_s, a_e, _ in anchors)
                    or (s > lo and texts[s - 1] == "a" and word == "little")):
                continue
        if word in _VARIES and texts[e: e + 1] and texts[e] in _BARELY:  # "varies little"
            continue
        if word in _USUAL:
            before = texts[max(lo, s - 3): s]
            after = texts[e: e + 1]
            if any(t in _COMPARATORS for t in before) or after in (["of"], ["in"]) or (
                    word == "typical" and after == ["for"]):
                continue
        cats = _WORDS[word]
        near = _nearest(anchors, s, e)
        if near is None:
            if word not in _STANDALONE:
                continue
            cues = tuple(c for c in cats if c in PROSODY_CUES)
        else:
            group, anchor_cues = near[2]
            if near[3] > (4 if group == "voice" else 6):
                group = "far"
            if group in ("prosody", "scene"):
                cues = tuple(c for c in anchor_cues if c in cats)
                cues = cues if word in _AMBIGUOUS else cues[:1]
            elif group == "voice":
                cues = () if word in _USUAL else tuple(
                    c for c in _VOICE_DEFAULT.get(word, tuple(cats)) if c in PROSODY_CUES and c in cats)
            elif group == "speech":
                cues = () if word in _USUAL else tuple(c for c in cats if c in anchor_cues)
            else:
                cues = ()
            if not cues and word in _STANDALONE and group in ("voice", "prosody", "speech", "far"):
                cues = tuple(c for c in cats if c in PROSODY_CUES)
        if not cues:
            continue
        modality = "scene" if cues[0] in SCENE_CUES else "prosody"
        neg = _negation(texts, s, lo)
        first = s if neg is None else neg
        joined_noun = near is not None and near[3] <= 3 and near[0] >= lo and near[2][0] != "speech" and any(
            c in near[2][1] for c in cues)
        span = (min(first, near[0]), max(e, near[1])) if joined_noun else (first, e)
        phrase = _phrase(sentence, toks, *span)
        if f.modality(modality) is None:
            claims.append(_missing(f, sentence, phrase, modality, cues[0], cats[cues[0]]))
            continue
        claims.append(_cue_claim(f, sentence, phrase, modality, cues, cats, neg is not None, _hedged(texts, s, lo)))

    # framing
    joined = " ".join(clause)
    for shot in _FRAMING:
        if re.search(rf"(?<![\w-]){re.escape(shot)}(?![\w-])", joined):
            if f.modality("scene") is None:
                claims.append(_missing(f, sentence, shot, "scene", "framing", shot))
            else:
                asserted = "long shot" if shot in ("wide shot", "full shot") else shot
                verdict, actual, evid = _judge_level(f, "scene", "framing", asserted, False)
                detail = (f"You wrote the framing is a {shot}, but {evid}." if verdict == "contradicted"
                          else evid)
                claims.append(Claim(sentence=sentence, phrase=shot, modality="scene", cue="framing",
                                    asserted=asserted, actual=actual, verdict=verdict, detail=detail))
            break

    # emotion words next to the classifier, the face or what was said
    for i in range(lo, hi):
        emo = _emotion(texts[i])
        if emo is None or any(s <= i < e and v[0] == "anchor" for s, e, v in items):
            continue
        near = _nearest(anchors, i, i + 1)
        if near is None:
            continue
        group, dist = near[2][0], near[3]
        if i > lo and texts[i - 1] == "with" and group == "speech" and not (i > lo + 1 and texts[i - 2] in _AGREE):
            continue  # "says it with anger": the manner, not the words
        neg = _negation(texts, i, lo)
        first = i if neg is None else neg
        phrase = _phrase(sentence, toks, min(first, near[0]), max(i + 1, near[1]))
        if group == "face" and dist <= 6 and emo == "emotional" and neg is not None:
            claims.append(_blank_face_claim(f, sentence, phrase))
        elif group in ("classifier", "face") and dist <= 6 and emo != "emotional":
            claims.append(_expression_claim(f, sentence, phrase, emo, neg is not None, group == "classifier",
                                            _cited(texts, i + 1, len(texts))))
        elif group == "speech" and dist <= 8:
            claims.append(_speech_claim(f, sentence, phrase, emo, neg is not None))
    return [(c, generic) for c in claims], last
