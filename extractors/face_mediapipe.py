"""Face clue from MediaPipe FaceLandmarker: blendshape scores per frame, FACS AU estimates derived from them
through a cited table, the left-right difference of each AU made of a left and a right blendshape (a one-sided
smile is contempt's mark, a two-sided one happiness'), EMFACS-style prototype matches, and 7-class expression
probabilities.

MediaPipe gives blendshape scores, not action units. The scores are kept as they are; AU estimates come from
`data/blendshape_to_au.csv`, naming its sources; the AU names and EMFACS prototypes are the shared ones of
pipeline/evidence/facs.py. When
several faces are in a frame the largest (landmark bounding box area) is followed. The expression classifier
(FER2013-style CNN, TFLite) sees a square grey crop around that face.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from emer.extractors.base import Extractor, ExtractorConfig, timed
from emer.extractors.face_summary import summarize_face
from emer.extractors.mediapipe_tasks import close_released, close_with, import_mediapipe
from emer.pipeline.evidence.facs import load_au_table
from emer.pipeline.inputs.clip import Clip
from emer.pipeline.records.clues import (
    Clue,
    ClueStatus,
    FaceData,
    FaceFrame,
    FaceSummary,
    ModelRef,
)
from emer.pipeline.records.errors import ConfigError, ModelUnavailableError, require

AU_MAPPING_PATH = Path(__file__).parent / "data" / "blendshape_to_au.csv"

LANDMARKER_MODEL = "face-landmarker"
EXPRESSION_MODEL = "fer-expression"

# The 52 blendshape category names MediaPipe's FaceLandmarker returns, in its output order.
BLENDSHAPE_NAMES: tuple[str, ...] = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft",
    "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft",
    "eyeLookUpRight", "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft",
    "jawOpen", "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft",
    "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthUpperUpLeft", "mouthUpperUpRight", "noseSneerLeft", "noseSneerRight",
)

# Output order of the fer-expression model (FER2013 classes).
EXPRESSION_LABELS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
EXPRESSION_INPUT = 64
CROP_MARGIN = 0.1  # added on each side of the square face box, as a fraction of its side


# --- the mapping table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AUDef:
    au: str
    blendshapes: tuple[str, ...]
    combine: Literal["mean", "max"]


@dataclass(frozen=True)
class BlendshapeMapping:
    id: str
    aus: tuple[AUDef, ...]

    def estimate(self, blendshapes: dict[str, float]) -> dict[str, float]:
        """AU intensity estimates (0-1) from one frame's blendshape scores."""
        out: dict[str, float] = {}
        for a in self.aus:
            values = [blendshapes.get(b, 0.0) for b in a.blendshapes]
            out[a.au] = max(values) if a.combine == "max" else sum(values) / len(values)
        return out

    def asymmetry(self, blendshapes: dict[str, float]) -> dict[str, float]:
        """Left minus right estimate for the AUs made of a *Left and a *Right blendshape (one bilateral action)."""
        out: dict[str, float] = {}
        for a in self.aus:
            sides = sorted(a.blendshapes)
            if a.combine == "mean" and len(sides) == 2 and sides[0].endswith("Left") and sides[1].endswith("Right") \
                    and sides[0][:-4] == sides[1][:-5]:
                out[a.au] = blendshapes.get(sides[0], 0.0) - blendshapes.get(sides[1], 0.0)
        return out


def _read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Rows of a CSV whose leading '#' lines are comments; returns the comments and the rows."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read table: {e}") from e
    comments = [ln[1:].strip() for ln in lines if ln.startswith("#")]
    rows = list(csv.DictReader(ln for ln in lines if ln.strip() and not ln.startswith("#")))
    return comments, rows


@cache
def load_blendshape_mapping(path: Path = AU_MAPPING_PATH) -> BlendshapeMapping:
    """The blendshape-to-AU table; every blendshape it names must be one MediaPipe returns, every AU one of
    prompts/facs/action_units.yaml."""
    comments, rows = _read_table(path)
    ids = [c.split(":", 1)[1].strip() for c in comments if c.startswith("id:")]
    if not ids:
        raise ConfigError(f"{path}: missing '# id: ...' header line")
    missing = {"au", "blendshapes", "combine"} - set(rows[0] if rows else {})
    if missing:
        raise ConfigError(f"{path}: no rows, or missing columns {sorted(missing)}")
    known_aus = load_au_table().action_units
    aus = []
    for row in rows:
        au = row["au"].strip()
        if au not in known_aus:
            raise ConfigError(f"{path}: row {au}: not an AU of prompts/facs/action_units.yaml")
        blendshapes = tuple(b.strip() for b in row["blendshapes"].split(";") if b.strip())
        unknown = [b for b in blendshapes if b not in BLENDSHAPE_NAMES]
        if unknown or not blendshapes:
            raise ConfigError(f"{path}: row {au}: unknown or no blendshapes {unknown}")
        if row["combine"] not in ("mean", "max"):
            raise ConfigError(f"{path}: row {au}: combine must be mean or max, not {row['combine']!r}")
        aus.append(AUDef(au=au, blendshapes=blendshapes, combine=row["combine"]))
    return BlendshapeMapping(id=ids[0], aus=tuple(aus))


# --- the extractor ----------------------------------------------------------------------------------


@dataclass
class _Face:
    faces: int
    box: tuple[float, float, float, float]  # x, y, w, h as fractions of the frame
    blendshapes: dict[str, float]


class MediaPipeFaceExtractor(Extractor):
    name: ClassVar[str] = "mediapipe-face"
    version: ClassVar[str] = "1.1.0"  # 1.1: left-right asymmetry per bilateral AU
    kind: ClassVar[Literal["face"]] = "face"

    class Config(ExtractorConfig):
        num_faces: int = Field(4, ge=1, le=20, description="faces MediaPipe looks for; the largest is followed")
        min_detection_confidence: float = Field(0.5, ge=0, le=1)
        au_active_threshold: float = Field(0.3, ge=0, le=1,
                                           description="AU estimate at the peak frame that counts as active")
        top_aus: int = Field(5, ge=1, le=30, description="AUs listed in the summary, by peak intensity")
        expression: bool = Field(True, description="run the 7-class expression classifier on the face crop")

    config: Config

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._landmarker: Any = None
        self._interpreter: Any = None
        self._mapping = load_blendshape_mapping()

    def load(self) -> None:
        self._get_landmarker()
        if self.config.expression:
            self._get_interpreter()

    def model_refs(self) -> list[ModelRef]:
        names = [LANDMARKER_MODEL] + ([EXPRESSION_MODEL] if self.config.expression else [])
        return [self.models.resolve(n).ref() for n in names]

    # models, built on first use and reused for every later clip

    def _get_landmarker(self) -> Any:
        close_released()
        if self._landmarker is None:
            import_mediapipe()
            from mediapipe.tasks.python import BaseOptions, vision

            path = self.models.resolve(LANDMARKER_MODEL).path
            options = vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=path),
                running_mode=vision.RunningMode.IMAGE,
                num_faces=self.config.num_faces,
                min_face_detection_confidence=self.config.min_detection_confidence,
                output_face_blendshapes=True,
            )
            try:
                landmarker = vision.FaceLandmarker.create_from_options(options)
            except (RuntimeError, ValueError) as e:
                raise ModelUnavailableError(f"{path}: MediaPipe cannot load the face landmarker: {e}") from e
            # Closed once this extractor is released: MediaPipe's own __del__ runs too late (the landmarker sits
            # in a reference cycle) and fails.
            self._landmarker = close_with(self, landmarker)
        return self._landmarker

    def _get_interpreter(self) -> Any:
        if self._interpreter is None:
            litert = require("ai_edge_litert.interpreter", "pip install ai-edge-litert")
            path = self.models.resolve(EXPRESSION_MODEL).path
            try:
                interpreter = litert.Interpreter(model_path=path, num_threads=1)
                interpreter.allocate_tensors()
            except (RuntimeError, ValueError) as e:
                raise ModelUnavailableError(f"{path}: LiteRT cannot load the expression model: {e}") from e
            self._interpreter = interpreter
        return self._interpreter

    # per frame

    def _landmarks(self, image_bgr: np.ndarray) -> _Face | None:
        import cv2
        import mediapipe as mp

        rgb = np.ascontiguousarray(cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))
        result = self._get_landmarker().detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
        if not result.face_landmarks:
            return None
        boxes = []
        for points in result.face_landmarks:
            xs = np.clip([p.x for p in points], 0.0, 1.0)
            ys = np.clip([p.y for p in points], 0.0, 1.0)
            boxes.append((float(xs.min()), float(ys.min()), float(xs.max() - xs.min()), float(ys.max() - ys.min())))
        h, w = image_bgr.shape[:2]
        largest = max(range(len(boxes)), key=lambda i: boxes[i][2] * w * boxes[i][3] * h)
        scores = ({c.category_name: float(c.score) for c in result.face_blendshapes[largest]}
                  if result.face_blendshapes else {})
        return _Face(faces=len(boxes), box=boxes[largest], blendshapes=scores)

    def _expression(self, image_bgr: np.ndarray, box: tuple[float, float, float, float]) -> dict[str, float] | None:
        import cv2

        crop = face_crop(image_bgr, box, CROP_MARGIN)
        if crop is None:
            return None
        grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        face = cv2.resize(grey, (EXPRESSION_INPUT, EXPRESSION_INPUT), interpolation=cv2.INTER_AREA)
        tensor = ((face.astype(np.float32) / 255.0 - 0.5) * 2.0).reshape(1, EXPRESSION_INPUT, EXPRESSION_INPUT, 1)
        interpreter = self._get_interpreter()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor)
        interpreter.invoke()
        out = interpreter.get_output_details()[0]
        probs = _as_probabilities(interpreter.get_tensor(out["index"]).reshape(-1).astype(np.float64))
        return {label: round(float(p), 4) for label, p in zip(EXPRESSION_LABELS, probs, strict=True)}

    # the clue

    def extract(self, clip: Clip) -> Clue:
        if clip.info.video is None or not clip.frames:
            return self.make_clue(clip, ClueStatus.unsupported, detail="no video stream")
        timings: dict[str, float] = {}
        timeline: list[FaceFrame] = []
        with timed(timings, "total"):
            self._get_landmarker()
            if self.config.expression:
                self._get_interpreter()
            for frame in clip.frames:
                with timed(timings, "landmarks"):
                    face = self._landmarks(frame.image)
                if face is None:
                    timeline.append(FaceFrame(t=frame.t, faces=0))
                    continue
                expression = None
                if self.config.expression:
                    with timed(timings, "expression"):
                        expression = self._expression(frame.image, face.box)
                aus = self._mapping.estimate(face.blendshapes)
                asymmetry = self._mapping.asymmetry(face.blendshapes)
                timeline.append(FaceFrame(
                    t=frame.t, faces=face.faces, box=tuple(round(v, 4) for v in face.box),
                    blendshapes={k: round(v, 3) for k, v in face.blendshapes.items()},
                    aus={k: round(v, 3) for k, v in aus.items()},
                    asymmetry={k: round(v, 3) for k, v in asymmetry.items()}, expression=expression,
                ))
            with_face = [f for f in timeline if f.faces]
            data = FaceData(
                frames_sampled=len(timeline), frames_with_face=len(with_face),
                max_faces=max(f.faces for f in timeline), au_mapping=self._mapping.id,
                timeline=timeline, summary=self._summary(with_face),
            ) if with_face else None
        if data is None:
            return self.make_clue(clip, ClueStatus.no_signal, timings=timings,
                                  detail=f"no face found in {len(timeline)} sampled frames")
        return self.make_clue(clip, ClueStatus.ok, data=data, timings=timings)

    def _summary(self, frames: list[FaceFrame]) -> FaceSummary:
        return summarize_face(frames, [a.au for a in self._mapping.aus], EXPRESSION_LABELS, self.config.top_aus,
                              self.config.au_active_threshold)


def face_crop(image_bgr: np.ndarray, box: tuple[float, float, float, float], margin: float) -> np.ndarray | None:
    """The square crop around a face box (fractions of the frame) widened by `margin` on each side, clipped to
    the frame; None when it is too small to classify."""
    h, w = image_bgr.shape[:2]
    x, y, bw, bh = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    side = max(bw, bh) * (1 + 2 * margin)
    cx, cy = x + bw / 2, y + bh / 2
    x0, y0 = max(0, round(cx - side / 2)), max(0, round(cy - side / 2))
    x1, y1 = min(w, round(cx + side / 2)), min(h, round(cy + side / 2))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    return image_bgr[y0:y1, x0:x1]


def _as_probabilities(values: np.ndarray) -> np.ndarray:
    """The model's outputs as probabilities: kept if they already are, else softmaxed."""
    if np.all(values >= 0) and abs(values.sum() - 1.0) < 1e-3:
        return values / values.sum()
    e = np.exp(values - values.max())
    return e / e.sum()
