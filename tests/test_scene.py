"""The OpenCV scene extractor on the real CREMA-D clips, on synthetic videos written with OpenCV, and on
re-framed copies of a real frame (two faces side by side, a wider and a tighter shot)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError

from emer.extractors import get
from emer.extractors.scene_opencv import OpenCVSceneExtractor, SceneConfig, describe, shot_scale
from emer.pipeline.inputs.clip import Clip, Frame, decode_clip
from emer.pipeline.records.clues import ClueStatus, SceneClue
from emer.pipeline.store.io import load_clue, sha256_file

EMOTIONS = ("ANG", "DIS", "FEA", "HAP", "NEU", "SAD")


@pytest.fixture(scope="module")
def extractor() -> OpenCVSceneExtractor:
    return OpenCVSceneExtractor()


def _reframed(clip: Clip, images: list[np.ndarray]) -> Clip:
    return dataclasses.replace(clip, frames=[Frame(t=i / 10, image=im) for i, im in enumerate(images)])


def _write_video(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened(), "OpenCV cannot write MJPG/AVI here"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def test_registered_under_its_name():
    assert get("opencv-scene") is OpenCVSceneExtractor


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_crema_d_clip(decoded, extractor, emotion):
    clue = extractor.extract(decoded(emotion))
    assert isinstance(clue, SceneClue)
    assert clue.status == ClueStatus.ok and clue.data is not None
    d = clue.data
    assert 0.2 < d.brightness < 0.7
    assert 0.05 < d.contrast < 0.3
    assert 30 < d.colourfulness < 120  # a saturated green screen
    assert -1 <= d.warmth <= 1
    assert 0 < d.motion_energy < 0.02  # a talking head on a fixed camera
    assert d.faces == 1
    assert d.face_height_ratio is not None and 0.25 < d.face_height_ratio < 0.45
    assert d.shot_scale == "medium close-up"  # head and shoulders
    assert d.description.endswith("; static; medium close-up of one face")
    assert d.description == describe(d.brightness, d.contrast, d.colourfulness, d.warmth, d.motion_energy,
                                     d.faces, d.shot_scale, extractor.config)
    assert set(clue.timings) == {"total"} and clue.timings["total"] > 0
    [model] = clue.models
    assert model.name == "haarcascade_frontalface_default" and model.source == "path"
    assert model.sha256 == sha256_file(Path(OpenCVSceneExtractor.cascade_path()))


def test_description_words_follow_the_numbers():
    c = SceneConfig()
    assert describe(0.8, 0.05, 20.0, 0.2, 0.0, 1, "close-up", c) == (
        "bright, low-contrast, muted, warm scene; static; close-up of one face")
    assert describe(0.1, 0.3, 5.0, -0.2, 0.1, 0, None, c) == (
        "dark, high-contrast, nearly colourless, cool scene; much motion; no face detected")
    assert describe(0.45, 0.18, 45.0, 0.0, 0.02, 3, "medium shot", c) == (
        "moderately lit, medium-contrast, moderately colourful, neutral-toned scene; some motion; "
        "medium shot of three faces")


def test_shot_scale_thresholds():
    c = SceneConfig()
    assert shot_scale(None, c) is None
    assert shot_scale(0.9, c) == "extreme close-up"
    assert shot_scale(0.5, c) == "close-up"
    assert shot_scale(0.35, c) == "medium close-up"
    assert shot_scale(0.15, c) == "medium shot"
    assert shot_scale(0.05, c) == "long shot"


def test_config_rejects_unordered_thresholds_and_unknown_options():
    with pytest.raises(ValidationError, match="close_up_at"):
        OpenCVSceneExtractor({"close_up_at": 0.2})
    with pytest.raises(ValidationError):
        OpenCVSceneExtractor({"no_such_option": 1})


def test_synthetic_dark_static_vs_bright_moving(tmp_path, extractor):
    rng = np.random.default_rng(0)
    dark = np.full((240, 320, 3), 25, np.uint8)
    dark[80:160, 100:220] = 45  # a faint static shape
    dark_path = _write_video(tmp_path / "dark.avi", [dark] * 50)
    texture = rng.integers(0, 256, (240, 640, 3), dtype=np.uint8)
    texture = cv2.normalize(cv2.GaussianBlur(texture, (0, 0), 3), None, 0, 255, cv2.NORM_MINMAX)
    bright_frames = []
    for i in range(50):
        frame = np.full((240, 320, 3), (180, 225, 250), np.uint8)  # a warm, light background (BGR)
        x = (i * 12) % 320
        frame[60:180, :] = texture[60:180, x:x + 320]  # a band of texture sliding sideways
        bright_frames.append(frame)
    bright_path = _write_video(tmp_path / "bright.avi", bright_frames)

    d_dark = extractor.extract(decode_clip(dark_path)).data
    d_bright = extractor.extract(decode_clip(bright_path)).data
    assert d_dark is not None and d_bright is not None
    assert d_dark.brightness < 0.2 < 0.6 < d_bright.brightness
    assert d_dark.motion_energy < 0.005 < 0.02 < d_bright.motion_energy
    assert d_dark.faces == d_bright.faces == 0
    assert d_dark.face_height_ratio is None and d_dark.shot_scale is None
    assert d_dark.description.startswith("dark,") and "; static; no face detected" in d_dark.description
    assert d_bright.description.startswith("bright,") and "static" not in d_bright.description
    assert d_bright.warmth > d_dark.warmth


def test_two_faces_side_by_side(decoded, extractor):
    clip = decoded("NEU")
    images = [np.hstack([f.image, f.image]) for f in clip.frames]
    d = extractor.extract(_reframed(clip, images)).data
    assert d is not None and d.faces == 2
    assert d.description.endswith("medium close-up of two faces")


def test_wider_and_tighter_framing(decoded, extractor):
    clip = decoded("NEU")
    h, w = clip.frames[0].image.shape[:2]
    wide = [cv2.copyMakeBorder(f.image, h // 2, h // 2, w // 2, w // 2, cv2.BORDER_REPLICATE) for f in clip.frames]
    d_wide = extractor.extract(_reframed(clip, wide)).data
    assert d_wide is not None and d_wide.faces == 1 and d_wide.shot_scale == "medium shot"
    tight = [f.image[20:260, 120:360] for f in clip.frames]  # 240 rows around the face
    d_tight = extractor.extract(_reframed(clip, tight)).data
    assert d_tight is not None and d_tight.faces == 1 and d_tight.shot_scale == "close-up"


def test_single_frame_has_no_motion_and_says_so(decoded, extractor):
    clip = decoded("HAP")
    clue = extractor.extract(dataclasses.replace(clip, frames=clip.frames[:1]))
    assert clue.status == ClueStatus.ok and clue.data is not None
    assert clue.data.motion_energy == 0.0 and clue.data.faces == 1
    assert clue.detail is not None and "motion" in clue.detail


def test_audio_only_is_unsupported(audio_paths, extractor):
    clue = extractor.extract(decode_clip(audio_paths["HAP"]))
    assert clue.status == ClueStatus.unsupported
    assert clue.detail == "no video stream"
    assert clue.data is None and clue.models == []


@pytest.mark.parametrize("source", ["video", "audio"])
def test_clue_round_trips_through_json(tmp_path, decoded, audio_paths, extractor, source):
    clip = decoded("ANG") if source == "video" else decode_clip(audio_paths["ANG"])
    clue = extractor.extract(clip)
    path = tmp_path / "scene.json"
    path.write_text(clue.model_dump_json(), encoding="utf-8")
    loaded = load_clue(path)
    assert isinstance(loaded, SceneClue)
    assert loaded == clue
