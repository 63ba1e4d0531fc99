"""Builders for test media: a folder of bad inputs made from a real clip."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from pipeline.clip import AUDIO_RATE, AudioInfo, Clip, ClipInfo, decode_clip


def write_video_without_audio(source: Path, target: Path) -> Path:
    """Re-encode a real clip's frames (so a face is present) into a file with no audio track."""
    import cv2

    clip = decode_clip(source)
    h, w = clip.frames[0].image.shape[:2]
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (w, h))
    for frame in clip.frames:
        writer.write(frame.image)
    writer.release()
    return target


def make_bad_folder(folder: Path, video: Path, audio: Path) -> dict[str, Path]:
    """A zero-byte file, a truncated video, a text file posing as video, a plain text file, an audio-only
    file, a video without audio, and one good clip."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "empty": folder / "empty.mp4",
        "truncated": folder / "truncated.flv",
        "text_as_video": folder / "notes.mp4",
        "text": folder / "readme.txt",
        "audio_only": folder / "audio_only.mp3",
        "no_audio": folder / "no_audio.avi",
        "good": folder / "good.flv",
    }
    files["empty"].write_bytes(b"")
    data = video.read_bytes()
    files["truncated"].write_bytes(data[: len(data) // 3])
    files["text_as_video"].write_text("This is not a video, just some notes.\n")
    files["text"].write_text("labels and notes\n")
    shutil.copy(audio, files["audio_only"])
    write_video_without_audio(video, files["no_audio"])
    shutil.copy(video, files["good"])
    return files


def synthetic_clip(audio: np.ndarray | None, clip_id: str = "synthetic") -> Clip:
    """An audio-only clip made from samples at 16 kHz (None: a clip without an audio track)."""
    duration = 0.0 if audio is None else len(audio) / AUDIO_RATE
    info = ClipInfo(
        clip_id=clip_id, path=f"/synthetic/{clip_id}.wav", sha256="0" * 64, size_bytes=0, duration_s=duration,
        video=None,
        audio=None if audio is None else AudioInfo(sample_rate_original=AUDIO_RATE, channels=1,
                                                   duration_s=duration, codec="pcm_f32le"),
    )
    return Clip(info=info, audio=audio)
