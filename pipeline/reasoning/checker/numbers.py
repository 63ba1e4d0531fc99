"""The reasoning checker: numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial

from emer.pipeline.reasoning.checker.facts import _Facts
from emer.pipeline.reasoning.checker.lexicon import _emotion, lexicon_section, word_set
from emer.pipeline.reasoning.checker.text import _q, _words_of
from emer.pipeline.records.checks import PROBLEM_VERDICTS, Claim
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import label_weights

_NUMBER_RE = re.compile(r"(?<![\w.])([-−+]?\d+(?:\.\d+)?)(?:\s*(%|percent\b|per\s+cent\b|hz\b|hertz\b|dbfs\b|db\b|"
                        r"decibels?\b|semitones?\b|st\b|syllables?\b|spreads?\b|standard\s+deviations?\b|"
                        r"s\b|secs?\b|seconds?\b|ms\b|minutes?\b|frames?\b|words?\b|x\b))?", re.IGNORECASE)
_UNIT_FAMILY: dict[str, str] = dict(lexicon_section("numbers")["unit_family"])
_UNREAD_UNITS = word_set("numbers", "unread_units")  # durations and counts the clip header shows, sizes
_APPROX = word_set("numbers", "approx")
_COMPARE = word_set("numbers", "compare")
# after a number: a difference or ratio the text derives ("30 Hz higher than usual"), not a value it cites
_DERIVED = word_set("numbers", "derived")


def _unit_family(unit: str | None) -> str | None:
    return _UNIT_FAMILY.get(" ".join(unit.lower().split())) if unit else None


def _decimals(raw: str) -> int:
    return len(raw.split(".")[1]) if "." in raw else 0


def _shown_numbers(f: _Facts) -> list[tuple[set[str], list[tuple[float, int]]]]:
    """Per observation: the unit families its text uses, and every number it shows with its decimals."""
    out = []
    for o in f.evidence.observations():
        found = list(_NUMBER_RE.finditer(o.text))
        units = {u for m in found if (u := _unit_family(m.group(2)))}
        out.append((units, [(float(m.group(1).replace("−", "-")), _decimals(m.group(1))) for m in found]))
    return out


def _distribution_values(f: _Facts, emotion: str | None) -> list[tuple[str, float]]:
    """(where, probability) of every distribution the evidence shows, for one basic emotion (None: all)."""
    def fits(label: str) -> bool:
        if emotion is None:
            return True
        try:
            return label_weights(label).get(emotion, 0.0) > 0
        except ConfigError:  # an open-vocabulary label outside the basic emotions
            return _emotion(label.lower()) == emotion

    ev = f.evidence
    out = [("combined", p) for dist in (ev.labels, ev.emotions) for k, p in dist.items() if fits(k)]
    for m in ev.modalities:  # labels and basic emotions often share names: both are shown
        out += [(m.modality, p) for dist in (m.labels, m.emotions) for k, p in dist.items() if fits(k)]
    if emotion is not None:
        out += [("classifier", p) for p in sorted(f.expression_values.get(emotion, set()))]
    return out


def _near(value: float, written: float, approx: bool, shown: float, shown_rounding: float) -> bool:
    """Whether a number written with rounding `written` can be a shown number (itself rounded by
    `shown_rounding`); with "about", within 10 %."""
    tol = written + shown_rounding + 1e-9
    return abs(value - abs(shown)) <= (max(tol, 0.1 * abs(shown)) if approx else tol)


def _number_claims(f: _Facts, sentence: str, found: Sequence[Claim]) -> list[Claim]:
    """Numbers of a sentence (its quotes masked) that no clue or evidence shows."""
    claims = []
    for m in _NUMBER_RE.finditer(sentence):
        raw, unit = m.group(1), _unit_family(m.group(2))
        if m.group(2) and " ".join(m.group(2).lower().split()) in _UNREAD_UNITS:
            continue
        if unit is None and "." not in raw:
            continue  # a count or an integer without a unit: nothing to compare it with
        before = _words_of(sentence[max(0, m.start() - 40): m.start()])[-3:]
        after = _words_of(sentence[m.end(): m.end() + 30])[:3]
        symbols = sentence[max(0, m.start() - 2): m.start()]
        if _COMPARE & set(before[-2:]) or _DERIVED & set(after) or any(c in symbols for c in "<>"):
            continue
        value = abs(float(raw.replace("−", "-")))
        near = partial(_near, value, 0.5 * 10 ** -_decimals(raw), bool(_APPROX & set(before[-2:])) or "~" in symbols)
        emotion = next((e for w in reversed(before) if (e := _emotion(w)) not in (None, "emotional")), None)
        phrase = sentence[m.start(): m.end()].strip()
        if unit == "%" or (unit is None and value <= 1 and emotion is not None):
            pct = 100 if unit == "%" else 1  # a percentage is compared in percent, a probability as a fraction
            dists = _distribution_values(f, emotion)  # shown as whole percents or two decimals
            ok = any(near(p * pct, 0.005 * pct) for _, p in dists)
            if not ok and emotion is None:  # a probability of the observations (the classifier's, ...)
                ok = any(near(v * pct, 0.5 * 10 ** -d * pct) for _, vals in _shown_numbers(f) for v, d in vals
                         if abs(v) <= 1)
            if ok or any(c.cue == "expression" and c.verdict in PROBLEM_VERDICTS for c in found):
                continue  # shown, or the classifier rule already judged the cited probability
            if emotion is not None:
                listed = ", ".join(f"{p * 100:.0f}% ({w})" for w, p in dists[:4]) or "no value"
                detail = (f"You wrote {emotion} {_q(phrase)}, but no evidence shows that number for {emotion} "
                          f"(it shows {listed}). Cite only numbers the clues give.")
            else:
                detail = (f"You wrote {_q(phrase)}, but no clue or evidence shows that number. Cite only numbers "
                          "the clues give.")
            claims.append(Claim(sentence=sentence, phrase=phrase, modality="evidence", cue="number",
                                asserted=phrase, actual=None, verdict="invented", detail=detail))
            continue
        # a shown integer is a count (1 face, 6 clips), not a rounded measure
        if any(near(v, 0.5 * 10 ** -d if d else 0.0) for units, vals in _shown_numbers(f)
               if unit is None or unit in units for v, d in vals):
            continue
        modality = "prosody" if unit in ("hz", "db", "st", "syl", "spread") else "evidence"
        claims.append(Claim(sentence=sentence, phrase=phrase, modality=modality, cue="number", asserted=phrase,
                            actual=None, verdict="invented",
                            detail=f"You wrote {_q(phrase)}, but no clue or evidence shows that number. Cite only "
                            "numbers the clues give."))
    return claims
