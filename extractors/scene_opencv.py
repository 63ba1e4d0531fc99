"""Scene clue from OpenCV: how the picture looks, how much it moves, and how the face is framed.

Computed over the clip's sampled frames (10 fps by default), each downscaled to `analysis_height` first so the
numbers compare across resolutions and the cost stays fixed:

- brightness: mean luma (Rec. 601, OpenCV's BGR-to-grey) 0-1, averaged over frames;
- contrast: RMS contrast, the standard deviation of luma 0-1 within a frame, averaged over frames;
- colourfulness: Hasler & Suesstrunk (2003) metric M3 on 0-255 RGB, averaged over frames
  (their scale: 0 not colourful, 15 slightly, 33 moderately, 45 averagely, 59 quite, 82 highly, 109 extremely);
- warmth: mean (R - B) / 255, -1 cold .. 1 warm;
- motion energy: mean absolute luma difference between consecutive sampled frames, 0-1 (it depends on the
  sampling rate: at 10 fps it is the change over 0.1 s);
- faces: OpenCV's frontal-face Haar cascade (Viola & Jones 2001), shipped inside the opencv wheel, run on up to
  `face_frames` evenly spaced frames. The face height is that of the largest box, as a fraction of the frame
  height (median over the frames with a face), and sets the shot scale through the thresholds in `Config`.

Hasler, D. & Suesstrunk, S. (2003). Measuring colourfulness in natural images. Proc. SPIE 5007, 87-95.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import Field, model_validator

from emer.extractors.base import Extractor, ExtractorConfig, timed
from emer.pipeline.inputs.clip import Clip
from emer.pipeline.records.clues import ClueKind, ClueStatus, ModelRef, SceneClue, SceneData
from emer.pipeline.records.errors import ModelUnavailableError
from emer.pipeline.store.io import sha256_file

if TYPE_CHECKING:
    import cv2

CASCADE = "haarcascade_frontalface_default"


class SceneConfig(ExtractorConfig):
    """Options of the OpenCV scene extractor. The word thresholds only shape `description`; the numbers in
    the clue do not depend on them."""

    # --- measurement ---
    analysis_height: int = Field(
        240, ge=32, description="frames taller than this are downscaled (area averaging) before the picture "
        "statistics, so they compare across resolutions and cost the same for any input size")
    face_frames: int = Field(10, ge=1, description="face detection runs on up to this many evenly spaced frames")
    detect_height: int = Field(
        360, ge=96, description="frames taller than this are downscaled before face detection; the cascade's "
        "24-pixel window then finds faces down to 24 / detect_height of the frame height")
    scale_factor: float = Field(1.1, gt=1.0, le=2.0, description="cascade image-pyramid step")
    min_neighbors: int = Field(5, ge=0, description="overlapping detections needed to keep a face")
    min_face: float = Field(0.07, gt=0.0, lt=1.0, description="smallest face searched, fraction of frame height")
    min_face_frames: int = Field(
        2, ge=1, description="a face count is reported only if seen in at least this many checked frames (all "
        "of them when fewer were checked); drops one-frame false detections")

    # --- shot scale: height of the largest face box / frame height ---
    # The Haar box spans roughly brows to chin, about 3/4 of the head's height.
    extreme_close_up_at: float = Field(0.70, description="at or above: part of the face fills the frame")
    close_up_at: float = Field(0.42, description="at or above: head and neck, the head about 2/3 of the frame")
    medium_close_up_at: float = Field(0.25, description="at or above: head and shoulders to mid-chest")
    medium_shot_at: float = Field(0.12, description="at or above: from about the waist up; below: long shot")

    # --- words for the description ---
    dark_below: float = Field(0.30, description="brightness below this reads 'dark'")
    bright_above: float = Field(0.60, description="brightness above this reads 'bright'; between: 'moderately lit'")
    low_contrast_below: float = Field(0.12, description="contrast below this reads 'low-contrast'")
    high_contrast_above: float = Field(
        0.25, description="contrast above this reads 'high-contrast'; between: 'medium-contrast'")
    colourless_below: float = Field(15.0, description="colourfulness below this reads 'nearly colourless' (H&S: "
                                    "under 'slightly colourful')")
    muted_below: float = Field(33.0, description="below this reads 'muted' (H&S: under 'moderately colourful')")
    colourful_at: float = Field(
        59.0, description="at or above reads 'vivid' (H&S: 'quite colourful'); between: 'moderately colourful'")
    cool_below: float = Field(-0.10, description="warmth below this reads 'cool' (a clear blue cast)")
    warm_above: float = Field(0.10, description="warmth above this reads 'warm' (a clear red-orange cast); "
                              "between: 'neutral-toned'. A green screen alone gives about 0.06-0.08")
    static_below: float = Field(0.01, description="motion energy below this reads 'static' (a talking head on a "
                                "fixed camera is about 0.005 at 10 fps)")
    busy_at: float = Field(0.05, description="motion energy at or above reads 'much motion'; between: "
                           "'some motion'")

    @model_validator(mode="after")
    def _ordered(self) -> SceneConfig:
        pairs = [
            ("medium_shot_at", "medium_close_up_at"), ("medium_close_up_at", "close_up_at"),
            ("close_up_at", "extreme_close_up_at"), ("dark_below", "bright_above"),
            ("low_contrast_below", "high_contrast_above"), ("colourless_below", "muted_below"),
            ("muted_below", "colourful_at"), ("cool_below", "warm_above"), ("static_below", "busy_at"),
        ]
        for low, high in pairs:
            if not getattr(self, low) < getattr(self, high):
                raise ValueError(f"{low} ({getattr(self, low)}) must be below {high} ({getattr(self, high)})")
        return self


def shot_scale(face_height_ratio: float | None, config: SceneConfig) -> str | None:
    """The shot scale a face of this relative height implies; None when there is no face."""
    if face_height_ratio is None:
        return None
    for threshold, name in (
        (config.extreme_close_up_at, "extreme close-up"),
        (config.close_up_at, "close-up"),
        (config.medium_close_up_at, "medium close-up"),
        (config.medium_shot_at, "medium shot"),
    ):
        if face_height_ratio >= threshold:
            return name
    return "long shot"


_COUNT_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def describe(brightness: float, contrast: float, colourfulness: float, warmth: float, motion_energy: float,
             faces: int, shot: str | None, config: SceneConfig) -> str:
    """The numbers in words, e.g. 'bright, low-contrast, muted, warm scene; static; close-up of one face'."""
    c = config
    light = "dark" if brightness < c.dark_below else "bright" if brightness > c.bright_above else "moderately lit"
    contr = ("low-contrast" if contrast < c.low_contrast_below
             else "high-contrast" if contrast > c.high_contrast_above else "medium-contrast")
    colour = ("nearly colourless" if colourfulness < c.colourless_below
              else "muted" if colourfulness < c.muted_below
              else "vivid" if colourfulness >= c.colourful_at else "moderately colourful")
    tone = "cool" if warmth < c.cool_below else "warm" if warmth > c.warm_above else "neutral-toned"
    motion = ("static" if motion_energy < c.static_below
              else "much motion" if motion_energy >= c.busy_at else "some motion")
    if faces == 0 or shot is None:
        people = "no face detected"
    else:
        count = _COUNT_WORDS.get(faces, str(faces))
        people = f"{shot} of {count} face{'s' if faces > 1 else ''}"
    return f"{light}, {contr}, {colour}, {tone} scene; {motion}; {people}"


def _colourfulness(bgr: np.ndarray) -> float:
    """Hasler & Suesstrunk (2003) M3 on 0-255 values."""
    b, g, r = (bgr[..., i].astype(np.float32) for i in range(3))
    rg = r - g
    yb = 0.5 * (r + g) - b
    sigma = np.sqrt(rg.var() + yb.var())
    mu = np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    return float(sigma + 0.3 * mu)


def _downscale(cv2_mod, image: np.ndarray, max_height: int) -> np.ndarray:
    h, w = image.shape[:2]
    if h <= max_height:
        return image
    width = max(1, round(w * max_height / h))
    return cv2_mod.resize(image, (width, max_height), interpolation=cv2_mod.INTER_AREA)


class OpenCVSceneExtractor(Extractor):
    """Picture statistics, motion and face framing of the sampled frames, with OpenCV only."""

    name: ClassVar[str] = "opencv-scene"
    version: ClassVar[str] = "1.0.0"
    kind: ClassVar[ClueKind] = "scene"
    Config: ClassVar[type[ExtractorConfig]] = SceneConfig
    config: SceneConfig

    _cascade: cv2.CascadeClassifier | None = None
    _cascade_ref: ModelRef | None = None

    @staticmethod
    def cascade_path() -> str:
        """The frontal-face cascade inside the installed opencv wheel."""
        import cv2

        return os.path.join(cv2.data.haarcascades, f"{CASCADE}.xml")

    def _detector(self) -> cv2.CascadeClassifier:
        """The cascade, loaded on first use and reused."""
        if self._cascade is None:
            import cv2

            path = self.cascade_path()
            cascade = cv2.CascadeClassifier(path)
            if cascade.empty():
                raise ModelUnavailableError(f"{path}: OpenCV could not load the Haar cascade (missing or corrupt; "
                                            "reinstall opencv-contrib-python)")
            self._cascade = cascade
        return self._cascade

    def load(self) -> None:
        self._detector()

    def model_refs(self) -> list[ModelRef]:
        if self._cascade_ref is None:
            path = self.cascade_path()
            try:
                sha = sha256_file(path)
            except OSError as e:
                raise ModelUnavailableError(f"{path}: cannot read the Haar cascade: {e}") from e
            self._cascade_ref = ModelRef(name=CASCADE, sha256=sha, source="path")
        return [self._cascade_ref]

    def extract(self, clip: Clip) -> SceneClue:
        timings: dict[str, float] = {}
        if not clip.frames:
            return self.make_clue(clip, ClueStatus.unsupported, detail="no video stream")
        with timed(timings, "total"):
            data, detail = self._measure(clip)
        return self.make_clue(clip, ClueStatus.ok, data=data, detail=detail, timings=timings)

    def _measure(self, clip: Clip) -> tuple[SceneData, str | None]:
        import cv2

        c = self.config
        brightness, contrast, colourfulness, warmth = [], [], [], []
        motion: list[float] = []
        previous: np.ndarray | None = None
        for frame in clip.frames:
            small = _downscale(cv2, frame.image, c.analysis_height)
            luma = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
            mean, std = cv2.meanStdDev(luma)
            brightness.append(float(mean[0, 0]) / 255)
            contrast.append(float(std[0, 0]) / 255)
            colourfulness.append(_colourfulness(small))
            b_mean, _, r_mean, _ = cv2.mean(small)
            warmth.append((r_mean - b_mean) / 255)
            if previous is not None and previous.shape == luma.shape:
                motion.append(float(cv2.absdiff(luma, previous).mean()) / 255)
            previous = luma

        faces, face_height = self._faces(cv2, clip)
        shot = shot_scale(face_height, c)
        values = {
            "brightness": float(np.mean(brightness)), "contrast": float(np.mean(contrast)),
            "colourfulness": float(np.mean(colourfulness)), "warmth": float(np.mean(warmth)),
            "motion_energy": float(np.mean(motion)) if motion else 0.0,
        }
        values = {k: round(v, 4) for k, v in values.items()}
        data = SceneData(
            **values, faces=faces, face_height_ratio=None if face_height is None else round(face_height, 4),
            shot_scale=shot, description=describe(**values, faces=faces, shot=shot, config=c),
        )
        detail = None if motion else "a single sampled frame: motion energy not measurable, reported as 0"
        return data, detail

    def _faces(self, cv2_mod, clip: Clip) -> tuple[int, float | None]:
        """Most faces seen in at least `min_face_frames` checked frames, and the largest face's height as a
        fraction of the frame height (median over the checked frames with a face)."""
        c = self.config
        detector = self._detector()
        n = len(clip.frames)
        indices = np.unique(np.linspace(0, n - 1, min(n, c.face_frames)).round().astype(int))
        counts: list[int] = []
        heights: list[float] = []
        for i in indices:
            image = _downscale(cv2_mod, clip.frames[int(i)].image, c.detect_height)
            grey = cv2_mod.cvtColor(image, cv2_mod.COLOR_BGR2GRAY)
            side = max(1, round(c.min_face * grey.shape[0]))
            boxes = detector.detectMultiScale(grey, scaleFactor=c.scale_factor, minNeighbors=c.min_neighbors,
                                              minSize=(side, side))
            counts.append(len(boxes))
            if len(boxes):
                heights.append(max(float(h) for _, _, _, h in boxes) / grey.shape[0])
        k = min(c.min_face_frames, len(counts))
        faces = sorted(counts, reverse=True)[k - 1]
        if faces == 0:
            return 0, None
        return faces, float(np.median(heights))
