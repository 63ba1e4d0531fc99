"""The reasoning checker: check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emer.pipeline.reasoning.checker.aus import _au_claims
from emer.pipeline.reasoning.checker.coherence import concludes_with, other_state_claims
from emer.pipeline.reasoning.checker.consistency import _instruction_claims, _looping, _self_consistency
from emer.pipeline.reasoning.checker.coverage import coverage_claims
from emer.pipeline.reasoning.checker.cues import _clause_claims
from emer.pipeline.reasoning.checker.facts import _Facts, _facts, _missing
from emer.pipeline.reasoning.checker.interpretation import interpretation_claims
from emer.pipeline.reasoning.checker.lexicon import (
    _ABSENCE,
    _BACK_REFERENCE,
    _GENERAL_REFERENCE,
    _MENTIONS,
    word_set,
)
from emer.pipeline.reasoning.checker.numbers import _number_claims
from emer.pipeline.reasoning.checker.readings import neutral_support_claims, reading_claims
from emer.pipeline.reasoning.checker.speech import _quote_claims
from emer.pipeline.reasoning.checker.style import echo_claims, style_claims
from emer.pipeline.reasoning.checker.text import (
    _AU_CODE_RE,
    _clauses,
    _mask_quotes,
    _normalise_text,
    _phrase,
    _Tok,
    _tokenise,
    _unmask,
    _words_of,
)
from emer.pipeline.records.checks import Claim, ReasoningCheck
from emer.pipeline.records.evidence import EvidenceSummary
from emer.pipeline.records.text import APOSTROPHE_RE as _APOSTROPHE_RE
from emer.pipeline.records.text import sentence_spans as _sentence_spans

_TONE_OWNERS = word_set("check", "tone_owners")  # "her tone": the voice's tone

# --- entry point ------------------------------------------------------------------------------------


def check_reasoning(text: str, evidence: EvidenceSummary, clues: Mapping[str, Any] | None = None,
                    label: str | None = None, explanation: bool = False, given: Sequence[str] = ()
                    ) -> ReasoningCheck:
    """Check free reasoning against the evidence summary (and, when given, the clip's clues: kind -> clue or
    clue dict, for the transcript, the measured action units and the expression probabilities). With
    `explanation`, also the explanation's own rules: cue interpretations against the cue tables, form
    (percentages, lists) and, given the decided `label`, coherence with it and coverage (every channel with a
    large share of the decision described; `given`: the sentences the request handed the model, which describe
    no channel)."""
    f = _facts(evidence, clues)
    known = f" {' '.join(_words_of(' '.join(o.text for o in evidence.observations())))} "
    masked_text, quotes = _mask_quotes(_APOSTROPHE_RE.sub("'", text), known)  # same length as `text`
    spans = _sentence_spans(masked_text, text)
    sentences = [text[a:b] for a, b in spans]
    claims: list[Claim] = []
    carry: Any = None  # the last cue noun of the sentence before
    for sentence, (a, b) in zip(sentences, spans, strict=True):
        masked = _normalise_text(masked_text[a:b])  # token positions refer to `masked`
        toks = _tokenise(masked)
        found: list[tuple[Claim, bool]] = [(c, False) for c in _au_claims(f, masked, toks)]
        # "This suggests ..." refers back to the last cue noun; "These cues fit together ..." to all of them
        last = carry if toks and toks[0].text in _BACK_REFERENCE and not (
            len(toks) > 1 and toks[1].text in _GENERAL_REFERENCE) else None
        for k, (lo, hi, cont) in enumerate(_clauses(toks)):
            clause_claims, last = _clause_claims(f, masked, toks, lo, hi, last if cont or k == 0 else None)
            found += clause_claims
        carry = last
        found += [(c, False) for c in _quote_claims(f, masked, toks, quotes)]
        specific = {(c.modality, c.cue) for c, generic in found if not generic}
        kept = [c for c, generic in found if not generic or (c.modality, c.cue) not in specific]
        # "without a voice clue we cannot tell whether the pitch is high": a clause saying a modality is absent
        absent = _absent_modalities(toks)
        # (a quote is still a claim of what was said: 'The words "..." cannot be used' where nothing was said)
        kept = [c for c in kept if f.modality(c.modality) is not None or c.modality not in absent
                or c.cue == "transcript"]
        kept += _missing_mentions(f, masked, toks, kept, absent)
        kept += _instruction_claims(f, sentence)
        kept += _number_claims(f, masked, kept)
        if explanation:
            measured = {(c.cue, c.asserted) for c in kept if c.verdict == "supported" and c.modality == "prosody"}
            kept += interpretation_claims(masked, toks, measured) + style_claims(sentence)
            if not any(c.cue == "instruction" for c in kept):  # a spoken instruction repeated is judged above
                kept += echo_claims(sentence)
            state = other_state_claims(sentence, label) if label else []
            kept += state or (reading_claims(masked, label) + neutral_support_claims(masked, label, evidence.channels)
                              if label else [])
        kept = [c.model_copy(update={"sentence": sentence, "phrase": _unmask(c.phrase, quotes),
                                     "detail": _unmask(c.detail, quotes)}) for c in kept]
        claims += _dedupe(kept)
    _self_consistency(claims)
    repeated = _looping(text, sentences)
    coherent = None
    if explanation and label:
        claims += coverage_claims(sentences, evidence, label, given)
        coherent = concludes_with(sentences, label) and not any(c.cue == "coherence" for c in claims)
    return ReasoningCheck(claims=claims, looping=bool(repeated), repeated=repeated, coherent=coherent)


def _dedupe(claims: list[Claim]) -> list[Claim]:
    """One claim per cue and assertion in a sentence; "the words are emotional" only without a named emotion."""
    seen, out = set(), []
    named = any(c.cue == "words" and c.asserted not in ("emotional", "none") for c in claims)
    for c in claims:
        if named and c.cue == "words" and c.asserted == "emotional":
            continue
        key = (c.modality, c.cue, c.asserted)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _says_absent(texts: Sequence[str]) -> bool:
    return any(t in _ABSENCE or t.endswith("n't") for t in texts)


def _absent_modalities(toks: Sequence[_Tok]) -> set[str]:
    """The modalities named in a clause that says something is absent ("no face was measured", "without a voice
    clue we cannot tell ..."); a clause saying nothing is absent exempts nothing ("The face shows a frown, and the
    words carry no emotion": the face is still a claim)."""
    texts = [t.text for t in toks]
    out: set[str] = set()
    for lo, hi, _ in _clauses(toks):
        clause = texts[lo:hi]
        if not _says_absent(clause):
            continue
        for modality, words in _MENTIONS.items():
            if any(t in words or (modality == "face" and _AU_CODE_RE.match(t)) for t in clause):
                out.add(modality)
    return out


def _missing_mentions(f: _Facts, sentence: str, toks: Sequence[_Tok], found: Sequence[Claim],
                      absent: set[str]) -> list[Claim]:
    """A sentence talking about a modality whose clue is missing, without a specific claim already flagged or a
    clause saying it is absent."""
    texts = [t.text for t in toks]
    out = []
    for modality, words in _MENTIONS.items():
        if modality in absent or f.modality(modality) is not None or any(c.modality == modality for c in found):
            continue
        hits = [i for i, t in enumerate(texts) if t in words or (modality == "face" and _AU_CODE_RE.match(t))]
        if modality == "prosody":
            hits = [i for i in hits if texts[i] != "tone" or (i > 0 and texts[i - 1] in _TONE_OWNERS)]
        if hits:
            i = hits[0]
            phrase = _phrase(sentence, toks, max(0, i - 2), min(len(toks), i + 2))
            out.append(_missing(f, sentence, phrase, modality, {"prosody": "voice", "face": "face",
                                                                "speech": "words", "scene": "scene"}[modality],
                                "described"))
    return out
