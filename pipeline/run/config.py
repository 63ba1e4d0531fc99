"""A run is one checked config: extractors, decoding, prompt, label set and model, validated before any
clip runs. Unknown names fail with the list of valid ones."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from emer import extractors
from emer.pipeline.evidence.speakers import check_speaker_source
from emer.pipeline.reasoning.decision import DecisionConfig
from emer.pipeline.reasoning.prompt import load_template
from emer.pipeline.reasoning.reasoner import LLMConfig
from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.evidence import EvidenceConfig
from emer.pipeline.records.media import DecodeConfig
from emer.pipeline.records.vocab import label_weights, load_label_set
from emer.pipeline.store.io import os_reason
from emer.pipeline.store.model_checks import model_problem, weights_problem
from emer.pipeline.store.registry import MODELS

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
    language: str | None = Field(None, description="the language spoken in the clips (ISO code: en, zh, de, ...), "
                                 "given to the speech extractor instead of detecting it per clip (`emer run "
                                 "--language zh`); an extractor's own `language` option wins")

    @model_validator(mode="after")
    def _spoken_language(self) -> RunConfig:
        """The run's language goes into the speech extractor's config (and so into its cache key)."""
        if self.language is None:
            return self
        for choice in self.extractors:
            try:
                cls = extractors.get(choice.name)
            except ConfigError:  # an unknown name: validate_names reports it with the valid ones
                continue
            if cls.kind == "speech" and "language" in cls.Config.model_fields:
                choice.config.setdefault("language", self.language)
        return self

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


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `override` merged in: mappings merge key by key at every depth, any other value (a list too)
    replaces. Returns new dicts; neither argument changes."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set a dotted run-config key in place (`llm.max_explanation_tokens` -> data["llm"]["max_explanation_tokens"]),
    making the mappings on the way."""
    *path, last = dotted.split(".")
    for key in path:
        data = data.setdefault(key, {})
        if not isinstance(data, dict):
            raise ConfigError(f"option {dotted!r}: {key!r} is not a mapping")
    data[last] = value


def run_overrides(*layers: Mapping[str, Any] | None) -> dict[str, Any]:
    """Run-config overrides from layers applied in order, later ones winning: keys are run-config keys, nested
    (`{"llm": {"model": ...}}`) or dotted (`{"llm.model": ...}`), and merge as `deep_merge` does."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in (layer or {}).items():
            nested: dict[str, Any] = {}
            set_dotted(nested, key, value)
            merged = deep_merge(merged, nested)
    return merged


def name_list(text: str) -> list[str]:
    """Comma-separated names as written on the command line (`a, b`), blanks left out."""
    return [n.strip() for n in text.split(",") if n.strip()]


def parse_setting(item: str, what: str, form: str = "KEY=VALUE") -> tuple[str, Any]:
    """`KEY=VALUE` as written on the command line: the key and the value read as a YAML scalar (5, 0.5, true,
    null, text). `what` and `form` name the option and its shape in errors."""
    key, eq, text = item.partition("=")
    if not eq or not key.strip():
        raise ConfigError(f"{what} {item!r}: expected {form}")
    try:
        return key.strip(), yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{what} {item!r}: the value is not valid YAML ({' '.join(str(e).split())})") from e


def with_extractor_options(data: dict[str, Any], options: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Run-config data whose chosen extractors (the data's list, else the default ones) get `options` (extractor
    name -> {option: value}) merged into their config. Raises ConfigError for an extractor the run does not use."""
    chosen = data.get("extractors")
    if chosen is None:
        chosen = [{"name": n} for n in DEFAULT_EXTRACTORS]
    if not isinstance(chosen, list) or not all(isinstance(c, Mapping) and "name" in c for c in chosen):
        return data  # not a list of choices: RunConfig's validation names the problem
    names = [c["name"] for c in chosen]
    if unknown := sorted(set(options) - set(names)):
        raise ConfigError(f"options set for extractors the run does not use: {', '.join(unknown)} "
                          f"(the run's extractors: {', '.join(names)})")
    merged = [{**c, "config": {**(c.get("config") or {}), **options.get(c["name"], {})}} for c in chosen]
    return {**data, "extractors": merged}


def load_config(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> RunConfig:
    """Read a YAML/JSON config file (optional), deep-merge the overrides into it (`run_overrides`), validate it.
    The override key `set` ({EXTRACTOR: {OPTION: VALUE}}, or dotted `set.EXTRACTOR.OPTION`) changes options of the
    run's extractors, whichever list chose them (the overrides', the file's or the default one)."""
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
    merged = run_overrides(overrides)
    options = merged.pop("set", None) or {}
    if not isinstance(options, Mapping) or not all(isinstance(v, Mapping) for v in options.values()):
        raise ConfigError(f"set: expected {{EXTRACTOR: {{OPTION: VALUE}}}}, got {options!r}")
    data = with_extractor_options(deep_merge(data, merged), options) if options else deep_merge(data, merged)
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{path or 'run config'}: invalid run config: {validation_message(e, RunConfig)}") from e
    config.validate_names()
    return config
