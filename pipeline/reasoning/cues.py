"""The channels' readings in plain words, for the label prompt and the explanation request: what each cue looks or
sounds like and what the cue tables say it means, without numbers. Everything here is rendered from the evidence
summary's channel records (pipeline/evidence/channels.py), the same records the fusion combined: the explanation
describes the reading that decided, never a second one.

`au_readings` / `voice_readings` (pipeline/evidence/channels.py) are the one table of "cue -> emotions it is a sign of"
that the prompt, the notes and the checker's interpretation claims use.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from pydantic import Field

from emer.pipeline.evidence.channels import au_readings, phrases, voice_readings
from emer.pipeline.records.channel import ChannelReading
from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.evidence import EvidenceSummary
from emer.pipeline.records.vocab import (
    basic_emotions,
    basic_of_wheel_word,
    canonical_label,
    default_wheel,
    label_weights,
    load_data_yaml,
)

__all__ = ["PlainCues", "au_readings", "emotion_noun", "evidence_words", "explain_notes", "missing_in_words",
           "phrases", "plain_cues", "voice_readings"]

MUST_DESCRIBE = 0.2  # a channel with at least this share of the decision is described in the explanation
DISAGREES = 0.1  # a channel leaning elsewhere with at least this share is named in the disagreement sentence


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


class PlainCues(Record):
    """One clip's channels in plain words, for the label prompt (cues.j2) and the explanation request."""

    face: list[str] = Field(default_factory=list)
    voice: list[str] = Field(default_factory=list)
    words: list[str] = Field(default_factory=list)
    body: list[str] = Field(default_factory=list)
    transcript: str | None = Field(None, description="what was said, instructions to a model removed; None when "
                                   "nothing trusted was said")
    translation: str | None = Field(None, description="its English machine translation, when in another language")
    language: str | None = Field(None, description="the language it was said in, in English words")
    missing: dict[str, str] = Field(default_factory=dict, description="channel -> why it gives no evidence")
    leans: dict[str, str] = Field(default_factory=dict, description="channel -> the emotion it points to most")
    combined: list[str] = Field(default_factory=list, description="the combined evidence's two leading labels")
    channels: list[ChannelReading] = Field(default_factory=list, description="the records the lines come from")
    clip_id: str = ""


def _line(text: str, signs: list[str]) -> str:
    return f"{text} (in the cue tables a sign of {_or(signs)})" if signs else text


def plain_cues(evidence: EvidenceSummary, labels: list[str]) -> PlainCues:
    """The clip's channels in plain words (see the module doc)."""
    out = PlainCues(channels=list(evidence.channels), clip_id=evidence.clip_id)
    basics = set(basic_emotions())
    for c in evidence.channels:
        if c.status != "ok":
            out.missing[c.channel] = c.note or f"no {c.channel} was measured"
            continue
        if c.lean in basics and c.share >= DISAGREES:
            out.leans[c.channel] = c.lean
        getattr(out, c.channel).extend(_line(q.text, q.signs) for q in c.cues)
        if c.words is not None:
            out.transcript = c.words.quote
            out.translation = c.words.translation
            out.language = phrases()["languages"].get(c.words.language or "", c.words.language)
    ranked = sorted(evidence.labels, key=lambda k: -evidence.labels[k]) if evidence.label else []
    out.combined = [k for k in ranked if k in labels or not labels][:2]
    return out


_STATUS = re.compile(r" \([a-z_]+\)$")  # "no face was measured (no_signal)": the clue's status, not for prose


def missing_in_words(plain: PlainCues) -> dict[str, str]:
    """Channel -> why it gives no evidence, for prose: the record's note without the clue's status code."""
    return {c: _STATUS.sub("", note) for c, note in plain.missing.items()}


def _pick(options: list[str] | str, key: str) -> str:
    """One of a phrase's variants, the same for a clip every run (so sentences vary across clips)."""
    if isinstance(options, str):
        return options
    return options[zlib.crc32(key.encode()) % len(options)]


def emotion_noun(label: str) -> str:
    """The label as a noun for a sentence ("angry" -> "anger", neutral -> "a neutral state"; cue_phrases.yaml)."""
    canon = canonical_label(label)
    return phrases().get("nouns", {}).get(canon, canon)


def explain_notes(plain: PlainCues, label: str, basics: set[str], limit: int = 3) -> dict[str, Any]:
    """What the explanation of `label` is written from (explain.j2's `notes`), per channel from its record: at
    most `limit` cues in plain words, those the cue tables read as the label first and marked so; the face's
    classifier reading when it is the label; the words quoted (with their translation) and what their reading
    says they convey when that is the label. A channel whose reading is another emotion is named only in the
    disagreement sentence, which says what decides instead; a face or voice leaning elsewhere with no cue of the
    label says it shows no sign of it. `must`: the channels with a share of at least MUST_DESCRIBE, which the
    explanation has to describe; `trusted`: the channels that lean to the label with real weight (only when two
    or more do is the explanation asked how they fit together); `order`: the measured channels, those in
    `trusted` first, each group by share (what decided opens the explanation); `missing`: why a channel gives no
    evidence, in words; `absent`: the channels whose record is missing or unreliable (not measured or not read: a
    voice with no speech in it is `missing` too), mentioned last; a channel the recording does not have (`absent`:
    the face of an audio file) is left out; `label`: the label explained; `decides`: with no disagreement,
    one channel leaning to the label and others measured, the sentence saying that it decides; `decision`: the
    clause of either sentence that says what decides ("the face fits anger and decides it"), or none."""
    table = phrases()
    said = table["sign_of"]
    noun = emotion_noun(label)
    out: dict[str, Any] = {"decision": "", "must": [], "shares": {}, "face": [], "voice": [], "words": [], "body": [],
                           "order": [],
                           "absent": [c for c in ("face", "voice", "words") if c in plain.missing
                                      and c not in {r.channel for r in plain.channels if r.status == "absent"}],
                           "missing": missing_in_words(plain)}
    others: list[tuple[str, str]] = []
    trusted: list[str] = []
    for c in sorted(plain.channels, key=lambda c: -c.share):
        if c.status != "ok":
            continue
        name = table["channel_names"][c.channel]
        out["shares"][c.channel] = c.share
        if c.share >= MUST_DESCRIBE:
            out["must"].append(c.channel)
        elsewhere = c.lean is not None and c.lean not in basics and c.share >= DISAGREES
        if elsewhere:
            others.append((name, c.lean))
        elif c.lean in basics and c.share >= DISAGREES:
            trusted.append(name)
        # a cue naming its emotion (the face classifier's, the learned voice reading's, the words') is shown where
        # it fits the label and its channel does not lean elsewhere: the voice model's anger beside "the voice
        # alone would suggest disgust" (CREMA-D demo, anger) read as the voice saying both
        cues = [q for q in c.cues if not q.names or (set(q.signs) & basics and not elsewhere)]
        cues.sort(key=lambda q: not (set(q.signs) & basics))
        key = plain.clip_id + c.channel
        out[c.channel] = [(_pick(table["variants"][q.key], key) if q.key in table["variants"] else q.text)
                          + _sign_of(q.text, set(q.signs) & basics, label, said) for q in cues[:limit]]
        if c.channel == "face" and not out["face"]:  # the classifier's reading was another emotion, no AU moved
            out["face"] = [_pick(table["variants"]["face_still"], key)]
        signs = {s for q in cues[:limit] for s in q.signs} & basics
        if c.channel in table.get("no_sign", {}) and elsewhere and not signs and "neutral" not in basics:
            out[c.channel].append(_pick(table["no_sign"][c.channel], key).format(emotion=noun))
        if c.channel != "body" or out["body"]:
            out["order"].append(c.channel)
    out["disagree"] = ""
    if others:
        state = table["disagreement"]["state"]
        first = " and the ".join(f"{c} alone would suggest {state.get(e, e)}" if i == 0
                                 else f"{c} {state.get(e, e)}" for i, (c, e) in enumerate(others))
        key = plain.clip_id + label
        plural = len(trusted) > 1 or bool(set(trusted) & set(table.get("plural_channels", [])))
        rest = (_pick(table["disagreement"]["trusted"], key).format(
                    channel=" and the ".join(trusted), label=label, emotion=noun, s="" if plural else "s")
                if trusted else _pick(table["disagreement"]["together"], key).format(label=label, emotion=noun))
        out["disagree"] = _pick(table["disagreement"]["sentence"], key).format(others=first, decides=rest)
        out["decision"] = rest
    out["trusted"] = trusted
    out["decides"] = ""
    if not others and len(trusted) == 1 and len(out["order"]) > 1:  # one channel decided, the others read nothing
        plural = trusted[0] in table.get("plural_channels", [])
        said = _pick(table["disagreement"]["trusted"], plain.clip_id + label).format(
            channel=trusted[0], label=label, emotion=noun, s="" if plural else "s")
        out["decides"] = said[0].upper() + said[1:] + "."
        out["decision"] = said
    fits = [c.channel for c in plain.channels if c.status == "ok" and c.lean in basics and c.share >= DISAGREES]
    out["order"].sort(key=lambda c: c not in fits)  # what decided the label first, then the rest, by share
    out["conclusion"] = table["conclusion"].format(label=label)
    out["label"] = label
    return out


def _sign_of(text: str, signs: set[str], label: str, template: str) -> str:
    """", a sign of anger" after a cue the tables read as the label's emotions, unless the cue names them already."""
    if not signs or label in text or any(s in text for s in signs):
        return ""
    return template.format(emotion=_or(sorted(signs)))


def evidence_words(label: str, basics: set[str], channels: list[ChannelReading], limit: int) -> list[str]:
    """Emotion words from what decided the label (prompts/evidence/emotion_words.yaml): the label's family
    (its own words), the emotion words the speaker said whose emotion fits the label, the words' reading or
    a channel, and a secondary emotion that a channel with real weight gives real probability; never a word of
    the opposite valence unless a channel reads it. 1 to `limit` words."""
    table = load_data_yaml("evidence", "emotion_words.yaml")
    family, valence = table["family"], table["valence"]
    wheel = default_wheel()
    words: list[str] = []

    def add(word: str) -> None:
        if wheel.normalise(word) not in [wheel.normalise(w) for w in words]:
            words.append(word)

    own = [w for b in sorted(basics, key=lambda b: -label_weights_or_one(label).get(b, 0.0))
           for w in family.get(b, [])]
    for w in own[:1] or [label]:
        add(w)
    read = {e for c in channels if c.status == "ok" and c.share >= table["min_share"]
            for e, p in c.emotions.items() if p >= table["min_probability"]}
    words_channel = next((c for c in channels if c.channel == "words" and c.words is not None), None)
    if words_channel is not None:
        read |= set(words_channel.words.conveys)
        for w in words_channel.words.named:  # finer words the speaker used: worry, guilt, relief ...
            if basic_of_wheel_word(w) in basics | read:
                add(w)
    for w in own[1:2]:
        add(w)
    sign = max((valence.get(b, 0) for b in basics), key=abs, default=0)
    for e in sorted(read - basics - {"neutral"}):
        if valence.get(e, 0) * sign >= 0 or any(c.lean == e for c in channels if c.status == "ok"):
            add(family.get(e, [e])[0])
    return words[:limit]


def label_weights_or_one(label: str) -> dict[str, float]:
    """The label's basic emotions with weights; an open-vocabulary word stands for itself."""
    try:
        return label_weights(label)
    except ConfigError:
        return {label: 1.0}
