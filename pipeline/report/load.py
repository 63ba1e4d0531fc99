"""Reading a run folder for the report: results, each clip's clues, evidence summary and raw model text, the run
summary and the decoding settings the clues were computed with."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emer.pipeline.evaluation.metrics import load_results
from emer.pipeline.records.clues import Clue
from emer.pipeline.records.errors import InputError
from emer.pipeline.records.evidence import EvidenceSummary
from emer.pipeline.records.media import DecodeConfig
from emer.pipeline.records.results import Result, RunSummary
from emer.pipeline.store.io import load_clue, read_json, read_record
from emer.pipeline.store.outputs import OutputLayout


@dataclass
class ClipRecord:
    """Everything the run wrote for one clip, as records (missing parts are None or empty)."""

    result: Result
    clues: dict[str, Clue] = field(default_factory=dict)  # kind -> clue
    evidence: EvidenceSummary | None = None
    attempts: list[str] = field(default_factory=list)  # raw reasoning text of each attempt (response.json)
    problems: list[str] = field(default_factory=list)  # files that could not be read, with the cause

    @property
    def clip_id(self) -> str:
        return self.result.clip_id


@dataclass
class RunRecord:
    out: Path
    clips: list[ClipRecord]
    summary: RunSummary | None
    config: dict[str, Any]
    decode: DecodeConfig


def _clip_record(layout: OutputLayout, result: Result) -> ClipRecord:
    record = ClipRecord(result=result)
    clip_dir = layout.clip_dir(result.clip_id)
    files = [clip_dir / ref.file for ref in result.clues] or sorted((clip_dir / "clues").glob("*.json"))
    for path in files:
        try:
            clue = load_clue(path)
        except InputError as e:
            record.problems.append(str(e))
            continue
        record.clues[clue.kind] = clue
    if layout.evidence(result.clip_id).is_file():
        try:
            record.evidence = read_record(layout.evidence(result.clip_id), EvidenceSummary, "evidence summary")
        except InputError as e:
            record.problems.append(str(e))
    if layout.response(result.clip_id).is_file():
        try:
            raw = read_json(layout.response(result.clip_id), "model response")
            record.attempts = [str(a) for a in raw.get("reasoning_attempts", [])] if isinstance(raw, dict) else []
        except InputError as e:
            record.problems.append(str(e))
    return record


def load_run(out: Path) -> RunRecord:
    """Read a run folder. Raises InputError when it holds no readable results; a clip's unreadable clue or
    evidence file is listed in that clip's `problems` instead."""
    layout = OutputLayout(Path(out))
    results = load_results(layout.root)
    summary = None
    if layout.summary.is_file():
        try:
            summary = read_record(layout.summary, RunSummary, "run summary")
        except InputError:
            summary = None  # an older or partial run: the report is built from the results alone
    config: dict[str, Any] = {}
    if layout.run_info.is_file():
        try:
            raw = read_json(layout.run_info, "run info")
            config = raw.get("config", {}) if isinstance(raw, dict) else {}
        except InputError:
            config = {}
    try:
        decode = DecodeConfig.model_validate(config.get("decode") or {})
    except ValueError:
        decode = DecodeConfig()
    return RunRecord(out=layout.root, clips=[_clip_record(layout, r) for r in results], summary=summary,
                     config=config, decode=decode)
