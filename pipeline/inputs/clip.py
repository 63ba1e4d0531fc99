"""Decoding a clip once: frames sampled by OpenCV at a fixed rate, audio as 16 kHz mono float32 by PyAV.

Frames are streamed: each sampled frame is downscaled to `DecodeConfig.max_side` as soon as it is decoded, so
at most one full-resolution frame is held, and the stored frames stay within `DecodeConfig.frame_budget_mb` (a
long high-resolution clip is sampled more sparsely, with a warning).

Every extractor receives the same decoded `Clip`. A clip may lack video (audio-only file) or audio (silent
video); extractors then return an `unsupported` clue. A file that cannot be decoded at all raises InputError
naming the file and the cause.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emer.pipeline.records.errors import InputError
from emer.pipeline.records.media import AudioInfo, ClipInfo, DecodeConfig, VideoInfo
from emer.pipeline.store.io import sha256_file

AUDIO_RATE = 16_000


@dataclass
class Frame:
    t: float
    image: np.ndarray  # BGR uint8, as OpenCV reads it


@dataclass
class Clip:
    info: ClipInfo
    frames: list[Frame] = field(default_factory=list)
    audio: np.ndarray | None = None  # float32 mono at AUDIO_RATE
    audio_rate: int = AUDIO_RATE

    @property
    def clip_id(self) -> str:
        return self.info.clip_id


MEDIA_SUFFIXES = frozenset(
    {".mp4", ".mkv", ".mov", ".avi", ".flv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".3gp",
     ".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac", ".opus"}
)


def clip_id_for(path: Path, relative: str | None = None, hashed: bool = False) -> str:
    """A file-system-safe clip id: the file name's stem when it is safe as is (letters, digits and . _ -, not
    starting with a dot), so CREMA-D's 1001_DFA_ANG_XX stays that and labels and speakers parse from it.
    Otherwise, or when `hashed` (the caller found ids that collide), the stem made safe plus a short hash of
    `relative`, the path the run lists the file by (default: its name): `a b.mp4` -> a_b-<6 hex digits>.
    The same path always gives the same id, so reruns find their outputs."""
    stem = Path(path).stem
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).lstrip(".") or "clip"
    if safe == stem and not hashed:
        return safe
    key = relative if relative is not None else Path(path).name
    return f"{safe[:200]}-{hashlib.sha256(key.encode()).hexdigest()[:6]}"


def normalise_clip_id(value: str) -> str:
    """A gold file's clip reference (an id, a file name or a path) as the clip id the pipeline uses."""
    path = Path(value.strip())
    if path.suffix.lower() in MEDIA_SUFFIXES:
        return clip_id_for(path)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", path.name) or "clip"


def probe_and_hash(path: Path) -> tuple[str, int]:
    """Check that the file exists and is not empty; return its sha256 and size."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: file is empty (0 bytes)")
    return sha256_file(path), size


def decode_clip(path: Path, config: DecodeConfig | None = None) -> Clip:
    """Decode a media file into sampled frames and 16 kHz mono audio.

    Raises InputError if the file is missing, empty, not a media file, or has neither a decodable video nor a
    decodable audio stream. A stream that breaks off part way is kept up to the break, with a warning.
    """
    import av  # lazy: PyAV carries FFmpeg

    config = config or DecodeConfig()
    path = Path(path)
    sha, size = probe_and_hash(path)
    warnings: list[str] = []
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not a readable media file ({_ffmpeg_reason(e)})") from e
    with container:
        has_video = bool(container.streams.video)
        has_audio = bool(container.streams.audio)
        container_duration = (container.duration or 0) / 1_000_000
        vcodec = container.streams.video[0].codec_context.name if has_video else ""
        astream = container.streams.audio[0] if has_audio else None
        ainfo_raw = (astream.codec_context.name, astream.rate or 0, astream.channels or 0) if astream else None
    if not has_video and not has_audio:
        raise InputError(f"{path}: no video or audio stream")

    frames: list[Frame] = []
    video_info = None
    if has_video:
        frames, video_info = _sample_frames(path, config, vcodec, warnings)
    audio = None
    audio_info = None
    if ainfo_raw is not None:
        audio = _decode_audio(path, warnings)
        if audio is not None:
            if container_duration > 0 and len(audio) / AUDIO_RATE < 0.9 * container_duration:
                warnings.append(f"audio ends early: {len(audio) / AUDIO_RATE:.2f} s of {container_duration:.2f} s "
                                "declared (truncated?)")
            audio_info = AudioInfo(
                codec=ainfo_raw[0], sample_rate_original=ainfo_raw[1], channels=ainfo_raw[2],
                duration_s=round(len(audio) / AUDIO_RATE, 3),
            )
    if not frames and audio is None:
        raise InputError(f"{path}: no decodable video frame or audio sample (truncated or corrupt?)")
    durations = [d for d in (video_info.duration_s if video_info else 0, audio_info.duration_s if audio_info
                             else 0) if d]
    info = ClipInfo(
        clip_id=clip_id_for(path), path=str(path), sha256=sha, size_bytes=size,
        duration_s=round(max(durations) if durations else container_duration, 3),
        video=video_info, audio=audio_info, warnings=warnings,
    )
    return Clip(info=info, frames=frames, audio=audio)


def decoded_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """The (width, height) a frame is stored at: its own if its longer side is within max_side, else scaled
    down to max_side with the aspect ratio kept."""
    longer = max(width, height)
    if max_side is None or longer <= max_side:
        return width, height
    scale = max_side / longer
    return max(1, round(width * scale)), max(1, round(height * scale))


def _sample_frames(path: Path, config: DecodeConfig, codec: str, warnings: list[str]):
    import cv2

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        warnings.append("video stream present but OpenCV could not open it")
        return [], None
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        if not 0 < fps < 1000:
            fps = 25.0
            warnings.append("video frame rate unknown; assumed 25 fps")
        n_declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        step_s = 1.0 / config.frame_rate
        limit = config.max_frames  # frames that may be stored; the budget lowers it once the frame size is known
        budget_frames = limit
        frames: list[Frame] = []
        next_t = 0.0
        index = 0
        size = (0, 0)
        width = height = 0
        while True:
            ok = cap.grab()
            if not ok:
                break
            t = index / fps
            index += 1
            if t + 1e-6 < next_t:
                continue
            if len(frames) >= limit:  # more frames than declared: keep every other one, halve the rate
                del frames[1::2]
                step_s *= 2
                next_t = frames[-1].t + step_s
                if t + 1e-6 < next_t:
                    continue
            ok, image = cap.retrieve()
            if not ok or image is None:
                break
            if not frames:  # the first frame sets the stored size, hence how many frames fit the budget
                height, width = image.shape[:2]
                size = decoded_size(width, height, config.max_side)
                budget_frames = max(1, int(config.frame_budget_mb * 2**20 // (size[0] * size[1] * 3)))
                limit = min(limit, budget_frames)
                if n_declared > 0 and n_declared / fps / step_s > limit:
                    step_s = (n_declared / fps) / limit
            if (image.shape[1], image.shape[0]) != size:
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            frames.append(Frame(t=round(t, 3), image=image))
            del image  # drop the full-resolution frame before the next is decoded
            next_t += step_s
    finally:
        cap.release()
    if not frames:
        warnings.append("video stream present but no frame could be decoded")
        return [], None
    duration = index / fps
    if n_declared > 0 and index < 0.9 * n_declared:
        warnings.append(f"video ends early: decoded {index} of {n_declared} declared frames (truncated?)")
    if budget_frames < min(duration * config.frame_rate, config.max_frames) - 1:
        warnings.append(f"frames sampled at {len(frames) / duration:.2f} fps instead of {config.frame_rate:g}: "
                        f"{size[0]}x{size[1]} frames at that rate would exceed the {config.frame_budget_mb:g} MB "
                        "frame budget (decode.frame_budget_mb)")
    info = VideoInfo(
        width=width, height=height, decoded_width=size[0], decoded_height=size[1], fps=round(fps, 3),
        duration_s=round(duration, 3), frames_sampled=len(frames), codec=codec,
    )
    return frames, info


def _decode_audio(path: Path, warnings: list[str]) -> np.ndarray | None:
    import av

    chunks: list[np.ndarray] = []
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except av.error.FFmpegError as e:
        if not chunks:
            warnings.append(f"audio stream present but not decodable ({_ffmpeg_reason(e)})")
            return None
        warnings.append(f"audio ends early after a decode error ({_ffmpeg_reason(e)}); kept what was decoded")
    if not chunks:
        warnings.append("audio stream present but holds no samples")
        return None
    return np.concatenate(chunks).astype(np.float32, copy=False)


def _ffmpeg_reason(error: Exception) -> str:
    """FFmpeg's words for an error, without PyAV's '[Errno -1094995529]' prefix and the repeated file name."""
    return getattr(error, "strerror", None) or str(error)
