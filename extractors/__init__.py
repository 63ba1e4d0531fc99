"""Extractor registry: built-in and third-party extractors register through the `emer.extractors` entry
point group, so a second backend of a kind is chosen by name without touching the pipeline."""

from __future__ import annotations

from importlib.metadata import entry_points

from emer.extractors.base import Extractor, ExtractorConfig
from emer.pipeline.records.errors import ConfigError

ENTRY_POINT_GROUP = "emer.extractors"

_extra: dict[str, type[Extractor]] = {}


def register(cls: type[Extractor]) -> type[Extractor]:
    """Register an extractor class in this process (for tests and notebooks); entry points are the
    way for installed packages."""
    _extra[cls.name] = cls
    return cls


def available() -> dict[str, str]:
    """Names of all registered extractors mapped to their import target (not imported)."""
    names = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    names.update({n: f"{c.__module__}:{c.__qualname__}" for n, c in _extra.items()})
    return dict(sorted(names.items()))


def get(name: str) -> type[Extractor]:
    """The extractor class registered as `name`; unknown names fail with the list of valid ones."""
    if name in _extra:
        return _extra[name]
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            try:
                cls = ep.load()
            except ImportError as e:
                raise ConfigError(f"extractor {name!r} ({ep.value}) cannot be imported: {e}") from e
            if not (isinstance(cls, type) and issubclass(cls, Extractor)):
                raise ConfigError(f"extractor entry point {name!r} -> {ep.value} is not an Extractor subclass")
            return cls
    raise ConfigError(f"unknown extractor {name!r}; available: {', '.join(available()) or 'none'}")


__all__ = ["Extractor", "ExtractorConfig", "available", "get", "register"]
