"""Measure Whisper's encoder states as voice-emotion features: mean-pooled encoder output of each clip (faster-whisper
`WhisperModel.encode`, whisper-base), a scikit-learn logistic regression on them, cross-validated by speaker,
beside the same regression on the six prosody z-scores. A measurement only: nothing here is used at run time.

    python scripts/probe_whisper_voice.py ~/.cache/emer/samples/polish/audio --dataset polish
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emer.pipeline.evaluation.gold import gold_from_names  # noqa: E402
from emer.pipeline.evidence.speakers import assign_speakers  # noqa: E402
from emer.pipeline.inputs.clip import decode_clip  # noqa: E402
from emer.pipeline.store.models import ModelStore  # noqa: E402


def embeddings(paths: list[Path]) -> np.ndarray:
    """Mean over the clip's own frames (not Whisper's 30 s padding) of the encoder output, per clip."""
    from faster_whisper import WhisperModel
    from faster_whisper.feature_extractor import FeatureExtractor

    model = WhisperModel(ModelStore().resolve("whisper-base").path, device="cpu", compute_type="int8",
                         cpu_threads=2)
    fe = FeatureExtractor(feature_size=model.model.n_mels)
    out = []
    for i, p in enumerate(paths):
        audio = decode_clip(p).audio
        mel = fe(audio)  # (n_mels, frames)
        frames = mel.shape[1]
        padded = np.zeros((mel.shape[0], 3000), np.float32)
        padded[:, : min(frames, 3000)] = mel[:, :3000]
        enc = np.array(model.encode(padded[None]))
        n = max(1, min(frames, 3000) // 2)  # the encoder halves the frame rate
        out.append(enc[0, :n].mean(axis=0))
        if i % 50 == 0:
            print(f"{i}/{len(paths)}", file=sys.stderr)
    return np.stack(out)


def main() -> int:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--dataset", default="polish")
    ap.add_argument("--cache", type=Path, help="npz of the embeddings (written, or read when it exists)")
    args = ap.parse_args()
    paths = sorted(args.folder.glob("*.wav"))
    gold = gold_from_names([p.stem for p in paths], args.dataset)
    paths = [p for p in paths if p.stem in gold]
    speakers = assign_speakers([p.stem for p in paths], "auto")
    if args.cache and args.cache.exists():
        x = np.load(args.cache)["x"]
    else:
        x = embeddings(paths)
        if args.cache:
            np.savez(args.cache, x=x)
    y = np.array([gold[p.stem].label for p in paths])
    groups = np.array([speakers.get(p.stem, "") for p in paths])
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=3000, class_weight="balanced"))
    pred = cross_val_predict(clf, x, y, groups=groups, cv=LeaveOneGroupOut())
    classes = sorted(set(y))
    rec = {c: round(float(np.mean(pred[y == c] == c)), 3) for c in classes}
    print(f"whisper-base encoder, mean-pooled ({x.shape[1]} dims), {len(y)} clips, {len(set(groups))} speakers: "
          f"leave-one-speaker-out accuracy {np.mean(pred == y):.3f}, recall {rec}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
