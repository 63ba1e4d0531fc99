"""Building the report: a view of each clip (images written to DEST/images/), the run's view, and index.html
rendered from prompts/report/index.html.j2. Every file is written atomically, the images before the page, so
the page never names an image that is not there yet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from emer.pipeline import __version__
from emer.pipeline.evaluation.gold import GoldItem
from emer.pipeline.evaluation.metrics import EvaluationReport
from emer.pipeline.records.clues import ClueStatus
from emer.pipeline.records.vocab import canonical_label, prompts_root
from emer.pipeline.report import plots
from emer.pipeline.report.explain import VERDICTS, Explanation, explanation
from emer.pipeline.report.load import ClipRecord, RunRecord, load_run
from emer.pipeline.report.media import decode_source, key_frame, prosody_curves
from emer.pipeline.store.io import write_bytes_atomic, write_text_atomic

IMAGES = "images"
IMAGE_SUFFIXES = (".keyframe.jpg", ".aus.png", ".prosody.png", ".labels.png")


@dataclass
class Image:
    src: str  # relative to index.html
    width: int | None = None
    height: int | None = None
    caption: str = ""


@dataclass
class ClipView:
    record: ClipRecord
    gold: str | None
    correct: bool | None
    keyframe: Image | None = None
    aus: Image | None = None
    prosody: Image | None = None
    labels: Image | None = None
    explanation: Explanation | None = None
    notes: list[str] = field(default_factory=list)  # why a part is missing
    keyframe_note: str = "no key frame"

    @property
    def anchor(self) -> str:
        return f"clip-{self.record.clip_id}"


class _Writer:
    """Writes the images of one report and remembers which it wrote."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.written: set[str] = set()

    def image(self, name: str, data: bytes | None, caption: str = "", width: int | None = None,
              height: int | None = None) -> Image | None:
        if data is None:
            return None
        write_bytes_atomic(self.dest / IMAGES / name, data)
        self.written.add(name)
        return Image(src=f"{IMAGES}/{name}", width=width, height=height, caption=caption)

    def remove_stale(self) -> None:
        """Images a former report of this folder wrote for clips (or plots) this one no longer has."""
        folder = self.dest / IMAGES
        for path in folder.glob("*") if folder.is_dir() else []:
            if path.name.endswith(IMAGE_SUFFIXES) and path.name not in self.written:
                path.unlink(missing_ok=True)


def _clip_view(record: ClipRecord, run: RunRecord, gold: GoldItem | None, writer: _Writer) -> ClipView:
    result = record.result
    p = result.prediction
    gold_label = gold.label if gold is not None else None
    correct = None
    if gold_label is not None:
        correct = p is not None and canonical_label(p.label) == gold_label
    view = ClipView(record=record, gold=gold_label, correct=correct)
    cid = record.clip_id
    face, prosody, speech = (record.clues.get(k) for k in ("face", "prosody", "speech"))
    key_t = None
    clip, why_not = (None, "the clip could not be read") if result.clip is None \
        else decode_source(result.source_path, run.decode)
    if clip is None:
        view.keyframe_note = why_not or "the clip could not be decoded"
        view.notes.append(view.keyframe_note)
    else:
        frame = key_frame(clip, face)
        if frame is not None:
            key_t = frame.t
            caption = f"t = {frame.t:.2f} s, {frame.why}" + ("" if frame.box else "; no face box at this time")
            view.keyframe = writer.image(f"{cid}.keyframe.jpg", frame.jpeg, caption, frame.width, frame.height)
        else:
            view.keyframe_note = "audio only: no video stream"
        curves, why_not = prosody_curves(clip, prosody)
        if curves is not None:
            data = prosody.data if prosody is not None else None
            segments = speech.data.segments if speech is not None and speech.data is not None else []
            png = plots.prosody_plot(curves, segments, key_t, data.pitch_median_hz if data else None,
                                     data.loudness_mean_db if data else None)
            view.prosody = writer.image(f"{cid}.prosody.png", png, curves.source + "; shaded: transcribed speech; "
                                        "dotted: the clue's median pitch and mean loudness")
        elif why_not:
            view.notes.append(f"pitch and loudness: {why_not}")
    if face is not None and face.data is not None:
        key_t = key_t if key_t is not None else face.data.summary.peak_time
        view.aus = writer.image(f"{cid}.aus.png", plots.au_timeline(face.data, key_t),
                                "AUs that moved (5th-95th percentile spread at least "
                                f"{plots.MOVED_AU_RANGE:g}) and the expression classifier; dashed: the key frame")
    if p is not None:
        series = {"decision": p.label_scores or {}, "llm": p.llm_scores or {}, "evidence": p.evidence_scores or {}}
        if p.decided_by in ("llm", "evidence"):
            series.pop(p.decided_by)  # the deciding distribution is already the first series
        canon = {canonical_label(k): k for k in (p.label_scores or {})}
        view.labels = writer.image(f"{cid}.labels.png",
                                   plots.label_bars(series, p.label, canon.get(gold_label or "", gold_label)),
                                   f"decided by: {p.decided_by}")
        view.explanation = explanation(record)
    return view


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(prompts_root() / "report"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda v: "" if v is None else f"{100 * v:.0f}%"
    env.filters["num"] = lambda v, nd=2: "" if v is None else f"{v:.{nd}f}"
    return env


def _confusion_cells(evaluation: EvaluationReport | None) -> list[list[tuple[int, float, bool]]]:
    """The confusion matrix as (count, shade 0-1, on the diagonal) per cell."""
    c = evaluation.classification if evaluation is not None else None
    if c is None:
        return []
    top = max((max(row) for row in c.confusion if row), default=0) or 1
    return [[(n, n / top, i == j) for j, n in enumerate(row)] for i, row in enumerate(c.confusion)]


def render(run: RunRecord, views: list[ClipView], evaluation: EvaluationReport | None) -> str:
    """index.html as text."""
    statuses = {s: sum(v.record.result.status == s for v in views) for s in ("ok", "degraded", "failed")}
    extractors = [e.get("name", "") for e in run.config.get("extractors", []) if isinstance(e, dict)]
    context: dict[str, Any] = {
        "run": run, "views": views, "evaluation": evaluation, "statuses": statuses, "extractors": extractors,
        "llm": run.config.get("llm", {}), "label_set": run.config.get("label_set"),
        "reason": run.config.get("reason", True), "confusion": _confusion_cells(evaluation),
        "verdicts": VERDICTS, "created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "version": __version__,
        "ok_status": ClueStatus.ok, "misses": {m.clip_id for m in evaluation.misses} if evaluation else set(),
    }
    return _environment().get_template("index.html.j2").render(**context)


def build_report(out: Path, dest: Path | None = None, evaluation: EvaluationReport | None = None,
                 gold: dict[str, GoldItem] | None = None,
                 progress: Callable[[str], None] | None = None) -> Path:
    """Write the report of run folder `out` into `dest` (default OUT/report): index.html and images/. With
    `evaluation` (the run scored against gold) it shows the scores, confusion matrix and misses, and with `gold`
    each clip's gold label. Returns the path of index.html. Raises InputError when OUT holds no results,
    OutputError when DEST cannot be written."""
    run = load_run(out)
    dest = Path(dest) if dest is not None else run.out / "report"
    writer = _Writer(dest)
    views = []
    for record in run.clips:
        if progress is not None:
            progress(record.clip_id)
        views.append(_clip_view(record, run, (gold or {}).get(record.clip_id), writer))
    index = dest / "index.html"
    write_text_atomic(index, render(run, views, evaluation))
    writer.remove_stale()
    return index
