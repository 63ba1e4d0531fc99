"""The pipeline: clip -> clues -> evidence -> prompt -> reasoned result, for one clip or a folder.

`Pipeline` is the run's steps (pipeline/run/steps.py: extractors and reasoner loaded once) with `run`, which
hands a file or folder to the run loop (pipeline/run/runloop.py): overlapped (the clues of the next clips
extracted while the LLM reasons) when there is an LLM, else, or with `overlap = False`, two passes.
"""

from __future__ import annotations

from pathlib import Path

from emer.pipeline.records.results import RunSummary
from emer.pipeline.run.runloop import Overlapped, TwoPass, run_folder
from emer.pipeline.run.steps import PipelineSteps


class Pipeline(PipelineSteps):
    """The steps of one run config and the folder run over them. `overlap` (default True): extract the next clips
    while the LLM reasons; the results are the same either way (`emer run --sequential` sets it False)."""

    overlap = True

    def run(self, path: Path, out: Path, recursive: bool = False) -> RunSummary:
        """Run a clip or every media file of a folder (`recursive`: and its subfolders) into OUT (see
        `run_folder`): results.jsonl, results.csv, summary.json and each clip's files."""
        loop = Overlapped() if self.overlap and self.reasoner is not None else TwoPass()
        return run_folder(self, path, out, recursive, loop)
