"""The core's vocabulary and its data files: the prompts/ folder, label sets, and the loader of the data files
kept there. Every module may import this one; it imports nothing of the pipeline but records and errors."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field

from pipeline.clues import Record
from pipeline.errors import ConfigError


def prompts_root() -> Path:
    import prompts  # the data package beside this one

    return Path(prompts.__file__).parent


class LabelSet(Record):
    name: str
    description: str
    labels: list[str] = Field(description="empty for open vocabulary")

    @property
    def is_open(self) -> bool:
        return not self.labels


@cache
def load_data_yaml(folder: str, name: str) -> dict[str, Any]:
    """A data file in prompts/<folder>/ (eval, evidence), parsed; it must hold a mapping."""
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
