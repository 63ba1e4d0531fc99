"""Where a run's files go: OUT/<clip-id>/clues/<extractor>.json, evidence.json, prompt.txt, response.json,
result.json, and per run references.json, results.jsonl, results.csv, summary.json, run.json and clips.json
(which source file each clip id stands for). A run holds OUT/.emer.lock while it writes."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field

from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import InputError, OutputError
from emer.pipeline.records.results import Result
from emer.pipeline.records.text import (
    first_sentence,  # one sentence splitter for the project (also for metrics, progress)
)
from emer.pipeline.store.io import os_reason, read_record, write_model_atomic, write_text_atomic
from emer.pipeline.store.lock import RunLock


class OutputLayout:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def clip_dir(self, clip_id: str) -> Path:
        return self.root / clip_id

    def clip_info(self, clip_id: str) -> Path:
        return self.clip_dir(clip_id) / "clip.json"

    def clue(self, clip_id: str, extractor: str) -> Path:
        return self.clip_dir(clip_id) / "clues" / f"{extractor}.json"

    def prompt(self, clip_id: str) -> Path:
        return self.clip_dir(clip_id) / "prompt.txt"

    def evidence(self, clip_id: str) -> Path:
        return self.clip_dir(clip_id) / "evidence.json"

    @property
    def references(self) -> Path:
        return self.root / "references.json"

    def response(self, clip_id: str) -> Path:
        return self.clip_dir(clip_id) / "response.json"

    def result(self, clip_id: str) -> Path:
        return self.clip_dir(clip_id) / "result.json"

    @property
    def results_jsonl(self) -> Path:
        return self.root / "results.jsonl"

    @property
    def results_csv(self) -> Path:
        return self.root / "results.csv"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def run_info(self) -> Path:
        return self.root / "run.json"

    @property
    def clip_index(self) -> Path:
        return self.root / "clips.json"


class ClipIndex(Record):
    """OUT/clips.json: the source file of every clip id written into OUT, over all runs into it."""

    record: Literal["clip-index"] = "clip-index"
    schema_version: Literal["1.0"] = "1.0"
    clips: dict[str, str] = Field(default_factory=dict, description="clip id -> source file (absolute path)")


def claim_output(out: Path) -> RunLock:
    """Check that OUT is (or can become) a writable folder, create it, and take its run lock: the returned
    lock is held; release it (or use it in a `with`). Raises OutputError naming OUT and the cause."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: output folder is a file")
    if not out.is_dir():
        blocker = next((p for p in out.absolute().parents if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise OutputError(f"{out}: cannot create the output folder: {blocker} is a file")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(f"{out}: cannot create the output folder ({os_reason(e)})") from e
    return RunLock(out).acquire()


def record_clip_sources(layout: OutputLayout, clips: Sequence[tuple[str, Path]]) -> None:
    """Add a run's clip ids and their source files to OUT/clips.json. Raises OutputError, before anything is
    written, if OUT already holds a clip id's outputs for another source file."""
    path = layout.clip_index
    index = ClipIndex()
    if path.is_file():
        try:
            index = read_record(path, ClipIndex, "clip index")
        except InputError as e:
            raise OutputError(f"{e}; remove it to start a new one") from e
    conflicts = []
    for clip_id, source in clips:
        resolved = str(Path(source).resolve())
        known = index.clips.get(clip_id)
        if known is not None and known != resolved and layout.clip_dir(clip_id).is_dir():
            conflicts.append((clip_id, known, resolved))
        index.clips[clip_id] = resolved
    if conflicts:
        clip_id, known, resolved = conflicts[0]
        more = f" (and {len(conflicts) - 1} more clips)" if len(conflicts) > 1 else ""
        raise OutputError(f"{layout.clip_dir(clip_id)}: holds the outputs of {known}, not of {resolved}{more}; "
                          f"use another output folder (-o), or remove {layout.clip_dir(clip_id)} to replace them")
    write_model_atomic(path, index)


CSV_COLUMNS = ["clip_id", "status", "label", "confidence", "decided_by", "llm_label", "evidence_label", "open_vocab",
               "reason", "error", "source_path", "note", "warnings"]


def result_row(result: Result) -> dict[str, str]:
    p = result.prediction
    return {
        "clip_id": result.clip_id, "status": result.status,
        "label": p.label if p else "", "confidence": f"{p.confidence:.2f}" if p else "",
        "decided_by": p.decided_by if p else "", "llm_label": (p.llm_label or "") if p else "",
        "evidence_label": (p.evidence_label or "") if p else "",
        "open_vocab": ";".join(p.open_vocab) if p else "", "reason": first_sentence(p.reasoning) if p else "",
        "error": result.error or "", "source_path": result.source_path, "note": result.note or "",
        "warnings": "; ".join(result.clip.warnings) if result.clip else "",
    }


def write_results(layout: OutputLayout, results: list[Result]) -> None:
    """Rewrite results.jsonl and results.csv atomically from the results so far."""
    write_text_atomic(layout.results_jsonl, "".join(r.model_dump_json() + "\n" for r in results))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(result_row(r) for r in results)
    write_text_atomic(layout.results_csv, buf.getvalue())
