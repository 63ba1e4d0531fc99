"""Channel readings in an explanation of a decided label: an emotion other than the label, named as what a
channel, a cue or the person shows ("The face shows sadness", "the voice sounds angry", "the cues point most to
fear, then to anger"), is allowed only in a sentence that states the disagreement and what was trusted ("The
voice alone would suggest sadness, but the smile decides it"). Otherwise the sentence is incoherent with the
label (cue `coherence`); when the same sentence presents that reading as support for the label ("The face shows
sadness, which is a cue for fear") it is also a wrong interpretation (cue `interpretation`): a cue for one
emotion is no cue for another.

Not read: negated emotions ("not angry"), neutral words (the words of a sentence can be neutral under any
label), an emotion listed as an alternative to the label ("a sign of sadness or disgust" under sadness), quoted
words (masked before this runs)."""

from __future__ import annotations

from collections.abc import Sequence

from emer.pipeline.reasoning.checker.coherence import label_basics
from emer.pipeline.reasoning.checker.lexicon import _emotion, lexicon_section, word_set
from emer.pipeline.reasoning.checker.mentions import mentions_channel
from emer.pipeline.reasoning.checker.text import _negation, _words_of
from emer.pipeline.reasoning.cues import DISAGREES
from emer.pipeline.records.channel import ChannelReading
from emer.pipeline.records.checks import Claim

_CONTRAST = word_set("readings", "contrast")
_DECIDES = word_set("readings", "decides")
_SUPPORT = word_set("readings", "support")
_ALTERNATIVE = word_set("readings", "alternative")
_AGREE = word_set("readings", "agree")
_AGREE_SPAN = int(lexicon_section("readings")["agree_span"])
_NEUTRAL_READING = word_set("readings", "neutral_reading")


def states_disagreement(words: list[str], label: str) -> bool:
    """The sentence contrasts the other reading with what was trusted: a contrast word and either the label
    (or a word under it) or a word saying what decides."""
    if not any(w in _CONTRAST for w in words):
        return False
    basics = label_basics(label)
    return any(w in _DECIDES or w == label.lower() or _emotion(w) in basics for w in words)


def is_disagreement(sentence: str, label: str) -> bool:
    """states_disagreement of a sentence."""
    return states_disagreement(_words_of(sentence), label)


def sentence_key(sentence: str) -> str:
    """A sentence compared without case, spacing, quotes or its final stop."""
    return " ".join(sentence.lower().strip(" .\"'“”").split())


def describes_channel(sentences: Sequence[str], channel: str, label: str, given: Sequence[str] = ()) -> bool:
    """A sentence describes the channel: it names it and is neither the disagreement sentence nor one of the
    `given` sentences the request handed the model (the one on what decided), which name a channel without
    describing its cues."""
    keys = {sentence_key(g) for g in given if g}
    return any(mentions_channel(_beside(s, keys), channel) and not (label and is_disagreement(s, label))
               for s in sentences)


def _beside(sentence: str, given: set[str]) -> str:
    """The sentence without the given sentences it holds ("Taken together, the voice fits disgust and decides
    it." holds the one on what decided and describes nothing beside it)."""
    key = sentence_key(sentence)
    for g in sorted(given, key=len, reverse=True):
        key = key.replace(g, " ")
    return key


def reading_claims(sentence: str, label: str) -> list[Claim]:
    """The sentence's readings of an emotion other than `label` that do not state a disagreement (see the module
    doc); `sentence` with its quotes masked."""
    words = _words_of(sentence)
    if states_disagreement(words, label):
        return []
    basics = label_basics(label)
    label_at = [i for i, w in enumerate(words) if w == label.lower() or _emotion(w) in basics]
    for i, w in enumerate(words):
        emo = _emotion(w)
        if emo in (None, "emotional", "neutral") or emo in basics or _negation(words, i, 0) is not None:
            continue
        if any(abs(i - j) == 2 and words[min(i, j) + 1] in _ALTERNATIVE for j in label_at):
            continue  # "sadness or disgust" under sadness: the cue table's alternatives, the label among them
        claims = [Claim(sentence=sentence, phrase=w, modality="evidence", cue="coherence", asserted=emo,
                        actual=label, verdict="disallowed",
                        detail=f"You named {w} although the decided emotion is {label}. Describe what the face, "
                        f"voice and words show without naming another emotion, or state the disagreement as "
                        f"'the voice alone would suggest {emo}, but ... decides it'.")]
        later = [j for j in label_at if j > i]
        if later and any(x in _SUPPORT for x in words[i + 1: later[0]]):
            claims.append(Claim(sentence=sentence, phrase=" ".join(words[i: later[0] + 1]), modality="evidence",
                                cue="interpretation", asserted=emo, actual=label, verdict="contradicted",
                                detail=f"You presented a reading of {emo} as a cue for {label}; a cue for {emo} "
                                f"is no cue for {label}."))
        return claims
    return []


def neutral_support_claims(sentence: str, label: str, channels: Sequence[ChannelReading] = ()) -> list[Claim]:
    """A neutral reading presented as agreeing with a label that is not neutral ("The face shows a neutral
    expression, which is consistent with the words" under sadness): a face or voice that shows no sign of the
    label does not support it (cue `interpretation`). Under a label standing for neutral, a neutral reading
    presented as agreeing with a channel (`channels`: the clip's records) that read another emotion ("a neutral
    face, consistent with the words" where the words read fear): a neutral reading agrees with no emotion. Not
    read: a sentence stating the disagreement, a negated neutral word."""
    basics = label_basics(label)
    words = _words_of(sentence)
    if states_disagreement(words, label):
        return []
    agree = [j for j, w in enumerate(words) if w in _AGREE]
    for i, w in enumerate(words):
        if w not in _NEUTRAL_READING or _negation(words, i, 0) is not None:
            continue
        for j in (j for j in agree if abs(i - j) <= _AGREE_SPAN):
            if "neutral" not in basics:
                return [Claim(sentence=sentence, phrase=w, modality="evidence", cue="interpretation",
                              asserted="neutral", actual=label, verdict="contradicted",
                              detail=f"You presented a {w} reading as agreeing with {label}; a channel that shows no "
                              f"sign of {label} does not support it. Say that it shows no sign of {label}, or state "
                              "the disagreement.")]
            other = " ".join(words[j + 1:] if j > i else words[:j])
            for c in channels:
                if c.status != "ok" or c.lean in basics | {None} or c.share < DISAGREES or not mentions_channel(
                        other, c.channel):
                    continue
                return [Claim(sentence=sentence, phrase=" ".join(words[min(i, j): max(i, j) + 1]),
                              modality="evidence", cue="interpretation", asserted="neutral", actual=c.lean,
                              verdict="contradicted",
                              detail=f"You presented a {w} reading as agreeing with the {c.channel}, which read "
                              f"{c.lean}; a {w} reading agrees with no emotion. Describe each channel on its own, "
                              "or state the disagreement.")]
    return []
