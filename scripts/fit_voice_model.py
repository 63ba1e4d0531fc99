"""Fit the learned voice model (prompts/evidence/voice_model.yaml) on run folders' prosody clues, with
scikit-learn, and report per-class recall cross-validated by speaker (leave one speaker out) beside the hand-written
vocal profiles' reading of the same clips.

No speech-emotion model ships in any package on PyPI (searched: see the voice_model.yaml header), so the voice
channel's learned part is a multinomial logistic regression on the same speaker-referenced z-scores the evidence
summary reads (emer.pipeline.evidence: references, summary), fitted on data that is legitimately obtainable and is not
one of the hidden evaluation's sources: the Polish emotional-speech words (450 words, 5 speakers; anger, fear,
neutral; CC BY 4.0) in the source distribution of nkululeko==1.14.1 (`emer samples --set polish`).

    emer run ~/.cache/emer/samples/polish/audio -o runs/pros-polish --extractors praat-prosody --no-reason
    python scripts/fit_voice_model.py runs/pros-polish:polish -o prompts/evidence/voice_model.yaml

Each RUN:DATASET names a run folder and the file-name convention of its labels and speakers; several may be given.
The file written records what it was fitted on: the run folders' clip ids and the sha256 of their sorted
(clip id, clip sha256) list, scikit-learn's version, C, and the cross-validated scores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emer.pipeline.evaluation.gold import gold_from_names  # noqa: E402
from emer.pipeline.evidence.references import build_references, clip_features  # noqa: E402
from emer.pipeline.evidence.speakers import assign_speakers  # noqa: E402
from emer.pipeline.evidence.summary import EvidenceConfig, prosody_evidence, voice_z_scores  # noqa: E402
from emer.pipeline.evidence.voice_model import FEATURES  # noqa: E402
from emer.pipeline.records.clues import load_clue  # noqa: E402
from emer.pipeline.store.io import write_text_atomic  # noqa: E402


class Rows:
    """Clips with a speaker reference: ids, speakers, gold labels, z-score matrix, the profiles' reading, the
    clips' sha256."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.speakers: list[str] = []
        self.labels: list[str] = []
        self.x: list[list[float]] = []
        self.profiles: list[str] = []
        self.sha256: list[str] = []


def load(run: Path, dataset: str, rows: Rows) -> None:
    """Add a run folder's clips (labels and speakers from file names with `dataset`'s convention)."""
    gold = gold_from_names([p.name for p in run.iterdir() if (p / "clues").is_dir()], dataset)
    speaker_of = assign_speakers(sorted(gold), "auto")
    feats, shas = [], {}
    for clip_id, g in sorted(gold.items()):
        clues = [load_clue(p) for p in sorted((run / clip_id / "clues").glob("*.json"))]
        if clues:
            shas[clip_id] = clues[0].clip_sha256
        feats.append((clip_features(clip_id, clues, speaker=speaker_of.get(clip_id)), g.label or ""))
    refs = build_references([f for f, _ in feats], min_speaker_clips=3)
    for f, label in feats:
        ref = refs.get(f.speaker or "")
        if f.voice is None or ref is None or ref.kind != "speaker":
            continue
        z = voice_z_scores(f.voice, ref.voice)
        reading = prosody_evidence(f.voice, ref.voice, None, EvidenceConfig()).emotions
        rows.ids.append(f.clip_id)
        rows.speakers.append(f"{dataset}:{f.speaker}")
        rows.labels.append(label)
        rows.x.append([z.get(n, 0.0) for n in FEATURES])
        rows.profiles.append(max(reading, key=reading.get) if reading else "")
        rows.sha256.append(shas.get(f.clip_id, ""))


def recall(gold: list[str], pred: list[str], classes: list[str]) -> dict[str, float]:
    return {c: round(sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
                     / max(1, sum(1 for g in gold if g == c)), 3) for c in classes}


def main() -> int:
    from sklearn import __version__ as sklearn_version
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="RUN:DATASET, a run folder with praat-prosody clues and its naming")
    ap.add_argument("--c", type=float, default=1.0, help="inverse L2 strength of the logistic regression")
    ap.add_argument("-o", "--out", type=Path, help="write the model YAML here")
    ap.add_argument("--source", default="nkululeko==1.14.1 (sdist), data/polish/polish_speech_emotions.zip")
    args = ap.parse_args()
    rows = Rows()
    for spec in args.runs:
        run, _, dataset = spec.rpartition(":")
        load(Path(run), dataset, rows)
    classes = sorted(set(rows.labels))
    x, y, groups = np.array(rows.x), np.array(rows.labels), np.array(rows.speakers)

    def model() -> LogisticRegression:
        return LogisticRegression(C=args.c, max_iter=2000, class_weight="balanced")

    pred = cross_val_predict(model(), x, y, groups=groups, cv=LeaveOneGroupOut())
    acc, f1 = accuracy_score(y, pred), f1_score(y, pred, average="macro")
    prof_acc = accuracy_score(y, rows.profiles)
    print(f"{len(y)} clips, {len(set(groups))} speakers, classes {classes}")
    print(f"vocal profiles (hand-written):  accuracy {prof_acc:.3f}, "
          f"recall {recall(rows.labels, rows.profiles, classes)}")
    print(f"fitted, leave-one-speaker-out:  accuracy {acc:.3f}, macro-F1 {f1:.3f}, "
          f"recall {recall(rows.labels, list(pred), classes)}")
    print("separation (Cohen's d, pooled spread) per pair of classes:")
    for i, a in enumerate(classes):
        for b in classes[i + 1:]:
            xa, xb = x[y == a], x[y == b]
            pooled = np.sqrt((xa.var(axis=0, ddof=1) + xb.var(axis=0, ddof=1)) / 2) + 1e-9
            d = (xa.mean(axis=0) - xb.mean(axis=0)) / pooled
            print(f"  {a} - {b}: " + " ".join(f"{n}={v:+.2f}" for n, v in zip(FEATURES, d, strict=True)))
    fitted = model().fit(x, y)
    for c, row, bias in zip(fitted.classes_, fitted.coef_, fitted.intercept_, strict=True):
        print(f"  {c:10s} " + " ".join(f"{n}={v:+.2f}" for n, v in zip(FEATURES, row, strict=True))
              + f" bias={bias:+.2f}")
    if args.out:
        listing = "\n".join(f"{i} {s}" for i, s in sorted(zip(rows.ids, rows.sha256, strict=True)))
        header = args.out.read_text(encoding="utf-8").split("\nname:", 1)[0] if args.out.exists() else ""
        data = {
            "name": "voice-lr-polish", "version": "2.0",
            "features": list(FEATURES), "classes": [str(c) for c in fitted.classes_],
            "weights": {str(c): {n: round(float(v), 4) for n, v in zip(FEATURES, row, strict=True)}
                        for c, row in zip(fitted.classes_, fitted.coef_, strict=True)},
            "bias": {str(c): round(float(v), 4) for c, v in zip(fitted.classes_, fitted.intercept_, strict=True)},
            "training": {"data": args.source, "clips": len(y), "speakers": len(set(groups)),
                         "clips_sha256": hashlib.sha256(listing.encode()).hexdigest(),
                         "fitter": f"scikit-learn {sklearn_version} LogisticRegression(C={args.c}, "
                                   "class_weight=balanced)",
                         "fitted": dt.date.today().isoformat(),
                         "loso_accuracy": round(float(acc), 3), "loso_macro_f1": round(float(f1), 3),
                         "loso_recall": recall(rows.labels, list(pred), classes),
                         "profiles_accuracy": round(float(prof_acc), 3),
                         "script": "scripts/fit_voice_model.py"},
        }
        text = (header + "\n" if header else "") + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        write_text_atomic(args.out, text)
        print(f"wrote {args.out}")
    json.dump({"accuracy": acc, "macro_f1": f1}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
