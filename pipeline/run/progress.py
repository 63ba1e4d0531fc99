"""Observers for people: a progress bar and the per-clip table printed at the end of a run."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from emer.pipeline.records.results import Result, RunSummary
from emer.pipeline.run.observer import Observer
from emer.pipeline.store.io import read_record_lines
from emer.pipeline.store.outputs import first_sentence


class ProgressBar(Observer):
    """A tqdm bar over clips; the postfix names the stage that just finished. Drawn at the first event, so an
    error before any clip ran (an output folder that cannot be used) prints without a bar above it."""

    def __init__(self, total: int, quiet: bool = False) -> None:
        self.total = total
        self.quiet = quiet
        self._bar: Any = None
        self._lock = threading.Lock()  # the overlapped loop reports from two threads

    @property
    def bar(self) -> Any:
        with self._lock:
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=self.total, unit="clip", disable=self.quiet, file=sys.stderr, dynamic_ncols=True)
            return self._bar

    def on_clip_start(self, clip_id: str, path: Path) -> None:
        self.bar.set_description(clip_id)

    def on_stage(self, clip_id: str, stage: str, seconds: float, reused: bool) -> None:
        self.bar.set_postfix_str(f"{stage} {'cached' if reused else f'{seconds:.1f}s'}")

    def on_clip_end(self, result: Result) -> None:
        self.bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def print_table(summary: RunSummary, out: Path) -> None:
    """clip, label, confidence, one-line reason (or the error, or why there is no label), then a line for each
    failed extractor, decoding warning and note, then the counts and where the outputs are. The reasons are read
    from the run's results.jsonl (the summary does not hold them): a line that does not read back is an InputError
    naming the file and the line."""
    from emer.pipeline.store.outputs import OutputLayout

    layout = OutputLayout(out)
    results = read_record_lines(layout.results_jsonl, Result, "result") if layout.results_jsonl.exists() else []
    reasons = {r.clip_id: first_sentence(r.prediction.reasoning, 90) for r in results if r.prediction}
    width = max([len(c.clip_id) for c in summary.clips] + [4])
    print(f"{'clip':{width}}  {'label':11} {'conf':>4}  reason / error")
    for c in summary.clips:
        notes = [f"warning: {w}" for w in c.warnings]
        if c.status == "failed":
            print(f"{c.clip_id:{width}}  {'FAILED':11} {'':>4}  {c.error}")
        else:
            conf = f"{c.confidence:.2f}" if c.confidence is not None else ""
            reason = reasons.get(c.clip_id) or (c.note if c.label is None else "") or ""
            print(f"{c.clip_id:{width}}  {c.label or '-':11} {conf:>4}  {reason}")
            if c.status == "degraded":
                notes.insert(0, f"DEGRADED: {c.error}")
            if c.note and c.note != reason:
                notes.append(c.note)
        for note in notes:
            print(f"{'':{width}}  ! {note}")
    degraded = f"{summary.degraded} degraded (an extractor failed), " if summary.degraded else ""
    print(f"\n{summary.ok} ok, {degraded}{summary.failed} failed, {summary.reused_clues} clues and "
          f"{summary.reused_results} results reused, {summary.seconds:.1f} s. Outputs: {out}/ "
          f"(results.csv, results.jsonl, summary.json, <clip>/clues/*.json)")
