"""What a run tells whoever watches it (the progress bar, Prefect's task log, the ablation's timer): one
interface, so those watchers need nothing of the runner."""

from __future__ import annotations

from pathlib import Path

from emer.pipeline.records.results import Result


class Observer:
    """Receives the pipeline's progress. Subclass and override what you need."""

    def on_clip_start(self, clip_id: str, path: Path) -> None: ...

    def on_stage(self, clip_id: str, stage: str, seconds: float, reused: bool) -> None: ...

    def on_clip_end(self, result: Result) -> None: ...
