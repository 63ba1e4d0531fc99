"""A folder run's loop with overlap: the clues of the next clips are extracted while the LLM reasons.

A clip's evidence is read against its speaker's reference (the median of that speaker's clips, built speaker by
speaker: `build_references`), so a clip is ready for reasoning once every clip of its speaker has its clues, and
a clip without a speaker at once. The producer (a thread) extracts the clips speaker by speaker and hands each
finished speaker's clips with their reference to the consumer (the calling thread, which reasons) through a
bounded queue: memory stays flat however long the folder, and the producer waits when it is far ahead.

Extraction and reasoning each hold one of the machine's compute slots (pipeline/run/threads.py): on a 2-core
laptop (one slot) they take turns, as llama.cpp's busy-waiting threads must not share their cores; the overlap
pays where the CPUs hold two slots or more.

At the end, OUT/references.json is written from every clip exactly as the sequential run writes it
(`Pipeline.prepare_references`), and a clip whose reference differs from that file's is reasoned again: the
results are the sequential run's, whatever the reference rules become.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from emer.pipeline.evidence.references import (
    ClipFeatures,
    Reference,
    SpeakerReferences,
    build_references,
    speaker_features,
)
from emer.pipeline.evidence.speakers import assign_speakers
from emer.pipeline.records.clues import Clue
from emer.pipeline.records.results import Result
from emer.pipeline.run.config import RunConfig
from emer.pipeline.store.outputs import OutputLayout

log = logging.getLogger(__name__)

QUEUE_CLIPS = 8  # clips extracted ahead of the reasoning at most (once their speaker is complete)
_DONE = None


class Pipeline(Protocol):
    """What the loop needs of `pipeline.run.runner.Pipeline` (named here, not imported: the runner imports this)."""

    config: RunConfig

    def extract_for_run(self, layout: OutputLayout, clip_id: str, clip_path: Path
                        ) -> tuple[list[str], ClipFeatures] | None: ...

    def clues_on_disk(self, layout: OutputLayout, clip_id: str) -> list[Clue]: ...

    def use_reference(self, layout: OutputLayout, clip_id: str, reference: Reference | None) -> None: ...

    def clear_references(self, layout: OutputLayout) -> None: ...

    def run_clip(self, path: Path, out: Path, clip_id: str | None = None, *,
                 computed: Collection[str] = ()) -> Result: ...

    def prepare_references(self, clips: Sequence[tuple[str, Path]], out: Path,
                           features: Mapping[str, ClipFeatures] | None = None) -> SpeakerReferences: ...


def speaker_groups(clips: Sequence[tuple[str, Path]], speakers: dict[str, str | None]
                   ) -> list[tuple[str | None, list[tuple[str, Path]]]]:
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


def run_overlapped(pipeline: Pipeline, clips: Sequence[tuple[str, Path]], out: Path,
                   on_result: Callable[[list[Result]], None], queue_clips: int = QUEUE_CLIPS) -> list[Result]:
    """Every clip's result (in `clips` order), extracting ahead while the reasoning runs; `on_result` gets the
    results so far after each clip. Raises what the producer or the consumer raised (e.g. OutputError)."""
    layout = OutputLayout(out)
    speakers = assign_speakers([cid for cid, _ in clips], pipeline.config.evidence.speakers)
    computed: dict[str, list[str]] = {}
    features: dict[str, ClipFeatures] = {}
    used: dict[str, Reference | None] = {}
    ready: queue.Queue[tuple[str, Path] | None] = queue.Queue(maxsize=max(1, queue_clips))
    stop = threading.Event()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for speaker, members in speaker_groups(clips, speakers):
                for clip_id, path in members:
                    if stop.is_set():
                        return
                    done = pipeline.extract_for_run(layout, clip_id, path)
                    if done is not None:
                        computed[clip_id], features[clip_id] = done
                reference = None
                if speaker is not None:
                    group = speaker_features([cid for cid, _ in members], speakers, features,
                                             lambda cid: pipeline.clues_on_disk(layout, cid))
                    reference = build_references(group, pipeline.config.evidence.min_speaker_clips).get(speaker)
                for clip_id, path in members:
                    used[clip_id] = reference
                    pipeline.use_reference(layout, clip_id, reference)
                    while not stop.is_set():
                        with contextlib.suppress(queue.Full):
                            ready.put((clip_id, path), timeout=0.2)
                            break
        except BaseException as e:  # noqa: BLE001 - handed to the consumer, which raises it
            failure.append(e)
        finally:
            with contextlib.suppress(queue.Full):
                ready.put(_DONE, timeout=1.0 if stop.is_set() else None)

    producer = threading.Thread(target=produce, name="emer-extract", daemon=True)
    producer.start()
    results: list[Result] = []
    try:
        while (item := ready.get()) is not _DONE:
            clip_id, path = item
            results.append(pipeline.run_clip(path, out, clip_id, computed=computed.get(clip_id, ())))
            on_result(results)
        if failure:
            raise failure[0]
        refs = pipeline.prepare_references(clips, out, features)
        redo = [cid for cid in used if _dump(used[cid]) != _dump(refs.speakers.get(speakers[cid] or ""))]
        if redo:
            log.warning("%d clips read against a speaker reference that differs from references.json; "
                        "reasoning them again", len(redo))
        pipeline.clear_references(layout)
        paths = dict(clips)
        by_id = {r.clip_id: r for r in results}
        for clip_id in redo:
            by_id[clip_id] = pipeline.run_clip(paths[clip_id], out, clip_id)
        order = {cid: i for i, (cid, _) in enumerate(clips)}
        return sorted(by_id.values(), key=lambda r: order.get(r.clip_id, len(order)))
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                ready.get_nowait()
        producer.join()
        pipeline.clear_references(layout)


def _dump(reference: Reference | None) -> dict | None:
    return reference.model_dump(mode="json") if reference is not None else None
