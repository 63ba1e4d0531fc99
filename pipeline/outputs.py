"""Where a run's files go: OUT/<clip-id>/clues/<extractor>.json, evidence.json, prompt.txt, response.json,
result.json, and per run references.json, results.jsonl, results.csv, summary.json and run.json."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.io import write_text_atomic
from pipeline.results import Result


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


CSV_COLUMNS = ["clip_id", "status", "label", "confidence", "decided_by", "llm_label", "evidence_label", "open_vocab",
               "reason", "error", "source_path", "note", "warnings"]


def first_sentence(text: str, limit: int = 160) -> str:
    """The reasoning's first sentence, for one-line tables."""
    head = text.strip().split(". ")[0].strip()
    return head if len(head) <= limit else head[: limit - 1] + "…"


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
