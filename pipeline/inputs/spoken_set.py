"""The `spoken` development set: sentences with known emotions, spoken by espeak-ng over a still neutral face.

What was said is the only channel that carries the emotion (a synthetic voice, one unmoving face), so the set
measures the text channel and lets fusion weights be fitted without the hidden sources. The sentences, voices and
split are data (prompts/datasets/spoken/sentences.yaml); the media are generated into `<cache>/samples/spoken/`
(never committed): `<lang>_<emotion>_<n>.mp4` (H.264 still frame + AAC speech), `labels.csv` (clip_id, label,
speaker, language, kind, split), `transcripts.csv` and `ATTRIBUTION.txt` (written last: it marks the set
complete). espeak-ng comes from Debian (`make system-deps`).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
from pydantic import Field

from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import ConfigError, ModelUnavailableError
from emer.pipeline.records.vocab import load_data_yaml
from emer.pipeline.store.io import write_text_atomic
from emer.pipeline.store.models import default_cache_dir

SET_NAME = "spoken"
SAMPLE_RATE = 22050  # espeak-ng's native rate


class FaceSource(Record):
    set: str = Field(description="sample set holding the video")
    file: str = Field(description="the video, relative to the set's folder")
    frame: int = Field(0, ge=0, description="the frame shown for the whole clip")


class SpokenSetSpec(Record):
    """prompts/datasets/spoken/sentences.yaml."""

    name: str
    version: str
    description: str
    voices: dict[str, str] = Field(description="language -> espeak-ng voice")
    words_per_minute: int = Field(150, ge=80, le=400)
    face: FaceSource
    frame_rate: int = Field(5, ge=1, le=30)
    labels: dict[str, str] = Field(default_factory=dict, description="kind -> label, where the kind is no label")
    fit_share: float = Field(0.5, gt=0, lt=1, description="the first share of each list is the fitting part")
    attribution: str
    sentences: dict[str, dict[str, list[str]]] = Field(description="language -> kind -> sentences")
    spoken_as: dict[str, dict[str, list[str]]] = Field(
        default_factory=dict, description="language -> kind -> what espeak-ng is given instead of the sentence, "
        "where its voice cannot read the script (pinyin for Chinese characters); same order as `sentences`")


class SpokenItem(Record):
    clip_id: str
    language: str
    kind: str = Field(description="the emotion the sentence was written for (worry, accusation, or a label)")
    label: str
    text: str
    said: str = Field(description="what espeak-ng is given (the text, or its `spoken_as` form)")
    split: str = Field(description="fit or heldout")


@cache
def load_spoken_set() -> SpokenSetSpec:
    """The set's description and sentences."""
    spec = SpokenSetSpec.model_validate(load_data_yaml("datasets", "spoken/sentences.yaml"))
    missing = set(spec.sentences) - set(spec.voices)
    if missing:
        raise ConfigError(f"prompts/datasets/spoken/sentences.yaml: no espeak-ng voice for {sorted(missing)}")
    for lang, kinds in spec.spoken_as.items():
        for kind, said in kinds.items():
            if len(said) != len(spec.sentences.get(lang, {}).get(kind, [])):
                raise ConfigError(f"prompts/datasets/spoken/sentences.yaml: spoken_as.{lang}.{kind} has {len(said)} "
                                  "items, not one per sentence")
    return spec


def spoken_items(spec: SpokenSetSpec | None = None) -> list[SpokenItem]:
    """Every sentence as a clip: id, language, label, text and split (fit: the first `fit_share` of each list)."""
    spec = spec or load_spoken_set()
    items = []
    for lang, kinds in spec.sentences.items():
        for kind, sentences in kinds.items():
            n_fit = round(len(sentences) * spec.fit_share)
            for i, text in enumerate(sentences):
                said = spec.spoken_as.get(lang, {}).get(kind, [])
                items.append(SpokenItem(clip_id=f"{lang}_{kind}_{i + 1}", language=lang, kind=kind,
                                        label=spec.labels.get(kind, kind), text=text,
                                        said=said[i] if said else text, split="fit" if i < n_fit else "heldout"))
    return items


def spoken_set_dir() -> Path:
    return default_cache_dir() / "samples" / SET_NAME


def _speak(text: str, voice: str, wpm: int, wav: Path) -> np.ndarray:
    """espeak-ng's 16-bit mono speech of `text` as int16 samples at SAMPLE_RATE."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ModelUnavailableError("espeak-ng is not installed (apt-get install espeak-ng, or make system-deps)")
    proc = subprocess.run([exe, "-v", voice, "-s", str(wpm), "-w", str(wav), text], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0 or not wav.is_file():
        raise ModelUnavailableError(f"espeak-ng -v {voice} failed on {text!r}: {proc.stderr.strip()}")
    import wave

    with wave.open(str(wav)) as w:
        if w.getframerate() != SAMPLE_RATE or w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ModelUnavailableError(f"espeak-ng wrote {w.getframerate()} Hz, {w.getsampwidth() * 8} bit, "
                                        f"{w.getnchannels()} channels; expected {SAMPLE_RATE} Hz mono 16 bit")
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def _face_frame(spec: SpokenSetSpec, fetch: Callable[[str], Path]) -> np.ndarray:
    """The still face (RGB, even width and height for H.264) from the configured sample video."""
    import av

    path = fetch(spec.face.set) / spec.face.file
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == spec.face.frame:
                rgb = frame.to_ndarray(format="rgb24")
                return rgb[: rgb.shape[0] // 2 * 2, : rgb.shape[1] // 2 * 2]
    raise ConfigError(f"{path}: has no frame {spec.face.frame}")


def _mux(samples: np.ndarray, face: np.ndarray, fps: int, target: Path) -> None:
    """A still-image H.264 video with the speech as AAC, written to a temp file and renamed over `target`."""
    import av

    tmp = target.with_name(f".{target.name}.tmp.mp4")
    seconds = len(samples) / SAMPLE_RATE + 0.3
    with av.open(str(tmp), "w") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "23"})
        video.width, video.height, video.pix_fmt = face.shape[1], face.shape[0], "yuv420p"
        audio = out.add_stream("aac", rate=SAMPLE_RATE)
        audio.layout = "mono"
        picture = av.VideoFrame.from_ndarray(face, format="rgb24")
        for i in range(max(1, int(np.ceil(seconds * fps)))):
            picture.pts = i
            out.mux(video.encode(picture))
        out.mux(video.encode(None))
        padded = np.concatenate([samples, np.zeros(int(0.3 * SAMPLE_RATE), dtype=np.int16)])
        chunk = 1024
        for start in range(0, len(padded), chunk):
            frame = av.AudioFrame.from_ndarray(padded[None, start:start + chunk], format="s16", layout="mono")
            frame.sample_rate, frame.pts = SAMPLE_RATE, start
            out.mux(audio.encode(frame))
        out.mux(audio.encode(None))
    tmp.replace(target)


def _csv(rows: list[list[str]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def build_spoken_set(fetch: Callable[[str], Path], root: Path | None = None, split: str | None = None) -> Path:
    """Generate the set into `root` (default `<cache>/samples/spoken`; clips already there are kept) and return
    the folder (or its `split` part: fit or heldout, each a folder of links with its own labels.csv). `fetch`
    gives a sample set's folder by name (pipeline.inputs.datasets.fetch_sample_set), for the face video."""
    spec = load_spoken_set()
    root = Path(root) if root else spoken_set_dir()
    root.mkdir(parents=True, exist_ok=True)
    items = spoken_items(spec)
    face: np.ndarray | None = None
    with tempfile.TemporaryDirectory(prefix="emer-spoken-") as tmp:
        for item in items:
            target = root / f"{item.clip_id}.mp4"
            if target.is_file():
                continue
            face = _face_frame(spec, fetch) if face is None else face
            samples = _speak(item.said, spec.voices[item.language], spec.words_per_minute, Path(tmp) / "s.wav")
            _mux(samples, face, spec.frame_rate, target)
    header = ["clip_id", "label", "speaker", "language", "kind", "split"]
    rows = [[i.clip_id, i.label, f"espeak-{i.language}", i.language, i.kind, i.split] for i in items]
    write_text_atomic(root / "labels.csv", _csv([header, *rows]))
    write_text_atomic(root / "transcripts.csv", _csv([["clip_id", "text"], *[[i.clip_id, i.text] for i in items]]))
    for part in ("fit", "heldout"):
        folder = root / part
        folder.mkdir(exist_ok=True)
        chosen = [r for r in rows if r[5] == part]
        for r in chosen:
            link = folder / f"{r[0]}.mp4"
            if not link.exists():
                link.symlink_to(Path("..") / f"{r[0]}.mp4")
        write_text_atomic(folder / "labels.csv", _csv([header, *chosen]))
    write_text_atomic(root / "ATTRIBUTION.txt", spec.attribution)
    return root / split if split else root
