"""Coverage: an explanation of a decided label describes every channel that carried a large share of the
decision (pipeline/evidence/channels.py `share`, at least cues.MUST_DESCRIBE). A channel left out is a finding (cue
`coverage`, disallowed): the explanation hides part of why the label was chosen. A channel is described when a
sentence names it or its cues (the checker lexicon's `mentions`, plus `coverage_mentions`: says, quoted words,
posture, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from emer.pipeline.reasoning.checker.lexicon import _MENTIONS, lexicon_section
from emer.pipeline.reasoning.checker.text import _words_of
from emer.pipeline.reasoning.cues import MUST_DESCRIBE
from emer.pipeline.records.checks import Claim
from emer.pipeline.records.evidence import EvidenceSummary

_MODALITY = {"face": "face", "voice": "prosody", "words": "speech", "body": "scene"}


@cache
def _channel_words(channel: str) -> frozenset[str]:
    said = lexicon_section("coverage_mentions").get(channel, [])
    return _MENTIONS.get(_MODALITY[channel], frozenset()) | frozenset(said)


def mentions_channel(sentence: str, channel: str) -> bool:
    """The sentence talks about the channel (or quotes what was said, for the words)."""
    if channel == "words" and any(q in sentence for q in ('"', "“", "「")):
        return True
    return bool(set(_words_of(sentence)) & _channel_words(channel))


def coverage_claims(sentences: Sequence[str], evidence: EvidenceSummary) -> list[Claim]:
    """One finding per channel with a share of at least MUST_DESCRIBE that no sentence describes."""
    out = []
    for c in evidence.channels:
        if c.status != "ok" or c.share < MUST_DESCRIBE or any(mentions_channel(s, c.channel) for s in sentences):
            continue
        reading = c.reading or ", ".join(q.text for q in c.cues[:2])
        out.append(Claim(sentence="", phrase="", modality=_MODALITY[c.channel], cue="coverage",
                         asserted="left out", actual=reading, verdict="disallowed",
                         detail=f"You left out the {c.channel}, which carried {round(c.share * 100)} percent of "
                         f"the decision ({reading}); describe it."))
    return out
