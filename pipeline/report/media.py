"""What the report takes from the clip itself: the key frame with the face box drawn, and the pitch and loudness
curves. Both come from the source file, decoded again with the run's decoding settings (so the frame is the one
the face extractor saw at that time, and its box fits it); the curves are computed at report time by the prosody
extractor named in the clue, with the clue's config (clues store only their summary numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emer import extractors
from emer.pipeline.inputs.clip import Clip, decode_clip
from emer.pipeline.records.clues import ClueStatus, FaceClue, ProsodyClue
from emer.pipeline.records.errors import EmerError
from emer.pipeline.records.media import DecodeConfig

KEY_FRAME_MAX_WIDTH = 640
BOX_COLOUR_BGR = (40, 170, 255)  # amber, readable on skin and on dark backgrounds


@dataclass
class KeyFrame:
    t: float
    jpeg: bytes
    width: int
    height: int
    box: tuple[float, float, float, float] | None  # fractions of the frame
    why: str  # how the time was chosen


@dataclass
class Curves:
    pitch_t: np.ndarray
    pitch_hz: np.ndarray  # NaN where unvoiced
    loud_t: np.ndarray
    loud_db: np.ndarray
    source: str  # which extractor drew them, and how


def decode_source(path: str, decode: DecodeConfig) -> tuple[Clip | None, str | None]:
    """The clip decoded as the run decoded it, or None and why not (the file moved, or cannot be read)."""
    source = Path(path)
    if not source.is_file():
        return None, f"source file not found: {source} (key frame and curves need it)"
    try:
        return decode_clip(source, decode), None
    except EmerError as e:
        return None, str(e)


def _key_time(clip: Clip, face: FaceClue | None) -> tuple[float, str]:
    data = face.data if face is not None and face.status == ClueStatus.ok else None
    if data is not None and data.summary.peak_time is not None:
        return data.summary.peak_time, "the face clue's peak (strongest AU activity)"
    with_face = [f.t for f in data.timeline if f.box is not None] if data is not None else []
    if with_face:
        return with_face[len(with_face) // 2], "the middle frame with a face"
    why = ("no face clue" if face is None else "no face found" if face.status in (ClueStatus.ok, ClueStatus.no_signal)
           else f"face clue {face.status.value}")
    return clip.frames[len(clip.frames) // 2].t, f"the middle frame ({why})"


def key_frame(clip: Clip, face: FaceClue | None) -> KeyFrame | None:
    """The frame at the face clue's peak time with the followed face's box drawn; None for an audio-only clip."""
    import cv2

    if not clip.frames:
        return None
    t, why = _key_time(clip, face)
    frame = min(clip.frames, key=lambda f: abs(f.t - t))
    box = None
    if face is not None and face.data is not None and face.data.timeline:
        nearest = min(face.data.timeline, key=lambda f: abs(f.t - frame.t))
        box = nearest.box if abs(nearest.t - frame.t) < 0.5 else None
    image = frame.image.copy()
    h, w = image.shape[:2]
    if w > KEY_FRAME_MAX_WIDTH:
        scale = KEY_FRAME_MAX_WIDTH / w
        image = cv2.resize(image, (KEY_FRAME_MAX_WIDTH, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        h, w = image.shape[:2]
    if box is not None:
        x, y, bw, bh = box
        thickness = max(2, w // 200)
        cv2.rectangle(image, (round(x * w), round(y * h)), (round((x + bw) * w), round((y + bh) * h)),
                      BOX_COLOUR_BGR, thickness)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        return None
    return KeyFrame(t=frame.t, jpeg=buf.tobytes(), width=w, height=h, box=box, why=why)


def prosody_curves(clip: Clip, prosody: ProsodyClue | None) -> tuple[Curves | None, str | None]:
    """Pitch and loudness over time from the clip's audio, drawn by the clue's own extractor with the clue's
    config; None and why not when there is no audio, no ok clue, or the extractor draws no curves."""
    if clip.audio is None:
        return None, "no audio track"
    if prosody is None or prosody.status != ClueStatus.ok:
        return None, "no prosody clue" if prosody is None else f"prosody clue {prosody.status.value}"
    info = prosody.extractor
    try:
        extractor = extractors.get(info.name)(info.config)
    except (EmerError, ValueError) as e:
        return None, f"prosody extractor {info.name} unavailable: {e}"
    curves = getattr(extractor, "curves", None)
    if curves is None:
        return None, f"the prosody extractor {info.name} draws no curves"
    pitch_t, pitch_hz, loud_t, loud_db = curves(clip.audio, clip.audio_rate)
    note = f"computed at report time by {info.name} {extractor.version} with the clue's config"
    if extractor.version != info.version:
        note += f" (the clue was made by version {info.version})"
    return Curves(pitch_t=pitch_t, pitch_hz=pitch_hz, loud_t=loud_t, loud_db=loud_db, source=note), None
