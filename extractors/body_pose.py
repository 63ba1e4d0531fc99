"""BlazePose (MediaPipe Pose, full) run with LiteRT from the two TFLite files Google ships in its own
`mediapipe==0.10.14` wheel: the person detector and the 33-keypoint landmark model.

Why not MediaPipe Tasks' PoseLandmarker: no registry package ships a `pose_landmarker*.task` bundle, and the
Tasks graph refuses these legacy files (they carry no input-normalisation metadata, and the metadata writer
of mediapipe 1.2.3 does not import). So the two stages of MediaPipe's legacy pose graph are reproduced here,
with the constants of its graph configs (pose_detection_cpu.pbtxt, pose_landmark_by_roi_cpu.pbtxt,
pose_detection_to_roi.pbtxt):

1. detector: the frame letterboxed to 224x224, RGB scaled to [-1, 1]; 2254 SSD anchors (strides 8, 16, 32, 32,
   32, two fixed-size anchors per cell); sigmoid scores >= 0.5; non-maximum suppression at IoU 0.3. Each
   detection carries 4 keypoints: 0 the hip centre, 1 a point on the circle that encloses the body.
2. region: centred on keypoint 0, side 2 x |kp1 - kp0| x 1.25, rotated so that kp0 -> kp1 points up.
3. landmarks: that region cropped to 256x256, RGB scaled to [0, 1]; 39 x (x, y, z, visibility, presence) in crop
   pixels (the first 33 are the body keypoints), visibility and presence as logits; the pose flag (output 1)
   as a logit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from emer.pipeline.records.errors import ModelUnavailableError, require

DETECT_SIZE = 224
LANDMARK_SIZE = 256
N_KEYPOINTS = 33

# BlazePose keypoint indices used by the body features.
NOSE, L_EYE, R_EYE, L_EAR, R_EAR = 0, 2, 5, 7, 8
L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST = 11, 12, 13, 14, 15, 16
L_INDEX, R_INDEX, L_HIP, R_HIP = 19, 20, 23, 24


@dataclass(frozen=True)
class Pose:
    """One person's keypoints in a frame: (33, 2) pixel x, y; visibility and presence 0-1; detector score."""

    xy: np.ndarray
    visibility: np.ndarray
    score: float

    def visible(self, i: int, threshold: float = 0.5) -> bool:
        return bool(self.visibility[i] >= threshold)


def ssd_anchors() -> np.ndarray:
    """The detector's 2254 anchor centres (x, y in 0-1): SsdAnchorsCalculator with 5 layers, strides 8, 16, 32,
    32, 32, aspect ratio 1 plus an interpolated scale (2 anchors per cell), fixed anchor size; layers of equal
    stride share one grid."""
    strides = [8, 16, 32, 32, 32]
    anchors: list[tuple[float, float]] = []
    layer = 0
    while layer < len(strides):
        per_cell = 0
        last = layer
        while last < len(strides) and strides[last] == strides[layer]:
            per_cell += 2
            last += 1
        cells = math.ceil(DETECT_SIZE / strides[layer])
        for y in range(cells):
            for x in range(cells):
                anchors.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * per_cell)
        layer = last
    return np.asarray(anchors, dtype=np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -80, 80)))


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of box a against boxes b, as (xmin, ymin, xmax, ymax)."""
    x1, y1 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x2, y2 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = lambda r: (r[..., 2] - r[..., 0]) * (r[..., 3] - r[..., 1])  # noqa: E731
    return inter / np.maximum(area(a) + area(b) - inter, 1e-9)


class BlazePose:
    """The two-stage BlazePose runner. Not thread-safe (one LiteRT interpreter per stage)."""

    def __init__(self, detector_path: str, landmark_path: str, threads: int = 1,
                 min_detection: float = 0.5, min_presence: float = 0.5, max_people: int = 4) -> None:
        litert = require("ai_edge_litert.interpreter", "pip install ai-edge-litert")
        self._det = self._interpreter(litert, detector_path, threads)
        self._lmk = self._interpreter(litert, landmark_path, threads)
        det_out = {tuple(d["shape"]): d["index"] for d in self._det.get_output_details()}
        lmk_out = {tuple(d["shape"]): d["index"] for d in self._lmk.get_output_details()}
        try:
            self._boxes, self._scores = det_out[(1, 2254, 12)], det_out[(1, 2254, 1)]
            self._points, self._flag = lmk_out[(1, 195)], lmk_out[(1, 1)]
        except KeyError as e:
            raise ModelUnavailableError(f"{detector_path} / {landmark_path}: not the BlazePose models "
                                        f"(unexpected output shapes {list(det_out)} / {list(lmk_out)})") from e
        self._anchors = ssd_anchors()
        self.min_detection, self.min_presence, self.max_people = min_detection, min_presence, max_people

    @staticmethod
    def _interpreter(litert, path: str, threads: int):
        try:
            interpreter = litert.Interpreter(model_path=path, num_threads=threads)
            interpreter.allocate_tensors()
        except (RuntimeError, ValueError) as e:
            raise ModelUnavailableError(f"{path}: LiteRT cannot load the pose model: {e}") from e
        return interpreter

    def __call__(self, bgr: np.ndarray) -> list[Pose]:
        """The people in one BGR frame, most confident first."""
        import cv2

        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        poses = []
        for det in self._detect(cv2, rgb):
            pose = self._landmarks(cv2, rgb, det)
            if pose is not None:
                poses.append(pose)
        return poses

    def _detect(self, cv2, rgb: np.ndarray) -> list[np.ndarray]:
        """Detections as rows (score, xmin, ymin, xmax, ymax, kp0x, kp0y, kp1x, kp1y) in pixels."""
        h, w = rgb.shape[:2]
        side = max(h, w)
        pad_x, pad_y = (side - w) // 2, (side - h) // 2
        square = cv2.copyMakeBorder(rgb, pad_y, side - h - pad_y, pad_x, side - w - pad_x, cv2.BORDER_CONSTANT)
        small = cv2.resize(square, (DETECT_SIZE, DETECT_SIZE), interpolation=cv2.INTER_AREA)
        tensor = (small.astype(np.float32) / 127.5 - 1.0)[None]
        self._det.set_tensor(self._det.get_input_details()[0]["index"], tensor)
        self._det.invoke()
        raw = self._det.get_tensor(self._boxes)[0]
        scores = _sigmoid(self._det.get_tensor(self._scores)[0, :, 0])
        keep = np.flatnonzero(scores >= self.min_detection)
        if keep.size == 0:
            return []
        a = self._anchors[keep]
        r = raw[keep] / DETECT_SIZE
        cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
        boxes = np.stack([cx - r[:, 2] / 2, cy - r[:, 3] / 2, cx + r[:, 2] / 2, cy + r[:, 3] / 2], axis=1)
        kps = r[:, 4:8] + np.tile(a, 2)
        order = np.argsort(-scores[keep])
        chosen: list[np.ndarray] = []
        while order.size and len(chosen) < self.max_people:
            best = order[0]
            chosen.append(np.concatenate([[scores[keep][best]], boxes[best], kps[best]]))
            order = order[1:][_iou(boxes[best], boxes[order[1:]]) < 0.3]
        out = []
        for d in chosen:  # from the letterboxed square (0-1) back to frame pixels
            d = d.copy()
            d[1:] = d[1:] * side - np.tile([pad_x, pad_y], 4)
            out.append(d)
        return out

    def _landmarks(self, cv2, rgb: np.ndarray, det: np.ndarray) -> Pose | None:
        (x0, y0), (x1, y1) = det[5:7], det[7:9]
        size = 2.0 * math.hypot(x1 - x0, y1 - y0) * 1.25
        if size < 8:
            return None
        rotation = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
        rotation = (rotation + math.pi) % (2 * math.pi) - math.pi
        cos, sin = math.cos(rotation), math.sin(rotation)
        # crop pixel (u, v) -> frame: centre + R @ ((u, v) / 256 - 0.5) * size
        scale = size / LANDMARK_SIZE
        to_frame = np.array([[cos * scale, -sin * scale, 0.0], [sin * scale, cos * scale, 0.0]], np.float32)
        to_frame[:, 2] = [x0, y0] - to_frame[:, :2] @ np.array([LANDMARK_SIZE / 2] * 2, np.float32)
        to_crop = cv2.invertAffineTransform(to_frame)
        crop = cv2.warpAffine(rgb, to_crop, (LANDMARK_SIZE, LANDMARK_SIZE), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT)
        self._lmk.set_tensor(self._lmk.get_input_details()[0]["index"], (crop.astype(np.float32) / 255.0)[None])
        self._lmk.invoke()
        if _sigmoid(self._lmk.get_tensor(self._flag)[0, 0]) < self.min_presence:
            return None
        pts = self._lmk.get_tensor(self._points)[0].reshape(39, 5)[:N_KEYPOINTS]
        xy = np.c_[pts[:, :2], np.ones(N_KEYPOINTS, np.float32)] @ to_frame.T
        visibility = _sigmoid(pts[:, 3]) * _sigmoid(pts[:, 4])
        return Pose(xy=xy.astype(np.float32), visibility=visibility.astype(np.float32), score=float(det[0]))
