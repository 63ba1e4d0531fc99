"""Label Studio review project: a labeling config and tasks with the model's output as predictions, so that a person
checks each clip's label, emotion words and explanation and corrects them (`emer import label-studio` reads the
reviewed annotations back as the run's gold, pipeline/evaluation/review.py).

Followed (Label Studio 1.23 docs and source): tasks are `{"data": {...}, "predictions": [{"model_version", "score",
"result": [...]}]}`; a result item is `{"from_name", "to_name", "type", "value"}` with `{"choices": [...]}` for
Choices and `{"text": [...]}` for TextArea; a file in a local folder is served at `/data/local-files/?d=<path
relative to LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT>` once serving is enabled and the project has a local-files
storage whose path holds the file (io_storages/localfiles/views.py `localfiles_data`).

Written: `config.xml` (the labeling config: prompts/export/label_studio.xml.j2), `tasks.json` (one task per clip),
`media/<clip>.<ext>` (the clip as a browser plays it: the source file copied when its container and codecs are ones
browsers play, else transcoded to WebM, VP8 and Opus, through PyAV) and `label-studio.env` (the two variables and the
storage path the project needs). The export folder is the document root."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import jinja2

from emer.pipeline import __version__
from emer.pipeline.export.source import ExportClip, Rendered
from emer.pipeline.records.errors import InputError
from emer.pipeline.records.evidence import EvidenceSummary
from emer.pipeline.records.vocab import prompts_root
from emer.pipeline.store.io import read_record, write_bytes_atomic
from emer.pipeline.store.outputs import ClipIndex, OutputLayout

CONFIG_FILE, TASKS_FILE, ENV_FILE, MEDIA_DIR = "config.xml", "tasks.json", "label-studio.env", "media"
# The config's control names, as the template spells them and the import reads them.
FIELDS = {"label": "label", "label_other": "label_other", "words": "words", "explanation": "explanation",
          "unusable": "unusable", "unusable_reason": "unusable_reason"}
OBJECT = "video"  # the object tag every control points at
# Containers and codecs Chromium and Firefox play in a <video> element without extra codecs.
PLAYABLE_EXT = {".mp4", ".m4a", ".webm", ".ogg", ".ogv", ".oga", ".mp3", ".wav"}
PLAYABLE_VIDEO = {"h264", "vp8", "vp9", "av1"}
PLAYABLE_AUDIO = {"aac", "mp3", "mp3float", "opus", "vorbis", "flac", "pcm_s16le"}  # decoder names
MAX_CLAIMS = 12  # the evidence view lists at most this many claims, problems first
MAX_OBSERVATIONS = 4  # and this many observations per channel, in the evidence summary's order


@dataclass(frozen=True)
class MediaFile:
    """A clip's media as the review project serves it: copied, or transcoded when browsers cannot play it."""

    source: Path
    transcode: bool
    video: bool = True
    audio: bool = True


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(prompts_root() / "export"), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def model_version(clip: ExportClip) -> str:
    """What Label Studio shows as the prediction's model: the LLM, its weights' sha256 prefix, emer's version."""
    reasoner = clip.result.reasoner
    if reasoner is None:
        return f"emer {__version__} (evidence only)"
    return f"emer {__version__} {reasoner.model.name} {reasoner.model.sha256[:12]}"


def _playable(clip: ExportClip) -> bool:
    info = clip.info
    if info is None or Path(info.path).suffix.lower() not in PLAYABLE_EXT:
        return False
    video_ok = info.video is None or info.video.codec in PLAYABLE_VIDEO
    audio_ok = info.audio is None or info.audio.codec in PLAYABLE_AUDIO
    return video_ok and audio_ok


def clip_sources(out: Path) -> dict[str, str]:
    """Clip id -> absolute source path, from OUT/clips.json (a result's source_path is as the run was given it,
    possibly relative to where it ran)."""
    path = OutputLayout(out).clip_index
    if not path.is_file():
        return {}
    return read_record(path, ClipIndex, "clip index").clips


def media_name(clip: ExportClip, sources: dict[str, str]) -> tuple[str, MediaFile]:
    """The clip's file name under media/ and how it is made."""
    source = Path(sources.get(clip.clip_id, clip.result.source_path))
    if _playable(clip):
        return f"{clip.clip_id}{source.suffix.lower()}", MediaFile(source, transcode=False)
    info = clip.info
    return f"{clip.clip_id}.webm", MediaFile(source, transcode=True, video=info is not None and info.video is not None,
                                             audio=info is not None and info.audio is not None)


def _evidence(out: Path, clip_id: str) -> EvidenceSummary | None:
    path = OutputLayout(out).evidence(clip_id)
    if not path.is_file():
        return None
    return read_record(path, EvidenceSummary, "evidence summary")


def evidence_html(clip: ExportClip, evidence: EvidenceSummary | None) -> str:
    """The compact evidence view: each channel's reading and observations, and the checked claims."""
    channels = []
    for m in evidence.modalities if evidence is not None else []:
        scores = m.labels or m.emotions
        top = max(scores, key=scores.get) if scores else "-"
        reading = f"{top} {scores[top]:.2f}" if scores else "-"
        channels.append({"modality": m.modality, "top": reading, "weight": m.weight,
                         "observations": [o.text for o in m.observations[:MAX_OBSERVATIONS]]})
    pred = clip.prediction
    order = {"contradicted": 0, "invented": 1, "disallowed": 2, "unverifiable": 3, "supported": 4}
    unique = {(c.verdict, c.phrase or c.sentence, c.detail): c for c in (pred.check.claims if pred.check else [])}
    claims = sorted(unique.values(), key=lambda c: order.get(c.verdict, 5))[:MAX_CLAIMS]
    return _environment().get_template("label_studio_evidence.html.j2").render(
        label=pred.label, confidence=pred.confidence, agreement=pred.agreement, channels=channels, claims=claims,
        warnings=pred.warnings).strip()


def labeling_config(labels: list[str]) -> str:
    """The labeling config XML for a label set (no choices for an open vocabulary: the free word only)."""
    return _environment().get_template("label_studio.xml.j2").render(labels=labels).strip() + "\n"


def prediction(clip: ExportClip, labels: list[str]) -> dict:
    """The model's output as a Label Studio prediction the annotator starts from."""
    pred = clip.prediction
    result = []

    def item(name: str, kind: str, value: dict) -> None:
        result.append({"from_name": FIELDS[name], "to_name": OBJECT, "type": kind, "value": value})

    if pred.label in labels:
        item("label", "choices", {"choices": [pred.label]})
    else:
        item("label_other", "textarea", {"text": [pred.label]})
    if pred.open_vocab:
        item("words", "textarea", {"text": [", ".join(pred.open_vocab)]})
    if pred.reasoning.strip():
        item("explanation", "textarea", {"text": [pred.reasoning.strip()]})
    return {"model_version": model_version(clip), "score": round(pred.confidence, 4), "result": result}


def render_label_studio(clips: list[ExportClip], out: Path, dest: Path) -> Rendered:
    """config.xml, tasks.json and label-studio.env (run folder `out`, export folder `dest`) for the clips with a
    media stream; `media` lists the files to place under media/ (the command writes them, `place_media`)."""
    label_sets = [c.result.reasoner.label_set for c in clips if c.result.reasoner is not None]
    labels = list(label_sets[0].labels) if label_sets else []
    rendered = Rendered(notes=[
        "tasks: clip served from media/ by Label Studio's local-file storage, transcript, evidence view (HTML)",
        "predictions: the model's label (a choice, or the free word when outside the label set), emotion words, "
        "explanation; model_version names the LLM and its sha256 prefix",
        "set the variables of label-studio.env before starting Label Studio; add a local-files storage at "
        "<export>/media to the project (docs/review.md)"])
    tasks = []
    sources = clip_sources(out)
    for clip in clips:
        info = clip.info
        if info is None or (info.video is None and info.audio is None):
            rendered.skip(clip.clip_id, "no clip record with a video or audio stream to review")
            continue
        name, media = media_name(clip, sources)
        rendered.media[f"{MEDIA_DIR}/{name}"] = media
        data = {"clip_id": clip.clip_id, "video": f"/data/local-files/?d={MEDIA_DIR}/{name}",
                "transcript": clip.transcript or "(no speech recognised)",
                "evidence": evidence_html(clip, _evidence(out, clip.clip_id)), "source": str(media.source),
                "model_label": clip.prediction.label}
        tasks.append({"data": data, "predictions": [prediction(clip, labels)]})
        rendered.clips.append(clip.clip_id)
    rendered.files = {
        CONFIG_FILE: labeling_config(labels),
        TASKS_FILE: json.dumps(tasks, indent=2, ensure_ascii=False) + "\n",
        ENV_FILE: env_text(dest),
    }
    return rendered


def env_text(dest: Path) -> str:
    """label-studio.env: the export folder as Label Studio's document root, and the storage path to add."""
    root = dest.resolve()
    return (f"LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED=true\nLABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT={root}\n"
            f"# the project's local-files storage path (Settings > Cloud Storage > Local files):\n"
            f"# {root / MEDIA_DIR}\n")


def transcode_webm(source: Path, has_video: bool, has_audio: bool) -> bytes:
    """The clip as WebM (VP8 video, Opus audio at 48 kHz), at libvpx's realtime speed, in memory."""
    import io

    import av

    buf = io.BytesIO()
    try:
        with av.open(str(source)) as src, av.open(buf, "w", format="webm") as dst:
            v_in = src.streams.video[0] if has_video and src.streams.video else None
            a_in = src.streams.audio[0] if has_audio and src.streams.audio else None
            v_out = a_out = None
            if v_in is not None:
                rate = v_in.average_rate or Fraction(25)
                v_out = dst.add_stream("libvpx", rate=rate)
                v_out.width, v_out.height = v_in.codec_context.width // 2 * 2, v_in.codec_context.height // 2 * 2
                v_out.pix_fmt = "yuv420p"
                # one thread: libvpx's threads spin-wait on each other, which on a busy CPU costs 10-40x the time;
                # a negative cpu-used is a fixed speed (a positive one spends the frame's time budget)
                v_out.codec_context.thread_count = 1
                v_out.options = {"deadline": "realtime", "cpu-used": "-8", "b": "800k"}
            if a_in is not None:
                a_out = dst.add_stream("libopus", rate=48000)
                a_out.layout = "stereo" if (a_in.codec_context.channels or 1) > 1 else "mono"
            streams = [s for s in (v_in, a_in) if s is not None]
            for frame in src.decode(*streams):
                if v_in is not None and isinstance(frame, av.VideoFrame):
                    frame = frame.reformat(v_out.width, v_out.height, "yuv420p")
                    frame.pts = None
                    dst.mux(v_out.encode(frame))
                elif a_out is not None and isinstance(frame, av.AudioFrame):
                    frame.pts = None
                    dst.mux(a_out.encode(frame))
            for s in (v_out, a_out):
                if s is not None:
                    dst.mux(s.encode(None))
    except (OSError, av.FFmpegError) as e:
        raise InputError(f"{source}: cannot transcode for review ({e})") from e
    return buf.getvalue()


def place_media(dest: Path, media: dict[str, MediaFile]) -> None:
    """Write each clip's media under the export folder (atomically): copied, or transcoded to WebM."""
    for rel, item in media.items():
        try:
            data = transcode_webm(item.source, item.video, item.audio) if item.transcode else item.source.read_bytes()
        except OSError as e:
            raise InputError(f"{item.source}: cannot read the clip for review ({e})") from e
        write_bytes_atomic(dest / rel, data)
