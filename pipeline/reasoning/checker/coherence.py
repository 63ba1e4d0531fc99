"""Coherence with the decided label: the explanation concludes with it (its last sentence names the label or a
word the emotion wheel places under it) and names no other emotion as the person's state ("she seems sad" above
a label of anger). What a single cue suggests ("the frown suggests anger") is an interpretation, not the
person's state, and is judged by interpretation.py."""

from __future__ import annotations

import re
from collections.abc import Sequence

from emer.pipeline.reasoning.checker.lexicon import _emotion, word_set
from emer.pipeline.reasoning.checker.text import _negation, _words_of
from emer.pipeline.records.checks import Claim
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import label_weights

_STATE = re.compile(r"\b(?:person|speaker|actor|actress|man|woman|individual|subject|he|she|they)\s+(?:is|are|was|"
                    r"were|seems?|appears?|feels?|felt|looks?|sounds?|shows?|showed|expresses|displays|conveys|"
                    r"experienc\w*|is\s+feeling|must\s+be|is\s+likely|is\s+probably)\b|\b(?:emotion|state|feeling|"
                    r"mood)\s+(?:is|was|of)\b|\bbest\s+described\s+as\b|\bconclude\b|\boverall\b", re.I)


_READING_NOUNS = word_set("coherence", "reading_nouns")


def label_basics(label: str) -> set[str]:
    """The basic emotions a label stands for (the label itself for an open-vocabulary word)."""
    try:
        return {b for b, w in label_weights(label).items() if w > 0}
    except ConfigError:
        return {_emotion(label) or label}


def names_label(sentence: str, label: str, as_reading: bool = True) -> bool:
    """The sentence names the label, or an emotion word under it, not negated; with `as_reading` False, not as
    the reading of a cue either ("a sign of fear")."""
    basics = label_basics(label)
    words = _words_of(sentence)
    for i, w in enumerate(words):
        if (w == label.lower() or _emotion(w) in basics) and _negation(words, i, 0) is None \
                and (as_reading or not _READING_NOUNS & set(words[max(0, i - 3): i])):
            return True
    return False


def other_state_claims(sentence: str, label: str) -> list[Claim]:
    """A sentence saying the person feels an emotion other than the label."""
    m = _STATE.search(sentence)
    if not m:
        return []
    basics = label_basics(label)
    words = _words_of(sentence[m.start():])
    for i, w in enumerate(words[:10]):
        emo = _emotion(w)
        if emo in (None, "emotional") or emo in basics or _negation(words, i, 0) is not None:
            continue
        return [Claim(sentence=sentence, phrase=" ".join(words[: i + 1]), modality="evidence", cue="coherence",
                      asserted=emo, actual=label, verdict="disallowed",
                      detail=f"You said the person feels {w}, but the decided emotion is {label}; name only "
                      f"{label} as what the person feels.")]
    return []


def concludes_with(sentences: Sequence[str], label: str) -> bool:
    """The last sentence names the label, other than as what one cue is a sign of ("They speak faster, a sign of
    fear." closes no explanation of fear or worry)."""
    return bool(sentences) and names_label(sentences[-1], label, as_reading=False)
