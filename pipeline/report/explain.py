"""The explanation as the report shows it: the reasoning sentence by sentence, each checked claim's words marked
with its verdict (supported, contradicted, invented, unverifiable), and the sentences the self-check dropped put
back in their place, struck through, with the claims that got them dropped.

The kept sentences carry the claims of the result's own check. The dropped ones are no longer in the result: they
are found by laying the final reasoning over the raw attempt it was cut from (response.json), and their claims
come from checking that attempt again now, with the same deterministic checker."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from emer.pipeline.reasoning.checker import Claim, check_reasoning, split_sentences
from emer.pipeline.reasoning.reasoner import trim_reasoning
from emer.pipeline.report.load import ClipRecord

VERDICTS = ("supported", "contradicted", "invented", "unverifiable")


@dataclass
class Piece:
    text: str
    verdict: str | None = None  # a claim's verdict when these words make it
    title: str = ""  # the claim's detail, shown on hover


@dataclass
class SentenceView:
    pieces: list[Piece]
    claims: list[Claim]
    dropped: bool = False


@dataclass
class Explanation:
    sentences: list[SentenceView] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # verdict (and "dropped") -> how many
    note: str | None = None


def _key(sentence: str) -> str:
    return " ".join(sentence.lower().split())


def mark(sentence: str, claims: list[Claim]) -> list[Piece]:
    """The sentence cut into pieces, the words of each claim (its phrase, found case-insensitively) marked with
    its verdict. Claims whose phrase is missing or overlaps an earlier one's stay unmarked (still listed)."""
    spans: list[tuple[int, int, Claim]] = []
    lowered = sentence.lower()
    for claim in claims:
        phrase = claim.phrase.strip().lower()
        start = lowered.find(phrase) if phrase else -1
        if start < 0:
            continue
        end = start + len(phrase)
        if all(end <= a or start >= b for a, b, _ in spans):
            spans.append((start, end, claim))
    pieces: list[Piece] = []
    pos = 0
    for start, end, claim in sorted(spans, key=lambda s: s[0]):
        if start > pos:
            pieces.append(Piece(sentence[pos:start]))
        pieces.append(Piece(sentence[start:end], claim.verdict, f"{claim.verdict}: {claim.detail}"))
        pos = end
    if pos < len(sentence):
        pieces.append(Piece(sentence[pos:]))
    return pieces


def _owner(sentences: list[str], claim: Claim) -> int | None:
    target = _key(claim.sentence)
    for i, s in enumerate(sentences):
        if _key(s) == target:
            return i
    return next((i for i, s in enumerate(sentences) if target and target in _key(s)), None)


def _laid_over(final: list[str], attempt: list[str]) -> list[bool] | None:
    """For each sentence of the attempt, whether the final reasoning kept it (the final sentences in order, each
    once); None when the final reasoning is not the attempt with sentences left out."""
    wanted = [_key(s) for s in final]
    kept: list[bool] = []
    i = 0
    for sentence in attempt:
        hit = i < len(wanted) and _key(sentence) == wanted[i]
        kept.append(hit)
        i += hit
    return kept if i == len(wanted) else None


def explanation(record: ClipRecord) -> Explanation | None:
    """The explanation of a clip's result; None when it has no prediction."""
    p = record.result.prediction
    if p is None:
        return None
    if not p.reasoning.strip():
        return Explanation(note=f"no reasoning: the label is the {p.decided_by} decision (the run had no LLM)")
    final = split_sentences(p.reasoning)
    claims = list(p.check.claims) if p.check is not None else []
    by_sentence: dict[int, list[Claim]] = {}
    for claim in claims:
        i = _owner(final, claim)
        by_sentence.setdefault(i if i is not None else len(final) - 1, []).append(claim)
    views = [SentenceView(mark(s, by_sentence.get(i, [])), by_sentence.get(i, [])) for i, s in enumerate(final)]
    out = Explanation(sentences=views, counts=dict(Counter(c.verdict for c in claims)))
    if p.check is None:
        out.note = "the reasoning was not checked (no evidence summary)"
    if p.dropped_sentences and record.attempts and record.evidence is not None:
        for raw in reversed(record.attempts):
            text = trim_reasoning(raw, p.reasoning_truncated)
            attempt = split_sentences(text)
            kept = _laid_over(final, attempt)
            if kept is None or all(kept):
                continue
            recheck = check_reasoning(text, record.evidence, record.clues)
            views_iter = iter(views)
            merged: list[SentenceView] = []
            for sentence, is_kept in zip(attempt, kept, strict=True):
                if is_kept:
                    merged.append(next(views_iter))
                    continue
                own = [c for c in recheck.claims if _key(c.sentence) == _key(sentence)
                       or (_key(c.sentence) and _key(c.sentence) in _key(sentence))]
                merged.append(SentenceView(mark(sentence, own), own, dropped=True))
            out.sentences = merged
            out.counts = dict(Counter(c.verdict for view in merged for c in view.claims))
            out.counts["dropped"] = sum(not k for k in kept)
            out.note = ("struck-through sentences were dropped by the self-check; their claims are from checking "
                        "the raw attempt again at report time")
            break
    return out
