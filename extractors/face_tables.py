"""Face clues from AU/expression tables computed elsewhere: py-feat `Fex` CSVs and OpenFace 2.x CSVs.

Users of MER-Factory, Emotion-LLaMA and similar pipelines already have these tables; the importers turn them into
the same face clue as `mediapipe-face` (AU estimates 0-1 per frame named as prompts/facs/action_units.yaml does,
EMFACS prototype matches, expression probabilities), so evidence, references and the reasoner run on them
unchanged. Nothing is recomputed and no model is loaded.

The table of a clip is `<folder>/<stem>.csv` (`filename` template, `{stem}` = the clip's file name without its
extension), with `folder` the clip's own folder unless configured. The clue's `models` lists the table: the
tool, the file's path and its sha256. A missing table or missing columns fail the clue with a message naming
the file.

Column layouts, as the tools write them (checked against the real files in the py-feat 2.1.5 wheel,
`feat/tests/data/Feat_Test.csv`, `001.csv` and `OpenFace_Test.csv`, and py-feat's `feat/utils/__init__.py`
`FEAT_EMOTION_COLUMNS`, `FEAT_FACEBOX_COLUMNS`, `AU_LANDMARK_MAP["Feat"]`, and `feat/utils/io.py`
`read_openface`):

- py-feat `Fex` (`Detector.detect(..., save=...)`, `Fex.to_csv`): one row per face per frame; `frame` (index
  in the video), `FaceRectX, FaceRectY, FaceRectWidth, FaceRectHeight` (pixels), `FaceScore`, `AU01 ... AU43`
  as probabilities or intensities 0-1, `anger, disgust, fear, happiness, sadness, surprise, neutral`
  probabilities, `input`, and for videos `approx_time` (written "MM:SS", too coarse: times here are
  `frame / fps` with the clip's frame rate). Rows of frames without a face hold no AU values (NaN).
- OpenFace 2.x `FeatureExtraction` / `FaceLandmarkVidMulti` (OpenFace 2.2 `lib/local/Utilities/src/
  RecorderCSV.cpp`: `frame, face_id, timestamp, confidence, success`, then gaze, pose, landmarks, model
  parameters, AUs; OpenFace 2.0, as in py-feat's test file, has no `face_id`): header names after the first
  are written with a leading space; `frame` (from 1), `timestamp` (seconds), `confidence`, `success`, optional
  2D landmarks `x_0..x_67, y_0..y_67` (pixels), `AU01_r ... AU45_r` intensities 0-5 (divided by 5 here) and
  `AU01_c ... AU45_c` presence 0/1 (not used: AU28 has only a presence column). Rows with `success` 0 have no
  face.

AUs outside the shared AU table (py-feat AU11, AU23, AU25, AU43; OpenFace AU23, AU25) are left out and named in
the clue's `detail`. When several faces are in a frame the largest (face box, or landmark extent) is followed,
as `mediapipe-face` does. The timeline follows the clip's sampled frames (the table row nearest in time to
each) so a clue from a table is comparable frame for frame with one computed here; with
`align_to_clip_frames` off, every row of the table is kept.

Note on caching: a run reuses a clue while the clip, extractor version and config are unchanged; it does not
see a table replaced under the same name. Write to a new output folder (or delete the clue) after changing a
table.
"""

from __future__ import annotations

import csv
import math
import re
from abc import abstractmethod
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from emer.extractors.base import Extractor, ExtractorConfig, timed
from emer.extractors.face_mediapipe import EXPRESSION_LABELS
from emer.extractors.face_summary import summarize_face
from emer.pipeline.evidence.facs import load_au_table
from emer.pipeline.inputs.clip import Clip
from emer.pipeline.records.clues import Clue, ClueStatus, FaceData, FaceFrame, ModelRef
from emer.pipeline.records.errors import InputError
from emer.pipeline.store.io import sha256_file

# py-feat's expression columns (FEAT_EMOTION_COLUMNS) -> the expression names face clues use.
PYFEAT_EXPRESSIONS: dict[str, str] = {
    "anger": "angry", "disgust": "disgust", "fear": "fear", "happiness": "happy", "sadness": "sad",
    "surprise": "surprise", "neutral": "neutral",
}
PYFEAT_BOX = ("FaceRectX", "FaceRectY", "FaceRectWidth", "FaceRectHeight")
OPENFACE_AU_SCALE = 5.0  # AUxx_r is an intensity 0-5


class FaceTableConfig(ExtractorConfig):
    """Where a clip's table is and how it is read."""

    folder: Path | None = Field(None, description="folder holding the tables; None: the clip's own folder")
    filename: str = Field("{stem}.csv", description="table file name; {stem} is the clip's file name without "
                          "its extension")
    min_face_score: float = Field(0.5, ge=0, le=1, description="rows whose face score (py-feat FaceScore, "
                                  "OpenFace confidence) is below this count as no face")
    align_to_clip_frames: bool = Field(True, description="keep, for each frame the clip decoder samples, the "
                                       "table row nearest in time; off: every row of the table")
    au_active_threshold: float = Field(0.3, ge=0, le=1,
                                       description="AU estimate at the peak frame that counts as active")
    top_aus: int = Field(5, ge=1, le=30, description="AUs listed in the summary, by peak intensity")


@dataclass
class _Row:
    """One face in one row of a table, already in clue units."""

    t: float
    box: tuple[float, float, float, float] | None  # pixels: x, y, width, height
    aus: dict[str, float]
    expression: dict[str, float] | None


@dataclass
class _Table:
    path: Path
    columns: list[str]
    rows: list[dict[str, str]]


def read_table(path: Path) -> _Table:
    """A CSV table with its header names stripped of the spaces OpenFace puts before them."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise InputError(f"{path}: empty table (no header line)")
            columns = [h.strip() for h in header]
            rows = [dict(zip(columns, (v.strip() for v in values), strict=False))
                    for values in reader if values]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: cannot read the table: {e}") from e
    return _Table(path=path, columns=columns, rows=rows)


def _number(table: _Table, row: dict[str, str], column: str) -> float:
    """A cell as a float; empty and NaN cells are NaN, anything else unparsable is an error naming the cell."""
    value = row.get(column, "")
    if value == "" or value.lower() == "nan":
        return math.nan
    try:
        return float(value)
    except ValueError:
        raise InputError(f"{table.path}: column {column}: {value!r} is not a number") from None


class FaceTableExtractor(Extractor):
    """Shared by the importers: find the table, turn its rows into face frames, summarise."""

    kind: ClassVar[Literal["face"]] = "face"
    Config: ClassVar[type[ExtractorConfig]] = FaceTableConfig
    config: FaceTableConfig
    tool: ClassVar[str]
    au_column: ClassVar[re.Pattern[str]]  # group 1: the AU number
    au_scale: ClassVar[float]
    required: ClassVar[tuple[str, ...]]

    def table_path(self, clip: Clip) -> Path:
        """Where this clip's table should be."""
        clip_path = Path(clip.info.path)
        folder = self.config.folder if self.config.folder is not None else clip_path.parent
        return folder / self.config.filename.format(stem=clip_path.stem)

    def extract(self, clip: Clip) -> Clue:
        path = self.table_path(clip)
        if not path.is_file():
            raise InputError(f"{path}: no {self.tool} table for clip {clip.clip_id} (looked for "
                             f"{self.config.filename!r} in {path.parent})")
        timings: dict[str, float] = {}
        with timed(timings, "total"):
            table = read_table(path)
            au_columns = self._au_columns(table)
            rows = self._rows(table, au_columns, clip)
            timeline = self._timeline(rows, clip)
            with_face = [f for f in timeline if f.faces]
            aus = list(au_columns.values())
            data = FaceData(
                frames_sampled=len(timeline), frames_with_face=len(with_face),
                max_faces=max((f.faces for f in timeline), default=0), au_mapping=self.au_mapping_id(),
                timeline=timeline,
                summary=summarize_face(with_face, aus, EXPRESSION_LABELS, self.config.top_aus,
                                       self.config.au_active_threshold),
            ) if with_face else None
        table_ref = ModelRef(name=f"{self.tool} table {path}", sha256=sha256_file(path), source="path")
        left_out = sorted(self._all_au_columns(table) - set(au_columns.values()), key=_au_number)
        notes = [f"AUs not in the AU table, left out: {', '.join(left_out)}"] if left_out else []
        if data is None:
            clue = self.make_clue(clip, ClueStatus.no_signal, timings=timings, detail="; ".join(
                [f"{path}: no face in {len(timeline)} frames", *notes]))
        else:
            clue = self.make_clue(clip, ClueStatus.ok, data=data, timings=timings, detail="; ".join(notes) or None)
        clue.models = [table_ref]
        return clue

    def au_mapping_id(self) -> str:
        return f"{self.name}: {self.tool} {'AUxx_r / 5' if self.au_scale != 1 else 'AUxx'}"

    def _all_au_columns(self, table: _Table) -> set[str]:
        return {f"AU{int(m.group(1))}" for c in table.columns if (m := self.au_column.fullmatch(c))}

    def _au_columns(self, table: _Table) -> dict[str, str]:
        """Table column -> AU name, for the AUs of the shared table; errors name the missing columns."""
        missing = [c for c in self.required if c not in table.columns]
        known = load_au_table().action_units
        au_columns = {c: f"AU{int(m.group(1))}" for c in table.columns if (m := self.au_column.fullmatch(c))}
        au_columns = {c: au for c, au in au_columns.items() if au in known}
        if not au_columns:
            missing.append(f"AU intensity columns ({self.au_column.pattern})")
        if missing:
            raise InputError(f"{table.path}: missing {self.tool} columns: {', '.join(missing)}")
        return au_columns

    @abstractmethod
    def _rows(self, table: _Table, au_columns: dict[str, str], clip: Clip) -> list[_Row]:
        """One row per table row: a face (score passes, AUs present) or, with no AUs, a frame without one."""

    def _timeline(self, rows: list[_Row], clip: Clip) -> list[FaceFrame]:
        """Rows grouped by time (the largest face followed), then aligned to the clip's sampled frames."""
        by_time: dict[float, list[_Row]] = defaultdict(list)
        for r in rows:
            by_time[round(r.t, 4)].append(r)
        video = clip.info.video
        size = (video.width, video.height) if video else None
        frames = [_frame(t, faces, size) for t, faces in sorted(by_time.items())]
        if not (self.config.align_to_clip_frames and clip.frames and frames):
            return frames
        times = np.array([f.t for f in frames])
        step = float(np.median(np.diff(times))) if len(times) > 1 else 0.1
        tolerance = max(0.05, 0.75 * step)
        out = []
        for sampled in clip.frames:
            i = int(np.argmin(np.abs(times - sampled.t)))
            if abs(times[i] - sampled.t) <= tolerance:
                out.append(frames[i].model_copy(update={"t": round(sampled.t, 4)}))
            else:
                out.append(FaceFrame(t=round(sampled.t, 4), faces=0))
        if len(clip.frames) > 1 and not any(abs(times - f.t).min() <= tolerance for f in clip.frames):
            raise InputError(f"{self.table_path(clip)}: its times ({times[0]:.2f}-{times[-1]:.2f} s) match none of "
                             f"the clip's frames ({clip.frames[0].t:.2f}-{clip.frames[-1].t:.2f} s): a table of "
                             "another video, or the wrong `fps`?")
        return out


def _au_number(au: str) -> int:
    return int(au[2:])


def _frame(t: float, faces: list[_Row], size: tuple[int, int] | None) -> FaceFrame:
    """One timeline frame from the faces of one table frame: the largest followed."""
    valid = [f for f in faces if f.aus]
    if not valid:
        return FaceFrame(t=t, faces=0)
    face = max(valid, key=lambda f: f.box[2] * f.box[3] if f.box else 0.0)
    box = None
    if face.box and size and all(math.isfinite(v) for v in face.box):
        w, h = size
        x, y, bw, bh = face.box
        x0, y0 = min(max(x / w, 0.0), 1.0), min(max(y / h, 0.0), 1.0)
        box = (round(x0, 4), round(y0, 4), round(min(bw / w, 1.0 - x0), 4), round(min(bh / h, 1.0 - y0), 4))
    return FaceFrame(t=t, faces=len(valid), box=box, aus={k: round(v, 3) for k, v in face.aus.items()},
                     expression=face.expression)


class PyFeatTableExtractor(FaceTableExtractor):
    """Face clue from a py-feat `Fex` CSV (Detector.detect's saved output)."""

    name: ClassVar[str] = "pyfeat-csv"
    version: ClassVar[str] = "1.0.0"
    tool: ClassVar[str] = "py-feat"
    au_column: ClassVar[re.Pattern[str]] = re.compile(r"AU(\d+)")
    au_scale: ClassVar[float] = 1.0
    required: ClassVar[tuple[str, ...]] = ("frame", *PYFEAT_BOX)

    class Config(FaceTableConfig):
        fps: float | None = Field(None, gt=0, description="frame rate turning the table's frame numbers into "
                                  "seconds; None: the clip's video frame rate")

    config: Config

    def _rows(self, table: _Table, au_columns: dict[str, str], clip: Clip) -> list[_Row]:
        fps = self.config.fps or (clip.info.video.fps if clip.info.video else None)
        if not fps:
            raise InputError(f"{table.path}: py-feat tables number frames; the clip has no video frame rate, so "
                             "set the extractor's `fps`")
        expression_columns = [c for c in PYFEAT_EXPRESSIONS if c in table.columns]
        out = []
        for row in table.rows:
            frame = _number(table, row, "frame")
            if not math.isfinite(frame):
                raise InputError(f"{table.path}: a row without a frame number")
            t = frame / fps
            score = _number(table, row, "FaceScore") if "FaceScore" in table.columns else 1.0
            aus = {au: _number(table, row, c) * self.au_scale for c, au in au_columns.items()}
            if not (score >= self.config.min_face_score) or any(math.isnan(v) for v in aus.values()):
                out.append(_Row(t=t, box=None, aus={}, expression=None))
                continue
            x, y, w, h = (_number(table, row, c) for c in PYFEAT_BOX)
            expression = None
            if len(expression_columns) == len(PYFEAT_EXPRESSIONS):
                values = {PYFEAT_EXPRESSIONS[c]: _number(table, row, c) for c in expression_columns}
                if all(math.isfinite(v) for v in values.values()):
                    expression = {k: round(values[k], 4) for k in EXPRESSION_LABELS}
            out.append(_Row(t=t, box=(x, y, w, h), aus={k: min(max(v, 0.0), 1.0) for k, v in aus.items()},
                            expression=expression))
        return out


class OpenFaceTableExtractor(FaceTableExtractor):
    """Face clue from an OpenFace 2.x CSV (FeatureExtraction / FaceLandmarkVidMulti output)."""

    name: ClassVar[str] = "openface-csv"
    version: ClassVar[str] = "1.0.0"
    tool: ClassVar[str] = "OpenFace 2"
    au_column: ClassVar[re.Pattern[str]] = re.compile(r"AU(\d+)_r")
    au_scale: ClassVar[float] = 1.0 / OPENFACE_AU_SCALE
    required: ClassVar[tuple[str, ...]] = ("timestamp", "success")

    def _rows(self, table: _Table, au_columns: dict[str, str], clip: Clip) -> list[_Row]:
        landmarks = all(f"{a}_{i}" in table.columns for a in "xy" for i in (0, 67))
        out = []
        for row in table.rows:
            t = _number(table, row, "timestamp")
            if not math.isfinite(t):
                raise InputError(f"{table.path}: a row without a timestamp")
            confidence = _number(table, row, "confidence") if "confidence" in table.columns else 1.0
            aus = {au: _number(table, row, c) * self.au_scale for c, au in au_columns.items()}
            if (_number(table, row, "success") != 1 or not (confidence >= self.config.min_face_score)
                    or any(math.isnan(v) for v in aus.values())):
                out.append(_Row(t=t, box=None, aus={}, expression=None))
                continue
            out.append(_Row(t=t, box=_landmark_box(table, row) if landmarks else None,
                            aus={k: min(max(v, 0.0), 1.0) for k, v in aus.items()}, expression=None))
        return out


def _landmark_box(table: _Table, row: dict[str, Any]) -> tuple[float, float, float, float] | None:
    xs = [_number(table, row, f"x_{i}") for i in range(68)]
    ys = [_number(table, row, f"y_{i}") for i in range(68)]
    if not all(math.isfinite(v) for v in xs + ys):
        return None
    return (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
