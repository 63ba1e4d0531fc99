"""Per-frame AU tables with py-feat's or OpenFace 2's column names, one CSV per clip, for tools that read those.

Followed: py-feat 2.1.5 (its wheel on PyPI): `feat/utils/io.py` `read_feat` (pandas `read_csv`; AU columns are the
columns whose name contains "AU"; emotion columns `anger ... neutral`; facebox `FaceRectX/Y/Width/Height`,
`FaceScore`; time column `frame`), `detector.py` (a video's rows get `approx_time`, "MM:SS" from the frame number and
frame rate), `feat/tests/data/Feat_Test.csv` (a published Fex CSV); and `read_openface` with
`feat/tests/data/OpenFace_Test.csv` (a published OpenFace 2 CSV: header and values separated by ", ", columns
`frame, timestamp, confidence, success`, then `AUxx_r` intensities and `AUxx_c` presences; `read_openface` strips
the spaces from the names). OpenFace 2.2's FeatureExtraction also writes `face_id` after `frame`; frames are
numbered from 1.

What the columns hold: our AU estimates (the face clue's, 0-1, from MediaPipe blendshapes through
extractors/data/blendshape_to_au.csv: not py-feat's or OpenFace's own detectors) under the tool's name for the AU,
for the AUs both have (prompts/export/formats.yaml `au_tables`). py-feat: intensities as they are (0-1, py-feat's
scale); `FaceScore` 1 where a face was found (MediaPipe gives no per-frame score), empty cells where none was;
`timestamp` (seconds) is added beside `approx_time`. OpenFace: `AUxx_r` = estimate x 5 (OpenFace's 0-5 scale),
`AUxx_c` = 1 where the estimate reaches the face extractor's `au_active_threshold`; `success` 1 where a face was
found; `confidence` = `success` (no tracking confidence exists); rows without a face hold zeros, as OpenFace writes
them. `frame` is the video frame the sampled frame shows (the clue samples at `decode.frame_rate`, so frame numbers
skip)."""

from __future__ import annotations

from typing import Any

from emer.pipeline.export.source import ExportClip, Rendered, au_code, csv_text, export_data, video_frame
from emer.pipeline.records.clues import FaceFrame
from emer.pipeline.records.vocab import canonical_label

AU_LAYOUTS = ("py-feat", "openface")


def _approx_time(seconds: float) -> str:
    """py-feat's `approx_time`: whole minutes and seconds, MM:SS."""
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def _ours(clip: ExportClip) -> set[str]:
    return {au for f in clip.face.timeline for au in f.aus} if clip.face is not None else set()


def _pyfeat(clip: ExportClip, table: dict[str, Any]) -> tuple[str, list[str]]:
    ours = _ours(clip)
    aus = [f"AU{n}" for n in table["aus"] if f"AU{n}" in ours]
    emotions = table["emotions"]
    header = ["frame", "FaceRectX", "FaceRectY", "FaceRectWidth", "FaceRectHeight", "FaceScore",
              *[au_code(a) for a in aus], *emotions, "input", "approx_time", "timestamp"]
    video = clip.info.video
    rows = []
    for f in clip.face.timeline:
        row: list[Any] = [video_frame(f.t, video.fps)]
        if f.faces and f.box is not None:
            x, y, w, h = f.box
            row += [round(x * video.width, 2), round(y * video.height, 2), round(w * video.width, 2),
                    round(h * video.height, 2), 1.0]
            row += [round(f.aus[a], 4) if a in f.aus else "" for a in aus]
            expression = {canonical_label(k): v for k, v in (f.expression or {}).items()}
            row += [round(expression[e], 4) if e in expression else "" for e in emotions]
        else:
            row += [""] * (5 + len(aus) + len(emotions))
        rows.append([*row, clip.result.source_path, _approx_time(f.t), round(f.t, 3)])
    return csv_text(header, rows), sorted(ours - set(aus), key=lambda a: int(a[2:]))


def _openface_row(f: FaceFrame, clip: ExportClip, intensity: list[str], presence: list[str],
                  scale: float) -> list[Any]:
    face = bool(f.faces) and bool(f.aus)
    thr = clip.au_threshold
    values = [round(scale * f.aus.get(a, 0.0), 2) if face else 0 for a in intensity]
    flags = [int(face and f.aus.get(a, 0.0) >= thr) for a in presence]
    return [video_frame(f.t, clip.info.video.fps) + 1, 0, f"{f.t:.3f}", float(face), int(face), *values, *flags]


def _openface(clip: ExportClip, table: dict[str, Any]) -> tuple[str, list[str]]:
    ours = _ours(clip)
    intensity = [f"AU{n}" for n in table["intensity"] if f"AU{n}" in ours]
    presence = [f"AU{n}" for n in table["presence"] if f"AU{n}" in ours]
    header = ["frame", "face_id", "timestamp", "confidence", "success",
              *[f"{au_code(a)}_r" for a in intensity], *[f"{au_code(a)}_c" for a in presence]]
    rows = [_openface_row(f, clip, intensity, presence, float(table["intensity_scale"])) for f in clip.face.timeline]
    text = "".join(", ".join(str(v) for v in line) + "\n" for line in [header, *rows])  # numbers only: no quoting
    return text, sorted(ours - set(presence), key=lambda a: int(a[2:]))


def render_au_csv(clips: list[ExportClip], layout: str = "py-feat") -> Rendered:
    """A CSV per clip with a face timeline, in py-feat's or OpenFace 2's columns."""
    table = export_data()["au_tables"][layout]
    out = Rendered()
    left_out: set[str] = set()
    for clip in clips:
        if clip.info is None or clip.info.video is None:
            out.skip(clip.clip_id, "no video stream, so no face frames")
            continue
        if clip.face is None or not clip.face.timeline:
            out.skip(clip.clip_id, "no face clue with data (no face found, or the face extractor was not run)")
            continue
        text, missing = (_pyfeat if layout == "py-feat" else _openface)(clip, table)
        left_out.update(missing)
        out.files[f"{clip.clip_id}.csv"] = text
        out.clips.append(clip.clip_id)
    scale = "0-1 as estimated" if layout == "py-feat" else f"estimate x {table['intensity_scale']} (0-5)"
    out.notes = [f"{layout} columns; AU intensity {scale}; AU estimates from MediaPipe blendshapes, not {layout}'s "
                 "own AU models"]
    if left_out:
        out.notes.append(f"our AUs that {layout} does not report, left out: "
                         f"{', '.join(sorted(left_out, key=lambda a: int(a[2:])))}")
    return out
