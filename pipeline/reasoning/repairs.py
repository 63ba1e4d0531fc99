"""The repairs of an explanation's text, each one job: the LLM's attempt tidied before it is checked (headings,
repeats, quote spacing, the given sentences unquoted), failing sentences dropped or replaced by the channel's
notes, the closing sentence said once at the end, and a channel that carried the decision described."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from emer.pipeline.evidence.channels import SOURCES
from emer.pipeline.reasoning.checker import ReasoningCheck
from emer.pipeline.reasoning.checker.lexicon import word_set
from emer.pipeline.reasoning.checker.mentions import mentions_channel
from emer.pipeline.reasoning.checker.readings import describes_channel, sentence_key
from emer.pipeline.reasoning.checker.style import strip_heading
from emer.pipeline.reasoning.cues import phrases
from emer.pipeline.reasoning.reasoner import trim_reasoning
from emer.pipeline.records.text import QUOTE_RE, split_sentences


def unheaded(text: str) -> str:
    """The LLM's text with the headings it copied from the notes or the request taken off each line (the line's
    words kept), so that a quote after "What is said:" is not lost with its heading."""
    return "\n".join(strip_heading(line.strip()) for line in text.splitlines() if line.strip())


def tight_quotes(text: str) -> str:
    """The text with the blanks inside each quotation's marks taken off ('says "I lied again. " It' -> 'says "I lied
    again." It'): the LLM writes them (the transcript and the notes quote without), and a quote is the clip's words,
    not the LLM's spacing."""

    def tight(m: re.Match[str]) -> str:
        quote = m.group(0)
        return quote[0] + quote[1:-1].strip() + quote[-1] if quote[0] in "\"“‘" else quote

    return QUOTE_RE.sub(tight, text)


def tidied(text: str, truncated: bool, notes: Mapping[str, Any]) -> str:
    """One attempt's raw text as it is checked: repeats and a cut-off tail trimmed, headings taken off, quotes
    tight, and the sentences the request gave out of quotation marks."""
    return unquote_given(tight_quotes(unheaded(trim_reasoning(text, truncated))), notes)


def unquote_given(text: str, notes: Mapping[str, Any]) -> str:
    """The text with the sentences the request gave to be said (on the disagreement or what decided, the
    conclusion) no longer in quotation marks: quoted, they read as a quote of what was said (invented) and were
    dropped, and with the disagreement sentence went the only words saying what decided. Quoted as a sentence of
    its own, alone or after the words of the request it copied ("The channels disagree; say so in this one
    sentence: "..."), the quote becomes the sentence; quoted inside a sentence of the LLM's own ('As the notes say,
    "..."'), it stays there as a clause of that sentence (in lower case, its full stop dropped where the sentence
    goes on); a sentence that only speaks of it ('The sentence "..." is the decision': the quote followed by the
    rest of the sentence in lower case) becomes the given sentence."""
    starts = r"(?:^|(?<=\n)|(?<=[.!?] ))"  # where a sentence starts
    for given in (notes.get("disagree"), notes.get("decides"), notes.get("conclusion")):
        if given:
            words = r"\s+".join(re.escape(w) for w in given.rstrip(". ").split())
            text = re.sub(starts + r"(?:[^\n\"“.!?]*:\s*)?[\"“]\s*" + words + r"\s*\.?\s*[\"”]\.?(?=\s|$)",
                          lambda _m, g=given: g, text)
            text = re.sub(starts + r"[^\n\"“.!?]*[\"“]\s*" + words + r"\s*[.!?]?\s*[\"”] [a-z][^\n.!?]*[.!?]",
                          lambda _m, g=given: g, text)
            text = re.sub(r"[\"“]\s*(" + words + r")\s*[.!?]?\s*(,?)\s*[\"”]", lambda m, t=text: _as_clause(m, t), text)
    return text


def _as_clause(m: re.Match[str], text: str) -> str:
    """A given sentence quoted inside a sentence of the LLM's own (match `m` in `text`), as plain words of it: upper
    case only where it starts that sentence, with a full stop only where it ends it."""
    clause, comma = m.group(1), m.group(2)
    before, after = text[: m.start()].rstrip(), text[m.end():]
    if before and before[-1] not in ".!?" and not clause.startswith("I "):
        clause = clause[0].lower() + clause[1:]
    ends = not comma and (not after.strip() or re.match(r"\s+[A-Z\"“]", after) is not None)
    return clause + (comma or ("." if ends else ""))


def _described(sentences: list[str], notes: Mapping[str, Any], channel: str) -> bool:
    """describes_channel, with the sentence the notes gave on what decided."""
    return describes_channel(sentences, channel, notes.get("label", ""), [notes.get("decides") or ""])


def drop_failing(text: str, check: ReasoningCheck, notes: Mapping[str, Any] | None = None) -> tuple[str, int]:
    """The text without the sentences a problem claim was found in, and without repeats; the count dropped.
    With `notes` (explain_notes), the first failing sentence about the face or the voice is replaced, where it
    stood, by that channel's notes as one plain sentence ("The cheeks are raised more than usual; ..."), so a
    misread channel is rewritten rather than lost; a channel that a kept sentence other than the disagreement
    sentence (or the one on what decided) describes (the face or voice that decided: with a cue the clip's
    measures support) is not lost and gets no second description."""
    notes = notes or {}
    bad = {c.sentence.strip() for c in check.claims if c.verdict in ("contradicted", "invented", "disallowed")}
    kept: list[str] = []
    seen: set[str] = set()
    sentences = split_sentences(text)
    kept_as_said = [s for s in sentences if s.strip() not in bad]
    # the face or voice that decided (first in `order`) counts as described only where a kept sentence states a cue
    # the clip measured: EmoDB 03a04Lc kept "The voice conveys a sense of urgency and confidence" and lost its one
    # measured voice cue
    measured = {c.modality for c in check.claims if c.verdict == "supported" and c.sentence.strip() not in bad}
    decided = (notes.get("order") or [None])[0]
    restored = {c for c in ("face", "voice", "words", "body") if _described(kept_as_said, notes, c)
                and (c not in ("face", "voice") or c != decided or measured & set(SOURCES[c]))}
    dropped = 0
    for sentence in sentences:
        key = " ".join(sentence.lower().split())
        if not key or key in seen:
            dropped += 1
            continue
        if sentence.strip() in bad:
            dropped += 1
            channel = _channel_of(sentence, notes, restored)
            if channel is None:
                continue
            restored.add(channel)
            sentence = phrases()["channel_sentence"][channel].format(cues="; ".join(notes[channel]))
            sentence = sentence[0].upper() + sentence[1:]
            if " ".join(sentence.lower().split()) in seen or sentence.strip() in kept:
                continue  # the explanation already says it in the notes' words
            seen.add(" ".join(sentence.lower().split()))
        seen.add(key)
        kept.append(sentence.strip())
    return " ".join(kept).strip(), dropped


def _channel_of(sentence: str, notes: Mapping[str, Any], done: set[str]) -> str | None:
    """The channel (face, voice, words, body) a failing sentence describes that has notes and was not restored
    yet."""
    for channel in ("face", "voice", "words", "body"):
        if channel not in done and notes.get(channel) and mentions_channel(sentence, channel):
            return channel
    return None


def last_conclusion(text: str, conclusion: str) -> str:
    """The text with the closing sentence it was given said once, at the end: the LLM sometimes writes it, adds
    another sentence, and writes it again."""
    sentences = split_sentences(text)
    closing = sentence_key(conclusion)
    rest = [s.strip() for s in sentences if sentence_key(s) != closing]
    if len(rest) == len(sentences) or (sentence_key(sentences[-1]) == closing and len(rest) == len(sentences) - 1):
        return text
    return " ".join([*rest, conclusion])


def add_uncovered(text: str, notes: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The text with the notes of every channel in `notes["must"]` it does not describe (`_described`), as one
    sentence each, put before the closing sentence; the channels added."""
    sentences = split_sentences(text)
    added = []
    for channel in notes.get("must", []):
        if notes.get(channel) and not _described(sentences, notes, channel):
            line = phrases()["channel_sentence"][channel].format(cues="; ".join(notes[channel]))
            sentences.insert(max(len(sentences) - 1, 0), line[0].upper() + line[1:])
            added.append(channel)
    return " ".join(s.strip() for s in sentences), added


# what joins the clause on what decided to the sentence it ends (", but", "; however,", ", and")
_JOIN_RE = re.compile(r"(?:[\s,;:—–-]|\b(?:" + "|".join(map(re.escape, sorted(word_set("repairs", "join"))))
                      + r")\b)*$", re.I)
# a sentence part that cannot stand alone once the clause it leads to is cut ("Although the voice ... disgust")
_SUBORDINATE_RE = re.compile(r"^\W*(?:" + "|".join(map(re.escape, sorted(word_set("repairs", "subordinate"),
                                                                         key=len, reverse=True))) + r")\b", re.I)


def decision_once(text: str, notes: Mapping[str, Any]) -> str:
    """The text with what decided said once: the LLM often ends a channel's sentence with the clause the request
    gave on what decided ("The voice gives no sign of anger, but the face fits anger and decides it.") and then
    writes the sentence that holds it too. The clause (`notes["decision"]`) is kept in the sentence the request
    gave (else in the last sentence that has it) and cut from the others where it ends them ("The voice gives no
    sign of anger."); a sentence whose rest cannot stand alone ("Although the words ...", "Taken together") or
    that the kept sentence says too (the given sentence written twice) goes."""
    clause = notes.get("decision")
    if not clause:
        return text
    pattern = re.compile(r"\s+".join(re.escape(w) for w in clause.split()), re.I)
    sentences = split_sentences(text)
    holding = [i for i, s in enumerate(sentences) if pattern.search(s)]
    if len(holding) < 2:
        return text
    given = {sentence_key(g) for g in (notes.get("disagree"), notes.get("decides")) if g}
    keep = next((i for i in holding if sentence_key(sentences[i]) in given), holding[-1])
    out = []
    for i, sentence in enumerate(sentences):
        if i in holding and i != keep:
            sentence = _without_clause(sentence.strip(), pattern)
            if sentence_key(sentence) in sentence_key(sentences[keep]):
                continue  # the kept sentence says it too (a repeat of the given sentence)
        if sentence.strip():
            out.append(sentence.strip())
    return " ".join(out)


def _without_clause(sentence: str, pattern: re.Pattern[str]) -> str:
    """The sentence cut before the clause `pattern` matches where the clause ends it, or "" where what is left
    cannot stand alone; the sentence unchanged where more follows the clause."""
    m = pattern.search(sentence)
    if m is None or sentence[m.end():].strip(" .!?\"”'"):
        return sentence
    head = _JOIN_RE.sub("", sentence[: m.start()]).strip()
    if len(head.split()) < 3 or _SUBORDINATE_RE.match(head):
        return ""
    return head + "."
