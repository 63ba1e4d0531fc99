"""The run loop: every folder run, from the CLI (sequential or overlapped) or the Prefect flow, is `run_folder`:
hold OUT's run lock, start the run, each clip's clues, the speaker references, each clip's evidence and
reasoning, finish the run. What differs is only how the clips' steps are scheduled (a `Loop`):

- `TwoPass` (`emer run --sequential`): every clip's clues, then the speaker references, then each clip's
  reasoning, one clip at a time. The Prefect flow subclasses it to run each clip's steps as tasks
  (flows/emer_flow.py), in the same order.
- `Overlapped` (the CLI's default with an LLM): the clues of the next clips are extracted while the LLM reasons.

A clip's evidence is read against its speaker's reference (the median of that speaker's clips), so in the
overlapped loop a clip is ready for reasoning once every clip of its speaker has its clues, and a clip without a
speaker at once. The producer (a thread) extracts the clips speaker by speaker and hands each finished speaker's
clips with their reference to the consumer (the calling thread, which reasons) through a bounded queue: memory
stays flat however long the folder, and the producer waits when it is far ahead. Extraction and reasoning each
hold one of the machine's compute slots (pipeline/run/threads.py): on a 2-core laptop (one slot) they take turns,
as llama.cpp's busy-waiting threads must not share their cores; the overlap pays where the CPUs hold two slots or
more. At the end, OUT/references.json is written from every clip exactly as the two-pass loop writes it, and a
clip whose reference differs from that file's is reasoned again: the results are the two-pass loop's.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from emer.pipeline.evidence.references import ClipFeatures, Reference, SpeakerReferences
from emer.pipeline.evidence.speakers import assign_speakers
from emer.pipeline.records.errors import OutputError, RunStoppedError
from emer.pipeline.records.results import Result, RunSummary
from emer.pipeline.run.steps import PipelineSteps
from emer.pipeline.store.outputs import OutputLayout, claim_output, write_results

log = logging.getLogger(__name__)

RESULTS_EVERY_S = 5.0  # how often a folder run rewrites results.jsonl/csv with the results so far
QUEUE_CLIPS = 8  # clips extracted ahead of the reasoning at most, in the overlapped loop
Clips = Sequence[tuple[str, Path]]
OnResult = Callable[[list[Result]], None]  # called with the results so far after each clip


class Loop(Protocol):
    """How a run's clips are scheduled between `start_run` and `finish_run`."""

    def run(self, steps: PipelineSteps, clips: Clips, out: Path, on_result: OnResult) -> list[Result]:
        """Every clip's result, in `clips` order; raises what the steps raised that stops a run (OutputError)."""
        ...


def run_folder(steps: PipelineSteps, path: Path, out: Path, recursive: bool = False, loop: Loop | None = None,
               finished: Callable[[RunSummary], None] | None = None) -> RunSummary:
    """Run a clip or every media file of a folder (`recursive`: and its subfolders) with `loop` (default
    `TwoPass`); writes results.jsonl, results.csv, summary.json, then calls `finished` with the summary (the
    flow's report). Holds OUT's run lock throughout. Raises
    OutputError before any clip runs if OUT cannot be used, and RunStoppedError if it cannot be written part way
    (a full disk): what was written stays valid, and a rerun resumes from it."""
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    layout = OutputLayout(out)
    with claim_output(out):
        clips = steps.start_run(path, out, recursive)
        results: list[Result] = []
        last_write = [0.0]

        def on_result(so_far: list[Result]) -> None:
            # results.jsonl/csv are rewritten whole: at most every RESULTS_EVERY_S seconds, so a long folder costs
            # linear time, not quadratic (finish_run writes the complete files)
            results[:] = so_far
            if time.perf_counter() - last_write[0] >= RESULTS_EVERY_S:
                write_results(layout, so_far)
                last_write[0] = time.perf_counter()

        try:
            results[:] = (loop or TwoPass()).run(steps, clips, out, on_result)
            summary = steps.finish_run(path, out, results, started, time.perf_counter() - t0)
        except OutputError as e:
            with contextlib.suppress(OutputError):  # the summary of what finished, if it still fits
                steps.finish_run(path, out, results, started, time.perf_counter() - t0)
            raise RunStoppedError(f"{e}; the run stopped with {len(results)} of {len(clips)} clips done "
                                  f"(rerun into {out} to resume: finished work is reused)") from e
        if finished is not None:
            finished(summary)
        return summary


class TwoPass:
    """Every clip's clues, then the speaker references, then each clip's evidence and reasoning. Subclasses
    change how a pass runs its clips (the Prefect flow: as tasks), never the order of the steps."""

    def run(self, steps: PipelineSteps, clips: Clips, out: Path, on_result: OnResult) -> list[Result]:
        computed, features = self.extract(steps, clips, out)
        self.references_ready(steps.prepare_references(clips, out, features))
        return self.reason(steps, clips, out, computed, on_result)

    def extract(self, steps: PipelineSteps, clips: Clips, out: Path
                ) -> tuple[dict[str, list[str]], dict[str, ClipFeatures]]:
        """First pass: every clip's clues (a clip that cannot be decoded is left for `run_clip` to report).
        Returns, per clip, the extractors computed now (not reused), and the reference features of the clips
        whose features were computed here (the others' are read from their clues on disk)."""
        computed: dict[str, list[str]] = {}
        features: dict[str, ClipFeatures] = {}
        for clip_id, clip_path in clips:
            if (done := steps.extract_for_run(out, clip_id, clip_path)) is not None:
                computed[clip_id], features[clip_id] = done
        return computed, features

    def references_ready(self, references: SpeakerReferences) -> None:
        """Called with the run's speaker references (written to OUT/references.json) before any reasoning."""

    def reason(self, steps: PipelineSteps, clips: Clips, out: Path, computed: dict[str, list[str]],
               on_result: OnResult) -> list[Result]:
        """Second pass: each clip's evidence and reasoning."""
        results: list[Result] = []
        for clip_id, clip_path in clips:
            results.append(steps.run_clip(clip_path, out, clip_id, computed=computed.get(clip_id, ())))
            on_result(results)
        return results


def speaker_groups(clips: Clips, speakers: dict[str, str | None]) -> list[tuple[str | None, list[tuple[str, Path]]]]:
    """The clips by speaker, in the order each speaker first appears; a clip without a speaker on its own."""
    groups: dict[str, list[tuple[str, Path]]] = {}
    out: list[tuple[str | None, list[tuple[str, Path]]]] = []
    for clip_id, path in clips:
        speaker = speakers.get(clip_id)
        if speaker is None:
            out.append((None, [(clip_id, path)]))
        elif speaker in groups:
            groups[speaker].append((clip_id, path))
        else:
            groups[speaker] = [(clip_id, path)]
            out.append((speaker, groups[speaker]))
    return out


class Overlapped:
    """The clues of the next clips are extracted (a producer thread) while the LLM reasons (the calling thread);
    at most `queue_clips` clips wait for the reasoning. The results are `TwoPass`'s (see the module's text)."""

    def __init__(self, queue_clips: int = QUEUE_CLIPS) -> None:
        self.queue_clips = queue_clips

    def run(self, steps: PipelineSteps, clips: Clips, out: Path, on_result: OnResult) -> list[Result]:
        layout = OutputLayout(out)
        speakers = assign_speakers([cid for cid, _ in clips], steps.config.evidence.speakers)
        computed: dict[str, list[str]] = {}
        features: dict[str, ClipFeatures] = {}
        used: dict[str, Reference | None] = {}
        ready: queue.Queue[tuple[str, Path] | None] = queue.Queue(maxsize=max(1, self.queue_clips))
        stop = threading.Event()
        failure: list[BaseException] = []

        def produce() -> None:
            try:
                for speaker, members in speaker_groups(clips, speakers):
                    for clip_id, path in members:
                        if stop.is_set():
                            return
                        if (done := steps.extract_for_run(out, clip_id, path)) is not None:
                            computed[clip_id], features[clip_id] = done
                    reference = (steps.speaker_reference(out, speaker, [cid for cid, _ in members], features)
                                 if speaker is not None else None)
                    for clip_id, path in members:
                        used[clip_id] = reference
                        steps.evidence.use_reference(layout, clip_id, reference)
                        while not stop.is_set():
                            with contextlib.suppress(queue.Full):
                                ready.put((clip_id, path), timeout=0.2)
                                break
            except BaseException as e:  # noqa: BLE001 - handed to the consumer, which raises it
                failure.append(e)
            finally:
                with contextlib.suppress(queue.Full):
                    ready.put(None, timeout=1.0 if stop.is_set() else None)

        producer = threading.Thread(target=produce, name="emer-extract", daemon=True)
        producer.start()
        results: list[Result] = []
        try:
            while (item := ready.get()) is not None:
                clip_id, path = item
                results.append(steps.run_clip(path, out, clip_id, computed=computed.get(clip_id, ())))
                on_result(results)
            if failure:
                raise failure[0]
            refs = steps.prepare_references(clips, out, features)
            redo = [cid for cid in used if _dump(used[cid]) != _dump(refs.speakers.get(speakers[cid] or ""))]
            if redo:
                log.warning("%d clips read against a speaker reference that differs from references.json; "
                            "reasoning them again", len(redo))
            steps.evidence.clear_references(layout)
            paths = dict(clips)
            by_id = {r.clip_id: r for r in results}
            for clip_id in redo:
                by_id[clip_id] = steps.run_clip(paths[clip_id], out, clip_id, computed=computed.get(clip_id, ()))
            order = {cid: i for i, (cid, _) in enumerate(clips)}
            return sorted(by_id.values(), key=lambda r: order.get(r.clip_id, len(order)))
        finally:
            stop.set()
            with contextlib.suppress(queue.Empty):
                while True:
                    ready.get_nowait()
            producer.join()
            steps.evidence.clear_references(layout)


def _dump(reference: Reference | None) -> dict | None:
    return reference.model_dump(mode="json") if reference is not None else None
