"""Ablation variants: a variant is a set of config overrides on a base config. `drop` removes extractors by name or
clue kind (face, speech, prosody, scene), `set` changes extractor options, and any run-config key (`llm`,
`label_set`, `prompt`, `decode`, `extractors`) is merged in. Variants come from the command line (`--variant
NAME=OPTIONS`) or a variants file; each is checked into a full run config before any clip runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from emer import extractors
from emer.pipeline.records.clues import CLUE_KINDS, Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.run.config import RunConfig, load_config, name_list, parse_setting, run_overrides, set_dotted

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class Variant(Record):
    name: str
    overrides: dict[str, Any] = Field(default_factory=dict, description="run-config keys merged into the base")
    drop: list[str] = Field(default_factory=list, description="extractor names or clue kinds to leave out")
    set: dict[str, dict[str, Any]] = Field(default_factory=dict, description="extractor name -> options")


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ConfigError(f"variant name {name!r}: use letters, digits, '.', '_' or '-' (not starting with them)")
    return name


def variant_from_mapping(name: str, mapping: dict[str, Any] | None) -> Variant:
    """A variant from a YAML mapping: `drop`, `set`, `model` (= llm.model) and any run-config keys, nested or
    dotted (`run_overrides`)."""
    data = dict(mapping or {})
    drop = data.pop("drop", [])
    options = data.pop("set", {})
    model = {"llm.model": data.pop("model")} if "model" in data else {}
    try:
        return Variant(name=_check_name(name), overrides=run_overrides(data, model),
                       drop=[drop] if isinstance(drop, str) else list(drop), set=options)
    except ValidationError as e:
        raise ConfigError(f"variant {name!r}: {e}") from e


def parse_variant(spec: str) -> Variant:
    """`NAME=OPTIONS` from the command line. OPTIONS are `;`-separated KEY=VALUE items: `drop=face,prosody`,
    `extractors=mediapipe-face,opencv-scene`, `model=qwen2.5-0.5b`, `set.faster-whisper.model=whisper-base`, or any
    dotted run-config key (`llm.max_explanation_tokens=64`, `label_set=crema-d`); values are YAML scalars. Empty
    OPTIONS (`all=`) is the base config."""
    name, sep, options = spec.partition("=")
    if not sep:
        raise ConfigError(f"--variant {spec!r}: expected NAME=OPTIONS (e.g. no-face=drop=face)")
    data: dict[str, Any] = {}
    for item in (i.strip() for i in options.split(";")):
        if not item:
            continue
        key, value = parse_setting(item, f"--variant {spec!r}: option")
        if key in {"drop", "extractors"}:
            names = name_list(item.partition("=")[2])
            data[key] = names if key == "drop" else [{"name": n} for n in names]
        elif key.startswith("set."):
            extractor, _, option = key[4:].rpartition(".")
            if not extractor:
                raise ConfigError(f"--variant {spec!r}: expected set.EXTRACTOR.OPTION=VALUE, got {item!r}")
            data.setdefault("set", {}).setdefault(extractor, {})[option] = value
        else:
            set_dotted(data, key, value)
    return variant_from_mapping(name.strip(), data)


def load_variants(path: Path) -> tuple[dict[str, Any], list[Variant]]:
    """A variants file: optional `base` (run-config overrides for every variant) and `variants` (name -> mapping)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"{path}: cannot read variants: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("variants"), dict) or not data["variants"]:
        raise ConfigError(f"{path}: expected a mapping with `variants: {{NAME: {{...}}, ...}}` (and optional `base`)")
    base = data.get("base") or {}
    if not isinstance(base, dict):
        raise ConfigError(f"{path}: `base` must be a mapping of run-config keys")
    return base, [variant_from_mapping(str(n), m) for n, m in data["variants"].items()]


def variant_config(variant: Variant, base: dict[str, Any] | None = None, config_file: Path | None = None) -> RunConfig:
    """The checked run config of a variant: config file, then base overrides, then the variant's own."""
    options = {"set": variant.set} if variant.set else None
    try:
        config = load_config(config_file, run_overrides(base, variant.overrides, options))
    except ConfigError as e:
        raise ConfigError(f"variant {variant.name!r}: {e}") from e
    chosen = [c for c in config.extractors
              if c.name not in variant.drop and extractors.get(c.name).kind not in variant.drop]
    known = {c.name for c in config.extractors} | set(CLUE_KINDS)
    if unknown := sorted(set(variant.drop) - known):
        raise ConfigError(f"variant {variant.name!r} drops {', '.join(unknown)}: not an extractor of the config "
                          f"nor a clue kind ({', '.join(CLUE_KINDS)})")
    if unset := sorted(set(variant.set) - {c.name for c in chosen}):
        raise ConfigError(f"variant {variant.name!r} sets options of extractors it does not use: {', '.join(unset)}")
    if not chosen:
        raise ConfigError(f"variant {variant.name!r} leaves no extractor")
    try:
        result = RunConfig.model_validate({**config.model_dump(mode="json"),
                                           "extractors": [c.model_dump(mode="json") for c in chosen]})
    except ValidationError as e:
        raise ConfigError(f"variant {variant.name!r}: invalid config: {e}") from e
    result.validate_names()
    return result
