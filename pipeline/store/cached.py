"""Cache keys and the finished work they find on disk: the one place that says when a clue, a clip's probe, a
result or a whole pipeline can be reused.

- a clue: clip content hash, extractor name, version and config, decoding settings, and the sha256 of each model
  the extractor uses;
- a result: its evidence summary and clue keys, the decision settings, prompt template, label set, model sha256,
  LLM settings and (explain-gold mode) the gold label;
- a clip's probe (clip.json): its content hash and the decoding settings;
- a pipeline (models loaded once per worker process): every field of the run config.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel

from emer.pipeline.records.clues import Clue, ClueStatus
from emer.pipeline.records.errors import InputError
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.results import Result
from emer.pipeline.store.io import RecordT, load_clue, read_record, sha256_json

log = logging.getLogger(__name__)


def _json(model: BaseModel | None) -> object:
    return model.model_dump(mode="json") if model is not None else None


def clue_key(clip_sha256: str, extractor: str, version: str, config: BaseModel, decode: BaseModel,
             models: Mapping[str, str] | str) -> str:
    """The cache key of a clue. `models` maps each model the extractor uses to its sha256 (or says why they are
    unavailable: such a clue fails, and a failed clue is never reused)."""
    return sha256_json({"clip": clip_sha256, "extractor": extractor, "version": version, "config": _json(config),
                        "decode": _json(decode), "models": models})


def result_key(*, evidence: BaseModel | None, decision: BaseModel, clue_keys: Iterable[str], template_sha256: str,
               label_set: BaseModel, model_sha256: str, llm: BaseModel, gold_label: str | None) -> str:
    """The cache key of a reasoned result."""
    return sha256_json({"evidence": _json(evidence), "decision": _json(decision), "clues": sorted(clue_keys),
                        "template": template_sha256, "label_set": _json(label_set), "model": model_sha256,
                        "llm": _json(llm), "gold_label": gold_label})


def decode_key(decode: BaseModel) -> str:
    """A short key of the decoding settings, which decide what a clip's probe (clip.json) holds."""
    return sha256_json(_json(decode))[:16]


def config_key(config: BaseModel) -> str:
    """The key of a whole run config (extractors, decoding, prompt, labels, LLM, model paths): pipelines built from
    equal keys are interchangeable."""
    return sha256_json(_json(config))


def cached_clue(path: Path, key: str, failed_ok: bool = False) -> Clue | None:
    """The clue at `path` if it is readable, was made with cache key `key`, and did not fail (`failed_ok`: whatever
    its status, for a clue this run just wrote); else None."""
    if not path.is_file():
        return None
    try:
        clue = load_clue(path)
    except InputError as e:  # a cache: a clue that does not read back whole is extracted again
        log.warning("ignoring unreadable cached clue: %s", e)
        return None
    return clue if clue.cache_key == key and (failed_ok or clue.status != ClueStatus.failed) else None


def _read_record(path: Path, model: type[RecordT]) -> RecordT | None:
    """The `model` record stored at `path`, or None when there is none or it cannot be read (finished work is only
    reused when it reads back whole)."""
    if not path.is_file():
        return None
    try:
        return read_record(path, model, model.__name__)
    except InputError:
        return None


def cached_info(path: Path, sha: str) -> ClipInfo | None:
    """The clip.json at `path` if it is readable and describes the content with hash `sha`; else None."""
    info = _read_record(path, ClipInfo)
    return info if info is not None and info.sha256 == sha else None


def cached_result(path: Path, key: str) -> Result | None:
    """The result at `path` if it is readable, ok, and was made with cache key `key`; else None."""
    result = _read_record(path, Result)
    return result if result is not None and result.status == "ok" and result.cache_key == key else None
