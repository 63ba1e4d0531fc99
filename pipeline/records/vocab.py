"""The core's vocabulary and its data files: the prompts/ folder and its loader, label sets, canonical labels
(aliases), the emotion wheel and the basic emotions a label stands for. Every module may import this one; it
imports nothing of the pipeline but records and errors, so the core never needs the evaluation modules."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field

from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError

OVLevel = Literal["word", "secondary", "primary"]


def prompts_root() -> Path:
    from emer import prompts  # the data package beside this one

    return Path(prompts.__file__).parent


class LabelSet(Record):
    name: str
    description: str
    labels: list[str] = Field(description="empty for open vocabulary")

    @property
    def is_open(self) -> bool:
        return not self.labels


def load_data_yaml(folder: str, name: str) -> dict[str, Any]:
    """A data file in prompts/<folder>/ (eval, evidence), parsed; it must hold a mapping. Each caller gets its own
    copy, so one caller's edits never reach another."""
    return copy.deepcopy(_parse_data_yaml(folder, name))


@cache
def _parse_data_yaml(folder: str, name: str) -> dict[str, Any]:
    path = prompts_root() / folder / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read {folder} data: {e}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def label_set_names() -> list[str]:
    """Names of the label sets shipped in prompts/labels."""
    return sorted(p.stem for p in (prompts_root() / "labels").glob("*.yaml"))


def load_label_set(name_or_path: str) -> LabelSet:
    """A shipped label set by name, or a YAML file by path; unknown names list the valid ones."""
    path = Path(name_or_path)
    if not (path.suffix in {".yaml", ".yml"} and path.is_file()):
        path = prompts_root() / "labels" / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown label set {name_or_path!r}; available: {', '.join(label_set_names())}")
    try:
        return LabelSet.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValueError) as e:
        raise ConfigError(f"{path}: invalid label set: {e}") from e


# --- labels and emotions -----------------------------------------------------------------------------


@cache
def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for canonical, spellings in (load_data_yaml("vocab", "label_aliases.yaml").get("aliases") or {}).items():
        for s in [canonical, *spellings]:
            key = str(s).strip().lower()
            if key in table and table[key] != canonical:
                raise ConfigError(f"label_aliases.yaml: {key!r} is an alias of both {table[key]!r} and {canonical!r}")
            table[key] = str(canonical)
    return table


def canonical_label(label: str) -> str:
    """The canonical class of a label: lower-cased, stripped, mapped through label_aliases.yaml."""
    key = label.strip().lower()
    return _alias_table().get(key, key)


class EmotionWheel:
    """Word normalisation and grouping from prompts/vocab/word_forms.yaml and emotion_wheel.yaml."""

    def __init__(self, wheel: dict | None = None, forms: dict | None = None) -> None:
        wheel = wheel if wheel is not None else load_data_yaml("vocab", "emotion_wheel.yaml")
        forms = forms if forms is not None else load_data_yaml("vocab", "word_forms.yaml")
        self.sources: dict[str, str] = dict(wheel.get("sources") or {})
        self._secondary: dict[str, str] = {}
        self._primary: dict[str, str] = {}
        for section in ("tree", "added"):
            for primary, secondaries in (wheel.get(section) or {}).items():
                self._primary[primary] = primary
                for secondary, words in secondaries.items():
                    self._primary[secondary] = primary
                    for w in words:
                        if w in self._secondary and self._secondary[w] != secondary:
                            raise ConfigError(f"emotion wheel: {w!r} is under both {self._secondary[w]!r} "
                                              f"and {secondary!r}")
                        self._secondary[w] = secondary
        for word, secondary in (wheel.get("plutchik") or {}).items():
            if secondary not in set(self._secondary.values()):
                raise ConfigError(f"emotion wheel: plutchik word {word!r} names unknown secondary {secondary!r}")
            self._secondary.setdefault(word, secondary)
        self._forms = {**(forms.get("forms") or {}), **(forms.get("synonyms") or {})}

    def normalise(self, word: str) -> str:
        """Lower-cased letters only, mapped through the word forms and synonyms (happy -> happiness)."""
        clean = re.sub(r"[^a-z]+", "", word.lower())
        return self._forms.get(clean, clean)

    def vocabulary(self) -> list[str]:
        """Every word the wheel places, with the word forms that map onto one (angry, happy, ...), sorted."""
        forms = [f for f, target in self._forms.items() if target in self._secondary and f.isalpha()]
        return sorted(set(self._secondary) | set(forms))

    def known(self, word: str) -> bool:
        """Whether the wheel places this word (after normalisation)."""
        return self.normalise(word) in self._secondary

    def group(self, word: str, level: OVLevel = "secondary") -> str:
        """The word's group at a level; an unknown word is its own group."""
        norm = self.normalise(word)
        if level == "word" or norm not in self._secondary:
            return norm
        secondary = self._secondary[norm]
        return secondary if level == "secondary" else self._primary[secondary]

    def groups(self, words: Sequence[str], level: OVLevel = "secondary") -> set[str]:
        """The set of groups of a list of words (empty words dropped)."""
        return {self.group(w, level) for w in words if self.normalise(w)}


@cache
def default_wheel() -> EmotionWheel:
    """The shipped emotion wheel (loaded once)."""
    return EmotionWheel()


def label_emotions() -> dict[str, Any]:
    return load_data_yaml("evidence", "label_emotions.yaml")


def basic_emotions() -> list[str]:
    return list(label_emotions()["basic"])


def label_weights(label: str) -> dict[str, float]:
    """The basic emotions a label stands for, with weights (e.g. worried -> fear)."""
    canon = canonical_label(label)
    table = label_emotions()["labels"]
    if canon in table:
        return dict(table[canon])
    if canon in basic_emotions():
        return {canon: 1.0}
    raise ConfigError(f"label {label!r} (class {canon!r}) is neither a basic emotion ({', '.join(basic_emotions())}) "
                      "nor mapped in prompts/evidence/label_emotions.yaml")


def basic_of_wheel_word(word: str) -> str | None:
    """The basic emotion an emotion-wheel word belongs to, or None for a word the wheel does not place."""
    wheel = default_wheel()
    if not wheel.known(word):
        return None
    data = label_emotions()
    secondary = wheel.group(word, "secondary")
    if secondary in data["wheel_secondary"]:
        return data["wheel_secondary"][secondary]
    return data["wheel_primary"].get(wheel.group(word, "primary"))


@cache
def wheel_words_by_basic() -> dict[str, list[str]]:
    """The emotion wheel's vocabulary grouped by basic emotion (for open-vocabulary words that fit a label)."""
    out: dict[str, list[str]] = {}
    for word in default_wheel().vocabulary():
        basic = basic_of_wheel_word(word)
        if basic:
            out.setdefault(basic, []).append(word)
    return out


def filename_parsers() -> dict[str, dict[str, Any]]:
    """The file-name label parsers shipped in prompts/vocab/filename_labels.yaml, by dataset name."""
    return dict(load_data_yaml("vocab", "filename_labels.yaml").get("parsers") or {})


def label_from_name(clip_id: str, dataset: str) -> str | None:
    """The canonical label a dataset's file-name convention encodes in `clip_id`, or None if it does not match."""
    parsers = filename_parsers()
    if dataset not in parsers:
        raise ConfigError(f"no file-name parser {dataset!r}; available: {', '.join(parsers)}")
    spec = parsers[dataset]
    match = re.match(spec["pattern"], clip_id)
    if match is None:
        return None
    label = spec["codes"].get(match.group("code"))
    return canonical_label(label) if label else None
