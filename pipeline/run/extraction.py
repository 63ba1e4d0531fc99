"""A run's extractors on one clip: each clue reused when its cache key matches (pipeline/store/cached.py), the
clip decoded only when a clue is missing, and an extractor that raises recorded as a `failed` clue.

Every run loop extracts through `ClueExtraction.extract`: the CLI's (all of a clip's extractors at once) and the
Prefect flow's (one task per clip and extractor, `only=[name]`; the decoded clip is then kept for the clip's
other extractors).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Collection
from pathlib import Path

from emer import extractors
from emer.extractors.base import Extractor
from emer.pipeline.inputs.clip import Clip, decode_clip, probe_and_hash
from emer.pipeline.records.clues import Clue, ClueStatus
from emer.pipeline.records.errors import EmerError, InputError
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.run.config import RunConfig
from emer.pipeline.run.threads import cpu_slot
from emer.pipeline.store.cached import cached_clue, cached_info, clue_key
from emer.pipeline.store.io import write_model_atomic
from emer.pipeline.store.models import ModelStore
from emer.pipeline.store.outputs import OutputLayout

log = logging.getLogger(__name__)

# what a stage reports to the run's observers: clip id, stage, seconds, reused
StageReport = Callable[[str, str, float, bool], None]


class ClueExtraction:
    """The extractors of one run config; their models load once and serve every clip. Safe to call from several
    threads: one lock per extractor (their models are not thread-safe) and one for the decoded-clip cache."""

    def __init__(self, config: RunConfig, store: ModelStore, stage: StageReport, llm_threads: int) -> None:
        self.config = config
        self.extractors: list[Extractor] = [extractors.get(c.name)(c.config, store) for c in config.extractors]
        self._stage = stage
        self._llm_threads = llm_threads
        self._locks = {ex.name: threading.Lock() for ex in self.extractors}
        self._decode_lock = threading.Lock()
        self._decoded: OrderedDict[tuple[str, str], Clip] = OrderedDict()
        self.keep_decoded = 2  # decoded clips kept for a clip's other extractors (one task per extractor)

    def clue_key(self, clip_sha256: str, extractor: Extractor) -> str:
        """The clue's cache key: clip content, extractor name, version and config, decoding, and the sha256 of
        each model the extractor uses (its files are resolved and checked, never loaded)."""
        try:
            models: dict[str, str] | str = {m.name: m.sha256 for m in extractor.model_refs()}
        except EmerError as e:  # the extractor fails on it and records why; a failed clue is never reused
            models = f"unavailable: {e}"
        return clue_key(clip_sha256, extractor.name, extractor.version, extractor.config, self.config.decode, models)

    def extract(self, path: Path, layout: OutputLayout, clip_id: str, only: Collection[str] | None = None,
                computed: Collection[str] = ()) -> tuple[ClipInfo, list[Clue], list[bool]]:
        """The clip's clues (of the extractors named in `only`, else all) and whether each was reused. A clue is
        reused when its cache key matches and it did not fail, or, for the extractors named in `computed` (this
        run wrote their clues), whatever its status: a failed clue is extracted again only by a later run.
        Decodes only if something is missing; raises InputError for a clip that cannot be decoded."""
        path = Path(path)
        chosen = [ex for ex in self.extractors if only is None or ex.name in only]
        if only is not None and (unknown := sorted(set(only) - {ex.name for ex in chosen})):
            raise InputError(f"extractor {unknown[0]!r} is not in this run; it has "
                             f"{', '.join(e.name for e in self.extractors)}")
        sha, _ = probe_and_hash(path)
        keys = [self.clue_key(sha, ex) for ex in chosen]
        clues: list[Clue | None] = [cached_clue(layout.clue(clip_id, ex.name), key, failed_ok=ex.name in computed)
                                    for ex, key in zip(chosen, keys, strict=True)]
        reused = [c is not None for c in clues]
        info = cached_info(layout.clip_info(clip_id), sha)
        if info is None or not all(reused):
            with cpu_slot(self._llm_threads):  # heavy stages take turns, machine-wide
                info = self._extract_missing(path, layout, clip_id, sha, chosen, keys, clues, keep=only is not None)
        else:
            for ex in chosen:
                self._stage(clip_id, ex.name, 0.0, True)
        return info, [c for c in clues if c is not None], reused

    def _extract_missing(self, path: Path, layout: OutputLayout, clip_id: str, sha: str, chosen: list[Extractor],
                         keys: list[str], clues: list[Clue | None], keep: bool) -> ClipInfo:
        """Decode the clip and fill in the missing clues (in place), writing each; returns the clip's probe."""
        clip = self._decode(path, layout, clip_id, sha, keep)
        for i, ex in enumerate(chosen):
            if clues[i] is not None:
                self._stage(clip_id, ex.name, 0.0, True)
                continue
            start = time.perf_counter()
            with self._locks[ex.name]:
                clue = run_extractor(ex, clip)
            clue.cache_key = keys[i]
            write_model_atomic(layout.clue(clip_id, ex.name), clue)
            clues[i] = clue
            self._stage(clip_id, ex.name, time.perf_counter() - start, False)
        return clip.info

    def _decode(self, path: Path, layout: OutputLayout, clip_id: str, sha: str, keep: bool) -> Clip:
        """The decoded clip (its clip.json written), from this process's small cache when `keep`, which also
        keeps it there for the clip's other extractors."""
        with self._decode_lock:
            clip = self._decoded.get((clip_id, sha))
            if clip is not None:
                self._decoded.move_to_end((clip_id, sha))
                return clip
            start = time.perf_counter()
            clip = decode_clip(path, self.config.decode)
            clip.info.clip_id = clip_id
            self._stage(clip_id, "decode", time.perf_counter() - start, False)
            write_model_atomic(layout.clip_info(clip_id), clip.info)
            if keep:
                self._decoded[(clip_id, sha)] = clip
                while len(self._decoded) > self.keep_decoded:
                    self._decoded.popitem(last=False)
            return clip


def run_extractor(ex: Extractor, clip: Clip) -> Clue:
    """The extractor's clue; one that raises yields a `failed` clue keeping the cause, and the other modalities
    go on."""
    try:
        return ex.extract(clip)
    except Exception as e:  # noqa: BLE001 - recorded in the clue with its type, message and traceback
        log.error("extractor %s failed on %s:\n%s", ex.name, clip.info.path, traceback.format_exc())
        return ex.make_clue(clip, ClueStatus.failed, detail=f"{type(e).__name__}: {e}")
