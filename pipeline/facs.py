"""The face vocabulary every face extractor and the core share: FACS action units (AUs) and EMFACS emotion
prototypes, read from prompts/facs/. How an extractor estimates AUs from its model's outputs stays in the
extractor; this module only names them and scores prototypes from AU estimates."""

from __future__ import annotations

import re
from functools import cache

from pydantic import ConfigDict, Field, ValidationError, field_validator

from emer.pipeline.clues import PrototypeMatch, Record
from emer.pipeline.errors import ConfigError
from emer.pipeline.vocab import load_data_yaml

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
    model_config = ConfigDict(frozen=True)

    emotion: str
    aus: tuple[str, ...]


class _PrototypeFile(Record):
    version: str
    prototypes: dict[str, list[str]]

    @field_validator("prototypes")
    @classmethod
    def _codes(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for aus in v.values():
            _check_codes(aus)
        return v


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
    return tuple(Prototype(emotion=emotion, aus=tuple(aus)) for emotion, aus in spec.prototypes.items())


def match_prototypes(aus: dict[str, float], prototypes: tuple[Prototype, ...],
                     threshold: float) -> list[PrototypeMatch]:
    """Score each prototype as active / measurable AUs at one frame, best first."""
    matches = []
    for p in prototypes:
        unmeasured = [a for a in p.aus if a not in aus]
        measurable = [a for a in p.aus if a in aus]
        active = [a for a in measurable if aus[a] >= threshold]
        score = len(active) / len(measurable) if measurable else 0.0
        matches.append(PrototypeMatch(emotion=p.emotion, aus=list(p.aus), active=active,
                                      unmeasured=unmeasured, score=round(score, 3)))
    return sorted(matches, key=lambda m: -m.score)
