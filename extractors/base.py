"""The one interface every extractor implements.

An extractor is a class with a `name`, a `version`, the clue `kind` it produces, a nested pydantic `Config`,
and `extract(clip) -> Clue`. Models are loaded on first use and reused for every later clip. A missing
modality or an empty signal is a status on the returned clue, never an exception.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from emer.pipeline.inputs.clip import Clip
from emer.pipeline.records.clues import CLUE_MODELS, Clue, ClueKind, ClueStatus, ExtractorInfo, ModelRef
from emer.pipeline.store.model_checks import model_problem
from emer.pipeline.store.models import ModelStore
from emer.pipeline.store.registry import ModelKind


class ExtractorConfig(BaseModel):
    """Base for extractor configs: unknown options are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class ModelName:
    """Marks a config option that names a model: `model: Annotated[str, ModelName("whisper-ct2")]`. The name
    is checked with the config, before any clip runs: a registered model of that kind (or, for kinds loaded
    from any file, such a file); otherwise validation fails listing the valid names."""

    kind: ModelKind

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def check(self, name: str) -> str:
        if problem := model_problem(name, self.kind):
            raise ValueError(problem)
        return name


class Extractor(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    kind: ClassVar[ClueKind]
    Config: ClassVar[type[ExtractorConfig]] = ExtractorConfig

    def __init__(self, config: ExtractorConfig | dict[str, Any] | None = None,
                 models: ModelStore | None = None) -> None:
        self.config = config if isinstance(config, self.Config) else self.Config.model_validate(config or {})
        self.models = models or ModelStore()

    @abstractmethod
    def extract(self, clip: Clip) -> Clue:
        """Compute this extractor's clue for one decoded clip."""

    def load(self) -> None:
        """Load this extractor's models now instead of on first use (for benchmarks and warm workers).
        Extractors without models keep this default, which does nothing."""
        return None

    def info(self) -> ExtractorInfo:
        return ExtractorInfo(name=self.name, version=self.version, kind=self.kind,
                             config=self.config.model_dump(mode="json"))

    def model_refs(self) -> list[ModelRef]:
        """The models this extractor uses (resolved without fetching when already loaded)."""
        return []

    def make_clue(self, clip: Clip, status: ClueStatus, data: BaseModel | None = None,
                  detail: str | None = None, timings: dict[str, float] | None = None) -> Clue:
        """Build this extractor's clue record with its provenance filled in."""
        model = CLUE_MODELS[self.kind]
        return model(
            clip_id=clip.clip_id, clip_sha256=clip.info.sha256, extractor=self.info(),
            models=self.model_refs() if status == ClueStatus.ok else [], status=status, detail=detail,
            timings={k: round(v, 4) for k, v in (timings or {}).items()}, data=data,
        )


@contextmanager
def timed(timings: dict[str, float], step: str) -> Iterator[None]:
    """Add the wall time of the block to timings[step]."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[step] = timings.get(step, 0.0) + time.perf_counter() - start
