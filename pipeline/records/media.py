"""The media records: how a clip is decoded and what is known of its file (stored in every result)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from emer.pipeline.records.clues import Record

CLIP_SCHEMA_VERSION = "1.0"


class DecodeConfig(Record):
    """How a clip is decoded; part of every clue's cache key."""

    frame_rate: float = Field(10.0, gt=0, le=60, description="frames per second sampled for video extractors")
    max_frames: int = Field(600, gt=0, description="cap on sampled frames; long clips are sampled more sparsely")
    max_side: int | None = Field(
        1280, ge=64, description="frames whose longer side exceeds this many pixels are downscaled to it (area "
        "averaging, aspect kept) as they are decoded; the face models see 256-pixel face crops and the scene "
        "statistics 240 rows, so more resolution only costs memory. None keeps the full resolution")
    frame_budget_mb: float = Field(
        1024.0, gt=0, description="memory the stored frames of one clip may take; a clip whose frames at "
        "`frame_rate` would take more is sampled at a lower rate, with a warning")


class VideoInfo(Record):
    width: int
    height: int
    decoded_width: int = Field(description="width of the frames the extractors see (after `max_side`)")
    decoded_height: int = Field(description="height of the frames the extractors see (after `max_side`)")
    fps: float
    duration_s: float
    frames_sampled: int
    codec: str


class AudioInfo(Record):
    sample_rate_original: int
    channels: int
    duration_s: float
    codec: str


class ClipInfo(Record):
    """What is known of a clip file (clip.json); stored in every result."""

    schema_version: Literal["1.0"] = CLIP_SCHEMA_VERSION
    clip_id: str
    path: str
    sha256: str
    size_bytes: int
    duration_s: float
    video: VideoInfo | None
    audio: AudioInfo | None
    warnings: list[str] = Field(default_factory=list)
