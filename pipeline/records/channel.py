"""The channel records: one channel's reading of a clip (face, voice, words, body), as fusion combines it and the
explanation describes it (computed by pipeline/evidence/channels.py, stored in result.json `prediction.channels`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from emer.pipeline.records.clues import Record

ChannelName = Literal["face", "voice", "words", "body"]


class ChannelCue(Record):
    """One cue in plain words (no numbers, no emotion) and the emotions the cue tables read it as."""

    text: str
    signs: list[str] = Field(default_factory=list)
    names: bool = Field(False, description="the text itself names the emotions it reads (the classifier's or the "
                        "words' reading), so it can be shown only where they fit the label")
    key: str | None = Field(None, description="a stock cue whose wording the explanation notes vary by clip "
                            "(cue_phrases.yaml `variants`)")


class WordsReading(Record):
    """What was said, as the explanation may show it."""

    quote: str | None = Field(None, description="the transcript as said (sentences addressed to a model removed); "
                              "None when it is not to be quoted (unreliable)")
    language: str | None = None
    translation: str | None = Field(None, description="English machine translation, when said in another language")
    translated_by: str | None = None
    conveys: list[str] = Field(default_factory=list, description="the emotions the words' reading finds, strongest "
                               "first (none: the words express no particular emotion)")
    named: list[str] = Field(default_factory=list, description="emotion words said (in English, or in the "
                             "translation), in the form said, one per emotion-wheel word")


class ChannelReading(Record):
    """One channel's reading of the clip: what fusion combines and what the explanation describes."""

    channel: ChannelName
    modalities: list[str] = Field(default_factory=list, description="the evidence modalities read")
    status: Literal["ok", "missing", "unreliable", "absent"] = Field(
        "ok", description="missing: no clue, or nothing in it to read (the voice where no speech was found); "
        "absent: the recording has no such stream (no video in an audio file), so there is nothing to miss; "
        "unreliable: the clue is not evidence (e.g. a hallucinated transcript)")
    note: str | None = Field(None, description="why the channel is missing or unreliable")
    reading: str = Field("", description="what the channel reads, in plain words")
    lean: str | None = Field(None, description="the basic emotion the channel points to most (None: flat)")
    emotions: dict[str, float] = Field(default_factory=dict, description="distribution over basic emotions")
    weight: float = Field(0.0, description="weight in the fusion (fitted weight x reliability)")
    reliability: float = Field(1.0, description="how far the channel can be trusted on this clip, 0-1")
    share: float = Field(0.0, description="part of the fused decision's pull, 0-1 (see pipeline/evidence/channels.py)")
    cues: list[ChannelCue] = Field(default_factory=list)
    words: WordsReading | None = None
