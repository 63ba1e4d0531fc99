"""The face vocabulary every face extractor and the core share: FACS action units (AUs) and EMFACS emotion
prototypes, read from prompts/facs/. How an extractor estimates AUs from its model's outputs stays in the
extractor; this module only names them and scores prototypes from AU estimates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator

from emer.pipeline.records.clues import PrototypeMatch, Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import load_data_yaml

FOLDER = "facs"
AU_TABLE_FILE = "action_units.yaml"
PROTOTYPES_FILE = "emfacs_prototypes.yaml"
_AU_CODE = re.compile(r"AU\d+")


def _check_codes(codes: list[str]) -> list[str]:
    bad = [c for c in codes if not _AU_CODE.fullmatch(c)]
    if bad:
        raise ValueError(f"not AU codes (AU<number>): {bad}")
    return codes


class ActionUnit(Record):
    name: str
    activity: bool = Field(description="counts toward a frame's overall facial activity (blinks do not)")


class AUTable(Record):
    """The AUs face clues report, in the order they report them."""

    version: str
    action_units: dict[str, ActionUnit]

    @field_validator("action_units")
    @classmethod
    def _codes(cls, v: dict[str, ActionUnit]) -> dict[str, ActionUnit]:
        _check_codes(list(v))
        return v

    def names(self) -> dict[str, str]:
        return {au: a.name for au, a in self.action_units.items()}

    def activity_names(self) -> dict[str, str]:
        """The AUs that count toward a frame's overall activity (blinks do not), with their names."""
        return {au: a.name for au, a in self.action_units.items() if a.activity}


class Prototype(Record):
    """One emotion's AUs and how they are read (prompts/facs/emfacs_prototypes.yaml explains each field)."""

    model_config = ConfigDict(frozen=True)

    emotion: str
    aus: tuple[str, ...]
    combine: Literal["mean", "max"] = "mean"
    side: Literal["any", "both", "one"] = "any"
    unless: tuple[str, ...] = ()
    expression: str | None = None

    @field_validator("aus", "unless")
    @classmethod
    def _codes(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        _check_codes(list(v))
        return v

    def levels(self, aus: Mapping[str, float], asymmetry: Mapping[str, float]) -> dict[str, float]:
        """The prototype's measured AUs at the level its `side` reads: the estimate (any), the part both sides
        share (both: estimate minus half the left-right difference) or the one-sided part (one: the difference)."""
        return {a: side_level(aus[a], asymmetry.get(a, 0.0), self.side) for a in self.aus if a in aus}

    def score(self, raise_of: Mapping[str, float], unless_raise: Mapping[str, float]) -> float:
        """The prototype score from its AUs' raises above a reference (combined by `combine`), less the mean
        raise of its `unless` AUs; never below 0."""
        values = [max(0.0, raise_of[a]) for a in self.aus if a in raise_of]
        if not values:
            return 0.0
        own = max(values) if self.combine == "max" else sum(values) / len(values)
        against = [max(0.0, unless_raise[a]) for a in self.unless if a in unless_raise]
        return max(0.0, own - (sum(against) / len(against) if against else 0.0))


def side_level(level: float, asymmetry: float, side: str) -> float:
    """An AU's level as a prototype with this `side` reads it (see Prototype.levels)."""
    if side == "one":
        return abs(asymmetry)
    if side == "both":
        return max(0.0, level - abs(asymmetry) / 2)
    return level


class NeutralRule(Record):
    departure: float = Field(gt=0, description="prototype score below which the face has not departed from its "
                             "reference; neutral scores as a prototype raised this far")
    rest_asymmetry: float = Field(ge=0, description="a resting face's sides differ by less than this; the most a "
                                  "one-sided AU's reference is when read against the clip's own calm frames")


class _PrototypeSpec(Record):
    aus: list[str]
    combine: Literal["mean", "max"] = "mean"
    side: Literal["any", "both", "one"] = "any"
    unless: list[str] = Field(default_factory=list)
    expression: str | None = None


class _PrototypeFile(Record):
    version: str
    prototypes: dict[str, _PrototypeSpec]
    neutral: NeutralRule


@cache
def load_au_table() -> AUTable:
    """The FACS AU table in prompts/facs/action_units.yaml."""
    try:
        return AUTable.model_validate(load_data_yaml(FOLDER, AU_TABLE_FILE))
    except ValidationError as e:
        raise ConfigError(f"prompts/{FOLDER}/{AU_TABLE_FILE}: invalid AU table: {e}") from e


@cache
def load_prototypes() -> tuple[Prototype, ...]:
    """The EMFACS emotion prototypes in prompts/facs/emfacs_prototypes.yaml, in file order."""
    try:
        spec = _PrototypeFile.model_validate(load_data_yaml(FOLDER, PROTOTYPES_FILE))
    except ValidationError as e:
        raise ConfigError(f"prompts/{FOLDER}/{PROTOTYPES_FILE}: invalid prototypes: {e}") from e
    return tuple(Prototype(emotion=emotion, aus=tuple(p.aus), combine=p.combine, side=p.side,
                           unless=tuple(p.unless), expression=p.expression)
                 for emotion, p in spec.prototypes.items())


@cache
def neutral_rule() -> NeutralRule:
    """When a face reads neutral (prompts/facs/emfacs_prototypes.yaml `neutral`)."""
    try:
        return _PrototypeFile.model_validate(load_data_yaml(FOLDER, PROTOTYPES_FILE)).neutral
    except ValidationError as e:
        raise ConfigError(f"prompts/{FOLDER}/{PROTOTYPES_FILE}: invalid prototypes: {e}") from e


def match_prototypes(aus: dict[str, float], prototypes: tuple[Prototype, ...], threshold: float,
                     asymmetry: Mapping[str, float] | None = None) -> list[PrototypeMatch]:
    """Score each prototype at one frame, best first: active / measurable AUs (combine mean) or whether any is
    active (combine max), each AU at the level the prototype's `side` reads (`asymmetry`: AU -> left minus
    right; without it nothing is one-sided)."""
    matches = []
    for p in prototypes:
        unmeasured = [a for a in p.aus if a not in aus]
        levels = p.levels(aus, asymmetry or {})
        measurable = list(levels)
        active = [a for a in measurable if levels[a] >= threshold]
        any_of = 1.0 if active else 0.0
        score = any_of if p.combine == "max" else len(active) / len(measurable) if measurable else 0.0
        matches.append(PrototypeMatch(emotion=p.emotion, aus=list(p.aus), active=active,
                                      unmeasured=unmeasured, score=round(score, 3)))
    return sorted(matches, key=lambda m: -m.score)
