"""The py-feat and OpenFace table importers: a real mediapipe-face clue of a CREMA-D clip, written out in each
tool's CSV layout, comes back as the same face clue; missing tables and columns fail naming the file."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from emer import extractors
from emer.extractors.face_mediapipe import MediaPipeFaceExtractor
from emer.extractors.face_tables import PYFEAT_EXPRESSIONS, OpenFaceTableExtractor, PyFeatTableExtractor
from emer.pipeline.evidence.references import clip_features
from emer.pipeline.records.clues import ClueStatus, FaceClue
from emer.pipeline.records.errors import InputError
from emer.pipeline.store.io import sha256_file

# Column layouts as the tools write them: py-feat 2.1.5 `Fex.to_csv` (the wheel's feat/tests/data/Feat_Test.csv)
# and OpenFace 2.2 FeatureExtraction (lib/local/Utilities/src/RecorderCSV.cpp; 56 eye landmarks, 68 face
# landmarks, 34 shape parameters).
PYFEAT_AUS = ("AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU11", "AU12", "AU14", "AU15",
              "AU17", "AU20", "AU23", "AU24", "AU25", "AU26", "AU28", "AU43")
PYFEAT_HEADER = [
    "frame", "FaceRectX", "FaceRectY", "FaceRectWidth", "FaceRectHeight", "FaceScore",
    *[f"x_{i}" for i in range(68)], *[f"y_{i}" for i in range(68)], *PYFEAT_AUS, "Pitch", "Roll", "Yaw",
    *PYFEAT_EXPRESSIONS, "input",
]
OPENFACE_R = ("AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU12", "AU14", "AU15", "AU17",
              "AU20", "AU23", "AU25", "AU26", "AU45")
OPENFACE_C = ("AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU12", "AU14", "AU15", "AU17",
              "AU20", "AU23", "AU25", "AU26", "AU28", "AU45")
OPENFACE_HEADER = [
    "frame", "face_id", "timestamp", "confidence", "success",
    "gaze_0_x", "gaze_0_y", "gaze_0_z", "gaze_1_x", "gaze_1_y", "gaze_1_z", "gaze_angle_x", "gaze_angle_y",
    *[f"eye_lmk_{a}_{i}" for a in "xyXYZ" for i in range(56)],
    "pose_Tx", "pose_Ty", "pose_Tz", "pose_Rx", "pose_Ry", "pose_Rz",
    *[f"{a}_{i}" for a in "xyXYZ" for i in range(68)],
    "p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty", *[f"p_{i}" for i in range(34)],
    *[f"{au}_r" for au in OPENFACE_R], *[f"{au}_c" for au in OPENFACE_C],
]
FER_TO_PYFEAT = {v: k for k, v in PYFEAT_EXPRESSIONS.items()}


def _au(code: str) -> str:
    return f"AU{int(code[2:])}"


def write_pyfeat(clue: FaceClue, path: Path, size: tuple[int, int], fps: float) -> Path:
    """The clue's timeline as py-feat would save it: one row per frame, NaN where no face was found."""
    w, h = size
    with open(path, "w", newline="") as f:
        out = csv.DictWriter(f, PYFEAT_HEADER, restval="0")
        out.writeheader()
        for fr in clue.data.timeline:
            row: dict[str, object] = {"frame": round(fr.t * fps), "input": f"{clue.clip_id}.flv"}
            if not fr.faces:
                row.update({c: "nan" for c in PYFEAT_HEADER if c not in row})
            else:
                x, y, bw, bh = fr.box
                row.update(FaceRectX=x * w, FaceRectY=y * h, FaceRectWidth=bw * w, FaceRectHeight=bh * h,
                           FaceScore=0.99)
                row.update({c: fr.aus.get(_au(c), 0.0) for c in PYFEAT_AUS})
                row.update({FER_TO_PYFEAT[k]: v for k, v in fr.expression.items()})
            out.writerow(row)
    return path


def write_openface(clue: FaceClue, path: Path, size: tuple[int, int]) -> Path:
    """The clue's timeline as OpenFace FeatureExtraction writes it: ', '-separated header, AUxx_r in 0-5."""
    w, h = size
    lines = [", ".join(OPENFACE_HEADER)]
    for i, fr in enumerate(clue.data.timeline):
        row = dict.fromkeys(OPENFACE_HEADER, "0")
        row.update(frame=str(i + 1), timestamp=f"{fr.t:.3f}", confidence="0.98" if fr.faces else "0",
                   success="1" if fr.faces else "0")
        if fr.faces:
            x, y, bw, bh = fr.box
            for k in range(68):  # landmarks spanning the face box
                row[f"x_{k}"] = f"{(x + bw * k / 67) * w:.3f}"
                row[f"y_{k}"] = f"{(y + bh * k / 67) * h:.3f}"
            row.update({f"{c}_r": f"{5 * fr.aus.get(_au(c), 0.0):.2f}" for c in OPENFACE_R})
            row.update({f"{c}_c": "1" if fr.aus.get(_au(c), 0.0) > 0.2 else "0" for c in OPENFACE_C})
        lines.append(", ".join(row[c] for c in OPENFACE_HEADER))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def mediapipe_clues(decoded, model_store) -> dict[str, FaceClue]:
    ex = MediaPipeFaceExtractor(models=model_store)
    return {e: ex.extract(decoded(e)) for e in ("HAP", "NEU")}


def _au12(clue: FaceClue) -> list[float]:
    return [f.aus.get("AU12", math.nan) for f in clue.data.timeline if f.faces]


def test_importers_are_registered():
    assert extractors.get("pyfeat-csv") is PyFeatTableExtractor
    assert extractors.get("openface-csv") is OpenFaceTableExtractor


@pytest.mark.slow
def test_pyfeat_table_round_trips_to_the_mediapipe_clue(mediapipe_clues, decoded, tmp_path):
    for emotion in ("HAP", "NEU"):
        clip = decoded(emotion)
        v = clip.info.video
        path = write_pyfeat(mediapipe_clues[emotion], tmp_path / f"{Path(clip.info.path).stem}.csv",
                            (v.width, v.height), v.fps)
        clue = PyFeatTableExtractor({"folder": str(tmp_path)}).extract(clip)
        source = mediapipe_clues[emotion]
        assert clue.status == ClueStatus.ok and clue.kind == "face"
        assert clue.models[0].sha256 == sha256_file(path) and str(path) in clue.models[0].name
        assert "py-feat" in clue.models[0].name
        assert clue.detail == "AUs not in the AU table, left out: AU11, AU23, AU25, AU43"  # py-feat's, not ours
        assert [f.t for f in clue.data.timeline] == [f.t for f in source.data.timeline]
        assert _au12(clue) == pytest.approx(_au12(source), abs=1e-3)
        assert clue.data.summary.expression_top == source.data.summary.expression_top
        for mine, theirs in zip(clue.data.timeline, source.data.timeline, strict=True):
            if theirs.faces:
                assert mine.box == pytest.approx(theirs.box, abs=2e-3)
        FaceClue.model_validate_json(clue.model_dump_json())
        # the evidence step reads the imported clue as it reads mediapipe's
        mine_f, theirs_f = clip_features("c", [clue]).face, clip_features("c", [source]).face
        assert mine_f.au_peak["AU12"] == pytest.approx(theirs_f.au_peak["AU12"], abs=1e-3)
    happy = PyFeatTableExtractor({"folder": str(tmp_path)}).extract(decoded("HAP"))
    assert happy.data.summary.expression_top == "happy"
    assert "AU12" in next(p for p in happy.data.summary.prototypes if p.emotion == "happiness").active


@pytest.mark.slow
def test_openface_table_raises_au12_on_the_happy_clip_as_mediapipe_does(mediapipe_clues, decoded, tmp_path):
    peaks = {}
    for emotion in ("HAP", "NEU"):
        clip = decoded(emotion)
        v = clip.info.video
        path = write_openface(mediapipe_clues[emotion], tmp_path / f"{Path(clip.info.path).stem}.csv",
                              (v.width, v.height))
        clue = OpenFaceTableExtractor({"folder": str(tmp_path)}).extract(clip)
        assert clue.status == ClueStatus.ok and clue.models[0].sha256 == sha256_file(path)
        assert "OpenFace" in clue.models[0].name
        assert clue.detail == "AUs not in the AU table, left out: AU23, AU25"
        assert _au12(clue) == pytest.approx(_au12(mediapipe_clues[emotion]), abs=0.002)  # 0-5 at 2 decimals
        assert clue.data.timeline[0].box is not None and clue.data.summary.expression_mean is None
        peaks[emotion] = max(_au12(clue))
    assert peaks["HAP"] > peaks["NEU"] + 0.2
    assert peaks["HAP"] == pytest.approx(max(_au12(mediapipe_clues["HAP"])), abs=0.002)


def test_missing_table_names_the_file(decoded, tmp_path):
    clip = decoded("HAP")
    with pytest.raises(InputError, match=r"1001_DFA_HAP_XX\.csv.*no py-feat table"):
        PyFeatTableExtractor({"folder": str(tmp_path)}).extract(clip)
    with pytest.raises(InputError, match="no OpenFace 2 table"):
        OpenFaceTableExtractor({"folder": str(tmp_path), "filename": "{stem}_of.csv"}).extract(clip)


def test_missing_columns_name_the_file_and_the_columns(decoded, tmp_path):
    clip = decoded("HAP")
    path = tmp_path / "1001_DFA_HAP_XX.csv"
    path.write_text("frame,FaceRectX,FaceRectY,AU12\n0,1,2,0.5\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"1001_DFA_HAP_XX\.csv: missing py-feat columns: "
                                         r"FaceRectWidth, FaceRectHeight"):
        PyFeatTableExtractor({"folder": str(tmp_path)}).extract(clip)
    # a py-feat table is not an OpenFace table: no timestamp, success or AUxx_r columns
    with pytest.raises(InputError, match=r"missing OpenFace 2 columns: timestamp, success, AU"):
        OpenFaceTableExtractor({"folder": str(tmp_path)}).extract(clip)


def test_no_face_rows_and_the_largest_of_two_faces(decoded, tmp_path):
    clip = decoded("HAP")
    fps = clip.info.video.fps
    rows = ["frame,FaceRectX,FaceRectY,FaceRectWidth,FaceRectHeight,FaceScore,AU12,AU06,input"]
    for i, sampled in enumerate(clip.frames):
        n = round(sampled.t * fps)
        if i % 2:
            rows.append(f"{n},nan,nan,nan,nan,nan,nan,nan,x.flv")  # py-feat's row for a frame without a face
        else:
            rows += [f"{n},10,10,20,20,0.9,0.1,0.1,x.flv", f"{n},100,50,200,250,0.95,0.8,0.6,x.flv"]
    (tmp_path / "1001_DFA_HAP_XX.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    clue = PyFeatTableExtractor({"folder": str(tmp_path)}).extract(clip)
    assert clue.status == ClueStatus.ok and clue.data.max_faces == 2
    assert clue.data.frames_with_face == (len(clip.frames) + 1) // 2
    face = clue.data.timeline[0]
    assert face.faces == 2 and face.aus == {"AU6": 0.6, "AU12": 0.8} and face.expression is None
    assert clue.data.timeline[1].faces == 0
    assert clue.data.summary.prototypes[0].emotion == "happiness"


def test_a_table_of_another_video_is_an_error(decoded, tmp_path):
    clip = decoded("HAP")
    rows = ["frame, timestamp, confidence, success, AU12_r"] + [f"{i}, {30 + i / 30:.3f}, 0.9, 1, 2.5"
                                                                 for i in range(1, 60)]
    (tmp_path / "1001_DFA_HAP_XX.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"1001_DFA_HAP_XX\.csv: its times \(30\.03-31\.97 s\) match none"):
        OpenFaceTableExtractor({"folder": str(tmp_path)}).extract(clip)
    clue = OpenFaceTableExtractor({"folder": str(tmp_path), "align_to_clip_frames": False}).extract(clip)
    assert clue.data.frames_sampled == 59 and clue.data.timeline[0].aus == {"AU12": 0.5}
