"""A run is one checked config: extractors, decoding, prompt, label set and model, validated before any
clip runs. Unknown names fail with the list of valid ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

import extractors
from pipeline.clip import DecodeConfig
from pipeline.clues import Record
from pipeline.decision import DecisionConfig
from pipeline.errors import ConfigError
from pipeline.evidence import EvidenceConfig, label_weights
from pipeline.io import os_reason
from pipeline.model_checks import model_problem, weights_problem
from pipeline.models import MODELS
from pipeline.prompt import load_label_set, load_template
from pipeline.reasoner import LLMConfig
from pipeline.speakers import check_speaker_source

DEFAULT_EXTRACTORS = ("mediapipe-face", "faster-whisper", "praat-prosody", "opencv-scene")


class ExtractorChoice(Record):
    name: str
    config: dict[str, Any] = Field(default_factory=dict)


class RunConfig(Record):
    extractors: list[ExtractorChoice] = Field(
        default_factory=lambda: [ExtractorChoice(name=n) for n in DEFAULT_EXTRACTORS]
    )
    decode: DecodeConfig = Field(default_factory=DecodeConfig)
    prompt: str = Field("default", description="template name in prompts/templates, or a folder")
    label_set: str = Field("mer2023", description="label set name in prompts/labels, or a YAML file")
    evidence: EvidenceConfig = Field(default_factory=EvidenceConfig)
    decision: DecisionConfig = Field(default_factory=DecisionConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    model_paths: dict[str, str] = Field(default_factory=dict, description="model name -> explicit weights path")
    reason: bool = Field(True, description="run the reasoner; False stops after the clues")
    explain_gold: bool = Field(False, description="label-conditioned mode: explain each clip's gold label")

    def validate_names(self) -> None:
        """Check every name the config uses, so a typo fails before the first clip."""
        kinds: dict[str, str] = {}
        for choice in self.extractors:
            cls = extractors.get(choice.name)
            if cls.kind in kinds:
                raise ConfigError(f"extractors {kinds[cls.kind]!r} and {choice.name!r} both produce "
                                  f"{cls.kind!r} clues; choose one per kind")
            kinds[cls.kind] = choice.name
            try:
                cls.Config.model_validate(choice.config)
            except ValidationError as e:
                raise ConfigError(f"extractor {choice.name!r}: {validation_message(e, cls.Config)}") from e
        load_template(self.prompt)
        label_set = load_label_set(self.label_set)
        for label in label_set.labels:
            label_weights(label)
        check_speaker_source(self.evidence.speakers)
        for name, path in self.model_paths.items():
            if name not in MODELS:
                raise ConfigError(f"model_paths names unknown model {name!r}; known: {', '.join(MODELS)}")
            if problem := weights_problem(MODELS[name], Path(path)):
                raise ConfigError(f"model_paths.{name}: {problem}")
        if self.reason and (problem := model_problem(self.llm.model, "llm-gguf")):
            raise ConfigError(f"llm.model (--model): {problem}")


def validation_message(error: ValidationError, model: type[BaseModel]) -> str:
    """A pydantic error on one line: each wrong option with its value and what is allowed."""
    parts = []
    for e in error.errors():
        option = ".".join(str(x) for x in e["loc"])
        if e["type"] == "extra_forbidden":
            known = f"; options: {', '.join(model.model_fields)}" if len(e["loc"]) == 1 else ""
            parts.append(f"unknown option {option!r}{known}")
            continue
        message = e["msg"].removeprefix("Value error, ")
        parts.append(f"option {option}={e['input']!r}: {message}" if option else message)
    return "; ".join(parts)


def load_config(path: Path | None = None, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Read a YAML/JSON config file (optional), apply overrides (top-level keys), validate it."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as e:
            raise ConfigError(f"{path}: cannot read the config file ({os_reason(e)})") from e
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: not valid YAML or JSON ({' '.join(str(e).split())})") from e
        if loaded is not None and not isinstance(loaded, dict):
            kind = "a list" if isinstance(loaded, list) else f"a single value ({loaded!r})"
            raise ConfigError(f"{path}: a run config is a mapping of settings (key: value lines), not {kind}")
        data = loaded or {}
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{path or 'run config'}: invalid run config: {validation_message(e, RunConfig)}") from e
    config.validate_names()
    return config
