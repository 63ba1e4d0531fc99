"""What an export reads from a run folder (each clip's result and clues, and the gold) and what a format
renders: whole files as text, so that the command writes each one atomically."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from emer.pipeline import __version__
from emer.pipeline.evaluation.gold import GoldItem
from emer.pipeline.evaluation.metrics import load_results
from emer.pipeline.records.clues import (
    ClueStatus,
    FaceClue,
    FaceData,
    ProsodyData,
    Record,
    SceneData,
    SpeechData,
)
from emer.pipeline.records.errors import InputError
from emer.pipeline.records.media import ClipInfo
from emer.pipeline.records.results import Prediction, Result
from emer.pipeline.records.vocab import load_data_yaml
from emer.pipeline.store.io import load_clue
from emer.pipeline.store.outputs import OutputLayout

EXPORT_SCHEMA_VERSION = "1.1"  # 1.1: `reviewed`
DEFAULT_AU_THRESHOLD = 0.3  # the face extractor's default `au_active_threshold`, for clues that do not record one


def export_data() -> dict[str, Any]:
    """prompts/export/formats.yaml: label vocabularies and texts of the target formats."""
    return load_data_yaml("export", "formats.yaml")


class SkippedClip(Record):
    clip_id: str
    reason: str


class ExportManifest(Record):
    """DEST/export.json: what an export wrote, from which run, and which clips it left out and why."""

    record: Literal["export"] = "export"
    schema_version: Literal["1.1"] = EXPORT_SCHEMA_VERSION
    emer_version: str = __version__
    format: str
    source: str = Field(description="the run folder exported")
    gold: str | None = Field(None, description="the gold CSV whose labels, words and reasons replaced the "
                             "predictions' where it had them")
    files: list[str] = Field(description="files written, relative to the export folder")
    clips: list[str] = Field(description="clips exported")
    skipped: list[SkippedClip] = Field(default_factory=list)
    gold_used: int = Field(0, description="clips where the gold replaced a predicted label, word list or reason")
    reviewed: dict[str, str] = Field(default_factory=dict, description="clips exported whose gold is a person's "
                                     "review (emer import label-studio) -> who reviewed it")
    notes: list[str] = Field(default_factory=list, description="how this format's fields were filled")
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Rendered:
    """One format's output, before anything is written: file name (relative to DEST) -> whole text."""

    files: dict[str, str] = field(default_factory=dict)
    clips: list[str] = field(default_factory=list)
    skipped: list[SkippedClip] = field(default_factory=list)
    gold_used: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    media: dict[str, Any] = field(default_factory=dict)  # binary files to place: name -> how (label_studio.MediaFile)

    def skip(self, clip_id: str, reason: str) -> None:
        self.skipped.append(SkippedClip(clip_id=clip_id, reason=reason))


@dataclass(frozen=True)
class ExportClip:
    """A clip with a result: the prediction, the clues that hold data, and the gold if any."""

    result: Result
    prediction: Prediction
    face_clue: FaceClue | None = None
    speech: SpeechData | None = None
    prosody: ProsodyData | None = None
    scene: SceneData | None = None
    gold: GoldItem | None = None

    @property
    def clip_id(self) -> str:
        return self.result.clip_id

    @property
    def info(self) -> ClipInfo | None:
        return self.result.clip

    @property
    def face(self) -> FaceData | None:
        return self.face_clue.data if self.face_clue is not None else None

    @property
    def au_threshold(self) -> float:
        """The AU estimate that counts as active, as the face extractor was configured."""
        if self.face_clue is None:
            return DEFAULT_AU_THRESHOLD
        return float(self.face_clue.extractor.config.get("au_active_threshold", DEFAULT_AU_THRESHOLD))

    @property
    def transcript(self) -> str:
        return self.speech.text.strip() if self.speech is not None else ""

    def label(self) -> tuple[str, bool]:
        """The label to write: the gold's as written there, else the prediction's; and whether it is the gold's."""
        if self.gold is not None and self.gold.label_raw:
            return self.gold.label_raw, True
        return self.prediction.label, False

    def reason(self) -> tuple[str, bool]:
        """The explanation to write: the gold reference if there is one, else the checked reasoning."""
        if self.gold is not None and self.gold.reference:
            return self.gold.reference, True
        return self.prediction.reasoning.strip(), False

    def words(self) -> tuple[list[str], bool]:
        """The emotion words to write: the gold's if it has some, else the prediction's."""
        if self.gold is not None and self.gold.open_vocab:
            return list(self.gold.open_vocab), True
        return list(self.prediction.open_vocab), False


def load_clips(out: Path, gold: dict[str, GoldItem] | None = None) -> tuple[list[ExportClip], list[SkippedClip]]:
    """The clips of a run folder that have a result, with their clues; and the others, each with the reason it
    has none (a failed clip is left out of every export, and so is one no channel read: its label is a default)."""
    layout = OutputLayout(Path(out))
    clips: list[ExportClip] = []
    skipped: list[SkippedClip] = []
    for result in sorted(load_results(out), key=lambda r: r.clip_id):
        if result.prediction is None:
            why = result.error or result.note or "no prediction"
            skipped.append(SkippedClip(clip_id=result.clip_id, reason=f"no result ({result.status}: {why})"))
            continue
        if result.prediction.decided_by == "none":  # a default label is no training example
            skipped.append(SkippedClip(clip_id=result.clip_id, reason="no emotion evidence: no channel read an "
                                       f"emotion, the label {result.prediction.label!r} is the no-evidence default"))
            continue
        data: dict[str, Any] = {}
        for ref in result.clues:
            if ref.status != ClueStatus.ok:
                continue
            path = layout.clip_dir(result.clip_id) / ref.file
            if not path.is_file():
                raise InputError(f"{path}: clue file missing (the result {layout.result(result.clip_id)} names it)")
            clue = load_clue(path)
            data[ref.kind] = clue if ref.kind == "face" else clue.data
        clips.append(ExportClip(result=result, prediction=result.prediction, face_clue=data.get("face"),
                                speech=data.get("speech"), prosody=data.get("prosody"), scene=data.get("scene"),
                                gold=(gold or {}).get(result.clip_id)))
    return clips, skipped


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """A CSV file's text (quoted where needed, "\\n" line ends, as pandas' `to_csv` writes)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def au_code(au: str, width: int = 2) -> str:
    """A FACS code as py-feat and OpenFace spell it: AU1 -> AU01."""
    return f"AU{int(au[2:]):0{width}d}"


def video_frame(t: float, fps: float) -> int:
    """The index of the video frame shown at `t` seconds (0-based)."""
    return int(round(t * fps))
