"""Finished work found on disk: a clue whose cache key matches, a clip's probe whose content hash matches."""

from __future__ import annotations

import logging
from pathlib import Path

from emer.pipeline.clip import ClipInfo
from emer.pipeline.clues import Clue, ClueStatus, load_clue
from emer.pipeline.errors import InputError

log = logging.getLogger(__name__)


def cached_clue(path: Path, key: str) -> Clue | None:
    """The clue at `path` if it is readable, was made with cache key `key`, and did not fail; else None."""
    if not path.is_file():
        return None
    try:
        clue = load_clue(path)
    except (InputError, ValueError) as e:
        log.warning("ignoring unreadable cached clue %s: %s", path, e)
        return None
    return clue if clue.cache_key == key and clue.status != ClueStatus.failed else None


def cached_info(path: Path, sha: str) -> ClipInfo | None:
    """The clip.json at `path` if it is readable and describes the content with hash `sha`; else None."""
    if not path.is_file():
        return None
    try:
        info = ClipInfo.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        return None
    return info if info.sha256 == sha else None
