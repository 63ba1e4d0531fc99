"""The voice-feature vocabulary, read from prompts/evidence/voice_features.yaml: each voice feature's name, cue, unit,
the words for a value above and below the reference, its smallest spread, outlier distance and population norm,
and the pitch contour's words. The references, the evidence summary, the channels and the reasoning checker all
read it here: one table, so the evidence and the checker cannot name a feature two ways."""

from __future__ import annotations

from functools import cache

from pydantic import Field, ValidationError, model_validator

from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import load_data_yaml

FILE = "voice_features.yaml"


class VoiceFeature(Record):
    """One voice feature (prompts/evidence/voice_features.yaml explains each field)."""

    name: str = Field(description="the VoiceFeatures field and vocal profile key (pitch_st, ...)")
    cue: str = Field(description="the observation's cue (pitch, ...)")
    label: str = Field(description="how the evidence names it")
    unit: str
    up: str = Field(description="category of a value above the reference")
    down: str = Field(description="category of a value below the reference")
    min_scale: float = Field(gt=0, description="smallest spread of a speaker reference")
    outlier_distance: float = Field(gt=0, description="distance from the speaker's median that marks another voice")
    population: tuple[float, float] | None = Field(None, description="(level, spread) norm for the clip reference")


class Contour(Record):
    """The pitch contour's cue and words."""

    cue: str
    up: str
    down: str
    level: str
    slope: float = Field(gt=0, description="semitones/s from zero that make the contour rising or falling")
    readings: dict[str, list[str]] = Field(default_factory=dict, description="up/down word -> the emotions the "
                                           "reviews find that contour in (no emotion score reads it)")


class VoiceVocabulary(Record):
    version: str
    features: list[VoiceFeature]
    contour: Contour

    @model_validator(mode="after")
    def _distinct(self) -> VoiceVocabulary:
        for what in ("name", "cue"):
            values = [getattr(f, what) for f in self.features] + ([self.contour.cue] if what == "cue" else [])
            if len(set(values)) != len(values):
                raise ValueError(f"feature {what}s repeat: {values}")
        for f in [*self.features, self.contour]:
            if f.up == f.down:
                raise ValueError(f"{f.cue}: up and down are the same word {f.up!r}")
        if set(self.contour.readings) - {self.contour.up, self.contour.down}:
            raise ValueError(f"contour readings must be keyed by {self.contour.up!r} or {self.contour.down!r}")
        return self

    def names(self) -> tuple[str, ...]:
        """The feature names, in the file's order."""
        return tuple(f.name for f in self.features)

    def by_name(self) -> dict[str, VoiceFeature]:
        return {f.name: f for f in self.features}

    def by_cue(self) -> dict[str, VoiceFeature]:
        return {f.cue: f for f in self.features}

    def level_cues(self) -> tuple[str, ...]:
        """The cues read against a reference (pitch, pitch_range, ...)."""
        return tuple(f.cue for f in self.features)

    def cues(self) -> tuple[str, ...]:
        """Every voice cue: the level cues, then the contour."""
        return (*self.level_cues(), self.contour.cue)

    def up_words(self) -> frozenset[str]:
        """The categories of a value above the reference (high, loud, ...)."""
        return frozenset(f.up for f in self.features)

    def opposites(self) -> dict[str, str]:
        """Each up or down word -> its opposite (high -> low, low -> high, rising -> falling, ...)."""
        out: dict[str, str] = {}
        for f in [*self.features, self.contour]:
            out[f.up], out[f.down] = f.down, f.up
        return out


@cache
def voice_vocabulary() -> VoiceVocabulary:
    """prompts/evidence/voice_features.yaml, validated."""
    try:
        return VoiceVocabulary.model_validate(load_data_yaml("evidence", FILE))
    except ValidationError as e:
        raise ConfigError(f"prompts/evidence/{FILE}: {e}") from e
