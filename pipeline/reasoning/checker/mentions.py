"""Which channel (face, voice, words, body) a sentence of an explanation talks about: the checker lexicon's
`mentions` of the channel's modality, plus `coverage_mentions` (says, quoted words, posture, ...)."""

from __future__ import annotations

from functools import cache

from emer.pipeline.reasoning.checker.lexicon import _MENTIONS, lexicon_section
from emer.pipeline.reasoning.checker.text import SAID_QUOTE_RE, _words_of

MODALITY = {"face": "face", "voice": "prosody", "words": "speech", "body": "scene"}


@cache
def _channel_words(channel: str) -> frozenset[str]:
    said = lexicon_section("coverage_mentions").get(channel, [])
    return _MENTIONS.get(MODALITY[channel], frozenset()) | frozenset(said)


def mentions_channel(sentence: str, channel: str) -> bool:
    """The sentence talks about the channel (or quotes what was said, for the words: in quotation marks, or masked
    by the checker)."""
    if channel == "words" and (any(q in sentence for q in ('"', "“", "「")) or SAID_QUOTE_RE.search(sentence)):
        return True
    return bool(set(_words_of(sentence)) & _channel_words(channel))
