"""Label scores computed once per model, prompt and label list, kept on disk across runs.

The calibration passes (the decide-then-explain prompt with no cues, the text channel's content-free sentences)
give the same numbers every run for the same model file, prompt tokens and answers; a rerun with a changed LLM
setting should not spend seconds on them before its first clip. Each entry is one small JSON file named by the
sha256 of what determines it: the model's sha256, llama-cpp-python's version, the prompt's tokens (which carry the
template, the instructions and the label list) and each answer's tokens. Written atomically (pipeline/store/io.py); an
unreadable entry, or one that does not hold a number for each answer, is computed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from emer.pipeline.records.errors import InputError
from emer.pipeline.store.io import read_json, sha256_json, write_json_atomic
from emer.pipeline.store.models import default_cache_dir

SCORE_CACHE_VERSION = "2"  # 2: answers scored in one batch (LlamaSession.score), last bits differ from 1


def score_cache_dir() -> Path:
    """Where the entries live: <cache dir>/scores ($EMER_CACHE_DIR, else ~/.cache/emer)."""
    return default_cache_dir() / "scores"


def cached_scores(model_sha256: str, engine: str, prompt: list[int], answers: Mapping[str, list[int]],
                  compute: Callable[[], dict[str, float]], folder: Path | None = None) -> dict[str, float]:
    """The scores of `answers` after `prompt` from the disk cache, else `compute()`d and stored."""
    key = sha256_json({"version": SCORE_CACHE_VERSION, "model": model_sha256, "engine": engine, "prompt": prompt,
                       "answers": dict(answers)})
    path = (folder or score_cache_dir()) / f"{key}.json"
    try:
        stored = read_json(path, "score cache entry")
    except InputError:  # a cache: an entry missing or unreadable is computed again
        stored = None
    if (isinstance(stored, dict) and set(stored) == set(answers)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in stored.values())):
        return {k: float(v) for k, v in stored.items()}
    scores = compute()
    write_json_atomic(path, scores)
    return scores
