"""Decoding large inputs: frames are downscaled to `max_side` as they are decoded, the stored frames stay within
the frame budget (a lower sampling rate, with a warning), and clips within the limits decode as before."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from media import write_upscaled_clip

from emer.extractors.face_mediapipe import MediaPipeFaceExtractor
from emer.pipeline.inputs.clip import decode_clip, decoded_size
from emer.pipeline.records.clues import ClueStatus
from emer.pipeline.records.media import DecodeConfig

UNLIMITED = DecodeConfig(max_side=None, frame_budget_mb=1e6)


@pytest.fixture(scope="module")
def clip_4k(tmp_path_factory, video_paths) -> Path:
    """2 s of the happy CREMA-D clip at 3840x2160 (H.264 + AAC, about 2 MB)."""
    target = tmp_path_factory.mktemp("uhd") / "hap_4k.mp4"
    return write_upscaled_clip(video_paths["HAP"], target, size=(3840, 2160), seconds=2.0)


def test_decoded_size_keeps_the_aspect_and_never_enlarges():
    assert decoded_size(3840, 2160, 1280) == (1280, 720)
    assert decoded_size(2160, 3840, 1280) == (720, 1280)  # portrait: the longer side is the height
    assert decoded_size(4096, 1716, 1000) == (1000, 419)
    assert decoded_size(480, 360, 1280) == (480, 360)
    assert decoded_size(3840, 2160, None) == (3840, 2160)


def test_4k_clip_decodes_to_max_side_by_area_averaging(clip_4k):
    clip = decode_clip(clip_4k)
    video = clip.info.video
    assert (video.width, video.height) == (3840, 2160)
    assert (video.decoded_width, video.decoded_height) == (1280, 720)
    assert len(clip.frames) == video.frames_sampled == 20 and not clip.info.warnings  # 10 fps over 2 s
    assert {f.image.shape for f in clip.frames} == {(720, 1280, 3)}

    full = decode_clip(clip_4k, UNLIMITED)
    assert full.frames[0].image.shape == (2160, 3840, 3)
    assert [f.t for f in full.frames] == [f.t for f in clip.frames]
    for small, large in zip(clip.frames[::7], full.frames[::7], strict=True):
        assert np.array_equal(small.image, cv2.resize(large.image, (1280, 720), interpolation=cv2.INTER_AREA))

    narrow = decode_clip(clip_4k, DecodeConfig(max_side=500))
    assert narrow.frames[0].image.shape == (281, 500, 3)


def test_frame_budget_lowers_the_rate_over_the_whole_clip(clip_4k):
    # 1280x720 BGR is 2.64 MB: 8 MB holds 3 frames instead of the 20 that 10 fps gives
    clip = decode_clip(clip_4k, DecodeConfig(frame_budget_mb=8))
    assert len(clip.frames) == 3
    times = [f.t for f in clip.frames]
    assert times[0] == 0.0 and times[-1] > 1.2  # spread over the clip, not its first 0.3 s
    assert clip.audio is not None and clip.info.audio.duration_s == pytest.approx(2.0, abs=0.05)
    (warning,) = clip.info.warnings
    assert "frames sampled at 1.50 fps instead of 10" in warning and "8 MB frame budget" in warning


def test_undeclared_frame_count_is_thinned_not_cut(clip_4k, tmp_path):
    """A raw H.264 stream declares no frame count: the cap halves the rate as often as needed, so the sampled
    frames still cover the whole stream (before, sampling stopped at the cap)."""
    import av

    raw = tmp_path / "hap.h264"
    with av.open(str(clip_4k)) as src, av.open(str(raw), "w", format="h264") as out:
        stream = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    clip = decode_clip(raw, DecodeConfig(max_frames=8))
    duration = clip.info.video.duration_s  # 60 frames at the 25 fps OpenCV assumes for a raw stream
    assert duration == pytest.approx(2.4)
    times = [f.t for f in clip.frames]
    assert 4 <= len(times) <= 8 and times[-1] > 0.6 * duration
    assert len(set(np.round(np.diff(times), 3))) == 1  # evenly spaced


def test_crema_d_clips_decode_as_before(video_paths):
    """Within max_side and the budget nothing changes: same frames, same times, as with no limits at all."""
    for emotion in ("HAP", "SAD"):
        clip = decode_clip(video_paths[emotion])
        video = clip.info.video
        assert (video.width, video.height) == (video.decoded_width, video.decoded_height) == (480, 360)
        assert not clip.info.warnings
        full = decode_clip(video_paths[emotion], UNLIMITED)
        assert [f.t for f in clip.frames] == [f.t for f in full.frames]
        assert all(np.array_equal(a.image, b.image) for a, b in zip(clip.frames, full.frames, strict=True))
        assert clip.frames[0].image.shape == (360, 480, 3)


@pytest.mark.slow
def test_face_is_found_in_a_4k_clip(clip_4k, decoded, model_store):
    extractor = MediaPipeFaceExtractor(models=model_store)
    clue = extractor.extract(decode_clip(clip_4k))
    original = extractor.extract(decoded("HAP"))
    assert clue.status == original.status == ClueStatus.ok
    data = clue.data
    assert data.frames_with_face == data.frames_sampled == 20 and data.max_faces == 1
    assert data.summary.expression_top == original.data.summary.expression_top == "happy"
    peak = {a.au: a.peak for a in data.summary.top_aus}
    assert peak["AU12"] == pytest.approx({a.au: a.peak for a in original.data.summary.top_aus}["AU12"], abs=0.1)
