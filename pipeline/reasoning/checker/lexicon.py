"""The reasoning checker's word lists, read from prompts/evidence/checker_lexicon.yaml (cue nouns, category words,
word sets, everyday AU names), and the negation words from the project's one list (pipeline.records.text.negations)."""

from __future__ import annotations

import copy
from typing import Any

from emer.pipeline.evidence.voice_features import voice_vocabulary
from emer.pipeline.records.text import negations
from emer.pipeline.records.vocab import basic_emotions, basic_of_wheel_word, canonical_label, load_data_yaml

# The voice cues (prompts/evidence/voice_features.yaml): the levels read against a reference, then the contour.
PROSODY_CUES = voice_vocabulary().cues()
LEVEL_CUES = voice_vocabulary().level_cues()
SCENE_CUES = ("brightness", "motion", "framing")

_DATA: dict[str, Any] = load_data_yaml("evidence", "checker_lexicon.yaml")

# Cue nouns: phrase -> (group, cues).
_ANCHORS: dict[str, tuple[str, tuple[str, ...]]] = {
    phrase: (entry["group"], tuple(entry["cues"])) for entry in _DATA["anchors"] for phrase in entry["phrases"]}
# Category words: word -> {cue: category}.
_WORDS: dict[str, dict[str, str]] = {
    word: dict(entry["cues"]) for entry in _DATA["categories"] for word in entry["words"]}


def _set(name: str) -> frozenset[str]:
    return frozenset(_DATA["word_sets"][name])


def lexicon_section(key: str) -> Any:
    """A copy of the lexicon's entries under `key`: one checker module's words (the key named after the module:
    `style`, `readings`, ...) or a shared table (`coverage_mentions`)."""
    return copy.deepcopy(_DATA[key])


def word_set(module: str, name: str) -> frozenset[str]:
    """A word set of one checker module (in the lexicon's key named after the module)."""
    return frozenset(_DATA[module][name])


_STANDALONE = _set("standalone")  # category words that are claims with no cue noun in the clause
_NEEDS_NOUN = _set("needs_noun")  # quantity words: categories only right before a cue noun ("little variation")
# With a general voice noun ("a high voice", "a raised voice"), which cues a word may be about.
_VOICE_DEFAULT: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _DATA["voice_default"].items()}
_USUAL = _set("usual")
_NEGATORS = negations()
_HEDGES = _set("hedges")
_COMPARATORS = _set("comparators")
_HYPOTHETICAL = _set("hypothetical")
# General statements ("a high pitch is typical of fear"): judged like any claim (a recited cue list is a
# problem), unless the same sentence also says what this clip shows for the cue.
_GENERIC = _set("generic")
_CLAUSE_WORDS = _set("clause_words")
_BACK_REFERENCE = _set("back_reference")
_GENERAL_REFERENCE = _set("general_reference")  # "these cues", "all of this": not the last cue noun
_CLAUSE_PUNCT = _set("clause_punct")
_ABSENCE = _set("absence")
# Words that name two cues at once with one noun ("flat pitch": narrow range or flat contour): judged against
# both, the better verdict wins. Other words take the first cue the noun lists ("high pitch": the level).
_AMBIGUOUS = _set("ambiguous")
# Strict words for "this sentence talks about modality X" (used when X's clue is missing).
_MENTIONS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in _DATA["mentions"].items()}
_SPEECH_VERBS = _set("speech_verbs")
_MODALITY_WHAT: dict[str, str] = dict(_DATA["modality_what"])
# Everyday names of action units (the FACS names of the AU table are added from the table itself).
AU_SYNONYMS: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _DATA["au_synonyms"].items()}
_AU_RAISED = _set("au_raised")
_AU_LOWERED = _set("au_lowered")
_AU_ABSENT = _set("au_absent")
_AU_USUAL = _set("au_usual")
_AU_ONE_SIDED = _set("au_one_sided")
_AU_LIST = _set("au_list")
_AU_STOP = _set("au_stop")
# Emotion words that are also ordinary words; not read as emotion claims.
_NOT_EMOTIONS = _set("not_emotions")
_EMOTIONAL = _set("emotional")
_NEUTRAL = _set("neutral")
_CUE_LABEL: dict[str, str] = dict(_DATA["cue_label"])
_FRAMING: tuple[str, ...] = tuple(_DATA["framing"])


def _emotion(word: str) -> str | None:
    """The basic emotion a word names, "emotional" for emotion in general, or None."""
    if word in _EMOTIONAL:
        return "emotional"
    if word in _NEUTRAL:
        return "neutral"
    if word in _NOT_EMOTIONS or len(word) < 3 or not word.isalpha():
        return None
    if word in basic_emotions():
        return word
    if (canon := canonical_label(word)) in basic_emotions():  # "contemptuous": contempt, which the wheel puts
        return canon                                           # under disgust, is its own emotion in 8 classes
    return basic_of_wheel_word(word)
