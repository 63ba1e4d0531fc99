"""The reasoning checker: aus."""

from __future__ import annotations

from collections.abc import Sequence

from emer.pipeline.reasoning.checker.facts import _RANK, _au_lexicon, _Facts, _missing
from emer.pipeline.reasoning.checker.lexicon import (
    _AU_ABSENT,
    _AU_LIST,
    _AU_LOWERED,
    _AU_ONE_SIDED,
    _AU_RAISED,
    _AU_STOP,
    _AU_USUAL,
    _CLAUSE_PUNCT,
    word_set,
)
from emer.pipeline.reasoning.checker.text import _AU_CODE_RE, _match, _phrase, _q, _Tok, _words_of
from emer.pipeline.records.checks import Claim, Verdict

_NAME_GAP = word_set("aus", "name_gap")  # between an AU code and its name ("AU4 (brow lowerer)")

# --- action units -----------------------------------------------------------------------------------


def _au_mentions(toks: Sequence[_Tok]) -> list[tuple[int, int, tuple[str, ...]]]:
    """AU codes and names in a sentence, a code and its name merged into one mention."""
    texts = [t.text for t in toks]
    table, longest = _au_lexicon()
    names = _match(texts, table, longest)
    codes = [(i, i + 1, (f"AU{int(m.group(1))}",)) for i, t in enumerate(texts) if (m := _AU_CODE_RE.match(t))]
    mentions = sorted(codes + [n for n in names if not any(c[0] < n[1] and n[0] < c[1] for c in codes)])
    merged: list[tuple[int, int, tuple[str, ...]]] = []
    for m in mentions:
        if merged:
            p = merged[-1]
            gap = texts[p[1]: m[0]]
            p_code, m_code = bool(_AU_CODE_RE.match(texts[p[0]])), bool(_AU_CODE_RE.match(texts[m[0]]))
            if p_code != m_code and all(t in _NAME_GAP for t in gap):
                code = p if p_code else m
                if code[2][0] in m[2] + p[2] or len(gap) <= 1:
                    merged[-1] = (p[0], m[1], code[2])
                    continue
        merged.append(m)
    return merged


def _au_state(texts: Sequence[str], start: int, end: int, nxt: int) -> str | None:
    """The state word after a mention (up to the next mention or a clause break), else None."""
    for t in texts[end: min(nxt, end + 7)]:
        if t in _AU_STOP:
            break
        if state := _au_state_word(t):
            return state
    return None


def _au_state_word(t: str) -> str | None:
    """The AU state a word states (absent, raised, lowered, usual), else None."""
    if t in _AU_ABSENT or t.endswith("n't"):
        return "absent"
    if t in _AU_RAISED:
        return "raised"
    if t in _AU_LOWERED:
        return "lowered"
    if t in _AU_USUAL:
        return "usual"
    if t in _AU_ONE_SIDED:
        return "one-sided"
    return None


def _au_state_before(texts: Sequence[str], start: int, prev_end: int) -> str | None:
    for t in reversed(texts[max(prev_end, start - 3): start]):
        if t in _CLAUSE_PUNCT:
            break
        if state := _au_state_word(t):
            return state
    return None


_AU_SAY = {"present": "active", "raised": "raised above its usual level", "lowered": "lowered",
           "usual": "at its usual level", "absent": "absent", "one-sided": "raised on one side of the face"}


def _judge_au(f: _Facts, au: str, state: str) -> tuple[Verdict, str | None, str]:
    name = f.au_names.get(au, "")
    label = f"{au} ({name})" if name else au
    o = f.obs.get(("face", au))
    if o is None:
        if au in f.au_measured:
            peak = f.au_measured[au]
            face = f.modality("face")
            n_aus = sum(1 for ob in (face.observations if face else []) if ob.cue.startswith("AU"))
            capped = n_aus >= 6
            if state == "absent" or (state == "usual" and not capped):
                return "supported", None, f"{label} changed little (peak {peak:.2f})"
            if state in ("raised", "lowered", "one-sided") and not capped and face is not None and face.reference:
                return ("contradicted", "usual",
                        f"{label} changed little from its usual level (peak {peak:.2f}; not among the notable "
                        "changes)")
            return "unverifiable", None, f"{label} measured (peak {peak:.2f}) but not among the notable changes"
        proto = f.au_prototype.get(au)
        if proto == "active":
            return ("supported" if state in ("present", "raised") else "unverifiable"), None, \
                f"{label} is active in a matched emotion prototype"
        if proto == "inactive":
            verdict = {"absent": "supported", "present": "contradicted", "raised": "contradicted"}.get(
                state, "unverifiable")
            return verdict, "inactive", f"{label} is not active at the peak frame (face clue, prototype matches)"
        if au not in f.au_names or proto == "unmeasured":
            return "invented", None, f"{label} cannot be measured by the face extractor"
        return "invented", None, f"{label} was not measured: no face clue reports it"
    actual = o.category
    vals = f"peak {o.value:.2f}" + (f", usually {o.reference_value:.2f}" if o.reference_value is not None else "")
    evid = {"raised": f"{label} is raised ({vals})", "lowered": f"{label} is lowered ({vals})",
            "usual": f"{label} is at its usual level ({vals})", "high": f"{label} is high ({vals})",
            "one-sided": f"{label} acts on one side of the face: {o.text.split(': ', 1)[-1]}"}.get(
        actual, f"{label}: {o.text}")
    # the face reading's `one-sided` (a lip corner raised on one side: contempt) is a raised AU as well
    table = {
        "present": {"raised": "supported", "high": "supported", "usual": "supported", "lowered": "contradicted",
                    "one-sided": "supported"},
        "raised": {"raised": "supported", "high": "supported", "usual": "contradicted", "lowered": "contradicted",
                   "one-sided": "supported"},
        "lowered": {"lowered": "supported", "raised": "contradicted", "high": "contradicted",
                    "usual": "contradicted", "one-sided": "contradicted"},
        "usual": {"usual": "supported", "raised": "contradicted", "lowered": "contradicted", "high": "unverifiable",
                  "one-sided": "contradicted"},
        "absent": {"lowered": "supported", "raised": "contradicted", "high": "contradicted", "usual": "unverifiable",
                   "one-sided": "contradicted"},
        "one-sided": {"one-sided": "supported", "raised": "contradicted", "usual": "contradicted",
                      "lowered": "contradicted", "high": "unverifiable"},
    }
    verdict: Verdict = table[state].get(actual, "unverifiable")  # type: ignore[assignment]
    return verdict, actual, evid


def _au_named(au: str, name: str, phrase: str) -> str:
    """How a message refers to an AU the text named: "AU7 (lid tightener)" or '"a frown" (AU4, brow lowerer)'."""
    words = " ".join(_words_of(phrase))
    if words in (au.lower(), f"{au.lower()} {name}", f"{name} {au.lower()}", name):
        return f"{au} ({name})" if name else au
    return f"{_q(phrase)} ({au}, {name})" if name else f"{_q(phrase)} ({au})"


def _au_claims(f: _Facts, sentence: str, toks: Sequence[_Tok]) -> list[Claim]:
    texts = [t.text for t in toks]
    mentions = _au_mentions(toks)
    if not mentions:
        return []
    # lists of mentions ("AU1, AU2 and AU4 are raised") share one state
    groups: list[list[int]] = [[0]]
    for k in range(1, len(mentions)):
        gap = texts[mentions[k - 1][1]: mentions[k][0]]
        if all(t in _AU_LIST for t in gap):
            groups[-1].append(k)
        else:
            groups.append([k])
    states: dict[int, str] = {}
    for g in groups:
        first, last = mentions[g[0]], mentions[g[-1]]
        nxt = mentions[g[-1] + 1][0] if g[-1] + 1 < len(mentions) else len(texts)
        prev_end = mentions[g[0] - 1][1] if g[0] > 0 else 0
        state = (_au_state(texts, last[0], last[1], nxt) or _au_state_before(texts, first[0], prev_end)
                 or "present")
        for k in g:
            # a negation right before one member is its own ("AU12 but no AU4" are separate groups anyway)
            own = _au_state_before(texts, mentions[k][0], mentions[k - 1][1] if k else 0) if k != g[0] else None
            states[k] = own if own == "absent" else state
    claims = []
    for k, (s, e, aus) in enumerate(mentions):
        state = states[k]
        phrase = _phrase(sentence, toks, s, e)
        if f.modality("face") is None:
            claims.append(_missing(f, sentence, phrase, "face", aus[0], state))
            continue
        best = None
        for au in aus:
            verdict, actual, evid = _judge_au(f, au, state)
            if best is None or _RANK[verdict] < _RANK[best[1]]:
                best = (au, verdict, actual, evid)
        assert best is not None
        au, verdict, actual, evid = best
        named = _au_named(au, f.au_names.get(au, ""), phrase)
        if verdict == "contradicted":
            detail = f"You wrote that {named} is {_AU_SAY[state]}, but {evid}."
        elif verdict == "invented":
            detail = (f"You mentioned {named}, but the face extractor cannot measure {au}." if au not in f.au_names
                      else f"You mentioned {named}, but {au} was not measured: no face clue reports it.")
        elif verdict == "supported":
            detail = f"agrees: {evid}"
        else:
            detail = evid
        claims.append(Claim(sentence=sentence, phrase=phrase, modality="face", cue=au, asserted=state,
                            actual=actual, verdict=verdict, detail=detail))
    return claims
