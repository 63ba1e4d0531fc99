"""Fit the learned voice model (prompts/evidence/voice_model.yaml) on run folders' clues, with scikit-learn, and
report per-class recall cross-validated by speaker (leave one speaker out) beside the hand-written vocal profiles'
reading of the same clips, and the voice channel's reading (profiles with the model) as the evidence makes it.

No speech-emotion model ships in any package on PyPI (searched: see the voice_model.yaml header), so the voice
channel's learned part is a multinomial logistic regression fitted on data that is legitimately obtainable and is
not one of the hidden evaluation's sources: the Polish emotional-speech words (450 words, 5 speakers; anger, fear,
neutral; CC BY 4.0) in the source distribution of nkululeko==1.14.1 (`emer samples --set polish`).

    emer run ~/.cache/emer/samples/polish/audio -o runs/pros-polish --extractors praat-prosody,faster-whisper \\
        --set faster-whisper.translate=false --no-reason
    python scripts/fit_voice_model.py runs/pros-polish:polish -o prompts/evidence/voice_model.yaml
    python scripts/fit_voice_model.py runs/pros-polish:polish --features whisper   # the encoder probe, measured

`--features zscores` (the default) reads the same speaker-referenced z-scores the vocal profiles read
(emer.pipeline.evidence: references, summary); `--features whisper` reads the speech clue's pooled Whisper encoder
states (faster-whisper's `encoder`: mean and spread per dimension over the transcription pass's frames),
standardised, as a linear probe. Each RUN:DATASET names a run folder and the file-name convention of its labels
and speakers;
several may be given. The temperature the model's logits are divided by is fitted on its leave-one-speaker-out
probabilities (least log-loss), so it is as sure as it is right on a speaker it has not heard. The file written
records what it was fitted on: the clip count and the sha256 of the sorted (clip id, clip sha256) list,
scikit-learn's version, C, the temperature and the cross-validated scores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emer.pipeline.evaluation.gold import gold_from_names  # noqa: E402
from emer.pipeline.evidence.modalities import prosody_evidence, voice_z_scores  # noqa: E402
from emer.pipeline.evidence.references import build_references, clip_features  # noqa: E402
from emer.pipeline.evidence.speakers import assign_speakers  # noqa: E402
from emer.pipeline.evidence.voice_model import FEATURES, within_classes  # noqa: E402
from emer.pipeline.records.evidence import EvidenceConfig  # noqa: E402
from emer.pipeline.store.io import load_clue, write_text_atomic  # noqa: E402


class Rows:
    """Clips with a speaker reference: ids, speakers, gold labels, z-scores, pooled encoder states, the vocal
    profiles' log-scores, the clips' sha256."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.speakers: list[str] = []
        self.labels: list[str] = []
        self.x: list[list[float]] = []
        self.encoder: list[np.ndarray | None] = []
        self.encoder_model: tuple[str, str | None] = ("", None)
        self.profiles: list[dict[str, float]] = []
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
        reading = prosody_evidence(f.voice, ref.voice, None, EvidenceConfig(voice_model_weight=0)).emotions
        rows.ids.append(f.clip_id)
        rows.speakers.append(f"{dataset}:{f.speaker}")
        rows.labels.append(label)
        rows.x.append([z.get(n, 0.0) for n in FEATURES])
        same = f.encoder is not None and ref.encoder is not None and f.encoder.model == ref.encoder.model
        rows.encoder.append(f.encoder.vector() - ref.encoder.vector() if same else None)  # type: ignore[union-attr]
        if same:
            rows.encoder_model = (f.encoder.model, f.encoder.model_sha256)  # type: ignore[union-attr]
        rows.profiles.append({e: math.log(max(p, 1e-4)) for e, p in reading.items()})
        rows.sha256.append(shas.get(f.clip_id, ""))


def recall(gold: list[str], pred: list[str], classes: list[str]) -> dict[str, float]:
    return {c: round(sum(1 for g, p in zip(gold, pred, strict=True) if g == c and p == c)
                     / max(1, sum(1 for g in gold if g == c)), 3) for c in classes}


def fit_temperature(probs: np.ndarray, truth: np.ndarray) -> float:
    """The temperature T minimising the log-loss of softmax(log p / T) on held-out probabilities."""
    from scipy.optimize import minimize_scalar

    logs = np.log(np.clip(probs, 1e-6, 1.0))

    def loss(t: float) -> float:
        z = logs / t
        z -= z.max(axis=1, keepdims=True)
        return float(-np.mean(z[np.arange(len(truth)), truth] - np.log(np.exp(z).sum(axis=1))))

    return float(minimize_scalar(loss, bounds=(0.1, 20.0), method="bounded").x)


def tempered(probs: np.ndarray, t: float) -> np.ndarray:
    z = np.log(np.clip(probs, 1e-6, 1.0)) / t
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def readings(profiles: list[dict[str, float]], probs: np.ndarray, classes: list[str]
             ) -> dict[str, list[dict[str, float]]]:
    """The voice channel's scores per clip: the profiles alone; with the model multiplied in (its centred
    log-probabilities added to the profiles' scores: the rule before evidence 1.5); with the model's split of its
    classes (voice_model.within_classes, evidence 1.5)."""
    out: dict[str, list[dict[str, float]]] = {"profiles": [], "product (before)": [], "within classes (now)": []}
    for scores, p in zip(profiles, probs, strict=True):
        logs = {c: math.log(max(float(v), 1e-4)) for c, v in zip(classes, p, strict=True)}
        mean = sum(logs.values()) / len(logs)
        out["profiles"].append(scores)
        out["product (before)"].append({e: v + logs.get(e, mean) - mean for e, v in scores.items()})
        out["within classes (now)"].append(within_classes(scores, dict(zip(classes, p.tolist(), strict=True))))
    return out


def unknown_class_check(rows: Rows, keep: list[int], x: np.ndarray, y: np.ndarray, groups: np.ndarray,
                        classes: list[str], make_model) -> None:  # noqa: ANN001
    """How each rule treats an emotion the model was not fitted on, simulated: for each class, the model is fitted
    without that class's clips (and without the test speaker), and the clips of the left-out class are read by the
    profiles with that model; the other classes' clips as well. The evidence meets such emotions on every corpus
    with more classes than the model's."""
    from sklearn.model_selection import LeaveOneGroupOut

    totals: dict[str, dict[str, list[float]]] = {}
    for left in classes:
        known = [c for c in classes if c != left]
        for train, test in LeaveOneGroupOut().split(x, y, groups):
            fit_rows = [i for i in train if y[i] != left]
            m = make_model().fit(x[fit_rows], y[fit_rows])
            p = m.predict_proba(x[test])
            order = [list(m.classes_).index(c) for c in known]
            for name, scores in readings([rows.profiles[keep[i]] for i in test], p[:, order], known).items():
                for i, sc in zip(test, scores, strict=True):
                    top = max(sc, key=lambda e, sc=sc: sc[e])
                    norm = math.log(sum(math.exp(v - max(sc.values())) for v in sc.values())) + max(sc.values())
                    part = "left-out class" if y[i] == left else "fitted classes"
                    t = totals.setdefault(name, {}).setdefault(part, [0.0, 0.0, 0.0])
                    t[0] += top == y[i]
                    t[1] += sc.get(y[i], -1e9) - norm
                    t[2] += 1
    print("emotions the model does not know (each class left out of the fit in turn; top of all emotions; mean "
          "log-probability of the true emotion):")
    for name, parts in totals.items():
        print(f"  {name:21s} " + "; ".join(f"{part}: recall {a / n:.3f}, log-p {lp / n:+.2f}"
                                         for part, (a, lp, n) in parts.items()))


def main() -> int:
    from sklearn import __version__ as sklearn_version
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score, log_loss
    from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="RUN:DATASET, a run folder with praat-prosody clues and its naming")
    ap.add_argument("--features", choices=("zscores", "whisper", "both"), default="zscores",
                    help="what the model reads: the voice's z-scores, the pooled Whisper encoder states against the "
                    "speaker's, or both")
    ap.add_argument("--c", type=float, default=None, help="inverse L2 strength of the logistic regression "
                    "(default: 1 for z-scores, 0.01 for the 1024 encoder dimensions)")
    ap.add_argument("-o", "--out", type=Path, help="write the model YAML here (z-scores: voice_model.yaml, "
                    "whisper: voice_probe.yaml)")
    ap.add_argument("--source", default="nkululeko==1.14.1 (sdist), data/polish/polish_speech_emotions.zip")
    args = ap.parse_args()
    if args.out and args.features == "both":
        ap.error("the combination is measured only (it adds nothing to the probe on the Polish words)")
    c_value = args.c if args.c is not None else (1.0 if args.features == "zscores" else 0.01)
    rows = Rows()
    for spec in args.runs:
        run, _, dataset = spec.rpartition(":")
        load(Path(run), dataset, rows)
    keep = [i for i, e in enumerate(rows.encoder) if e is not None] if args.features != "zscores" \
        else list(range(len(rows.ids)))
    if not keep:
        ap.error("no clip with pooled encoder states: run faster-whisper 1.4 or later on the folders")
    classes = sorted(set(rows.labels))
    z_scores = np.array(rows.x)[keep]
    x = {"zscores": z_scores, "whisper": np.array([rows.encoder[i] for i in keep]),
         "both": np.hstack([z_scores, np.array([rows.encoder[i] for i in keep])])}[args.features]
    y, groups = np.array(rows.labels)[keep], np.array(rows.speakers)[keep]
    gold = list(y)

    def model():  # noqa: ANN202
        lr = LogisticRegression(C=c_value, max_iter=3000, class_weight="balanced")
        return make_pipeline(StandardScaler(), lr) if args.features != "zscores" else lr

    probs = cross_val_predict(model(), x, y, groups=groups, cv=LeaveOneGroupOut(), method="predict_proba")
    truth = np.array([classes.index(v) for v in y])
    temperature = fit_temperature(probs, truth)
    calibrated = tempered(probs, temperature)
    pred = [classes[i] for i in probs.argmax(axis=1)]
    acc, f1 = accuracy_score(y, pred), f1_score(y, pred, average="macro")
    print(f"{len(y)} clips, {len(set(groups))} speakers, classes {classes}, features {args.features}, C={c_value}")
    if args.features != "zscores":  # the z-score model on the same clips, for comparison
        zpred = cross_val_predict(LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced"), z_scores, y,
                                  groups=groups, cv=LeaveOneGroupOut())
        print(f"z-score model on these clips, leave-one-speaker-out: accuracy {accuracy_score(y, zpred):.3f}, "
              f"macro-F1 {f1_score(y, zpred, average='macro'):.3f}, recall {recall(gold, list(zpred), classes)}")
    print(f"fitted, leave-one-speaker-out: accuracy {acc:.3f}, macro-F1 {f1:.3f}, "
          f"recall {recall(gold, pred, classes)}")
    print(f"  log-loss {log_loss(truth, probs, labels=range(len(classes))):.3f}; temperature {temperature:.2f} "
          f"-> {log_loss(truth, calibrated, labels=range(len(classes))):.3f}")
    for name, scores in readings([rows.profiles[i] for i in keep], calibrated, classes).items():
        top = [max(sc, key=lambda e, sc=sc: sc[e]) for sc in scores]
        among = [max(classes, key=lambda e, sc=sc: sc.get(e, -1e9)) for sc in scores]
        print(f"voice channel, {name:21s} top of all emotions: accuracy {accuracy_score(y, top):.3f}, recall "
              f"{recall(gold, top, classes)}; among {'/'.join(classes)}: accuracy {accuracy_score(y, among):.3f}, "
              f"recall {recall(gold, among, classes)}")
    unknown_class_check(rows, keep, x, y, groups, classes, model)
    if args.features == "zscores":
        print("separation (Cohen's d, pooled spread) per pair of classes:")
        for i, a in enumerate(classes):
            for b in classes[i + 1:]:
                xa, xb = x[y == a], x[y == b]
                pooled = np.sqrt((xa.var(axis=0, ddof=1) + xb.var(axis=0, ddof=1)) / 2) + 1e-9
                d = (xa.mean(axis=0) - xb.mean(axis=0)) / pooled
                print(f"  {a} - {b}: " + " ".join(f"{n}={v:+.2f}" for n, v in zip(FEATURES, d, strict=True)))
    fitted = model().fit(x, y)
    if args.out:
        listing = "\n".join(f"{rows.ids[i]} {rows.sha256[i]}" for i in sorted(keep, key=lambda i: rows.ids[i]))
        header = args.out.read_text(encoding="utf-8").split("\nname:", 1)[0] if args.out.exists() else ""
        training = {"data": args.source, "clips": len(y), "speakers": len(set(groups)),
                    "clips_sha256": hashlib.sha256(listing.encode()).hexdigest(),
                    "fitter": f"scikit-learn {sklearn_version} LogisticRegression(C={c_value}, class_weight=balanced)"
                              + (" after StandardScaler (folded into the weights)" if args.features != "zscores"
                                 else ""),
                    "fitted": dt.date.today().isoformat(),
                    "loso_accuracy": round(float(acc), 3), "loso_macro_f1": round(float(f1), 3),
                    "loso_recall": recall(gold, pred, classes), "script": "scripts/fit_voice_model.py"}
        calibration = {"temperature": round(temperature, 3),
                       "fitted_on": "the leave-one-speaker-out probabilities (least log-loss)"}
        if args.features == "zscores":
            data = {"name": "voice-lr-polish", "version": "2.1", "features": list(FEATURES),
                    "classes": [str(c) for c in fitted.classes_],
                    "weights": {str(c): {n: round(float(v), 4) for n, v in zip(FEATURES, row, strict=True)}
                                for c, row in zip(fitted.classes_, fitted.coef_, strict=True)},
                    "bias": {str(c): round(float(v), 4) for c, v in zip(fitted.classes_, fitted.intercept_,
                                                                        strict=True)}}
        else:  # the scaler folded in: w.(x - m)/s + b = (w/s).x + (b - (w/s).m)
            scaler, lr = fitted[0], fitted[-1]
            w = lr.coef_ / scaler.scale_
            b = lr.intercept_ - w @ scaler.mean_
            data = {"name": "voice-probe-whisper-polish", "version": "1.0",
                    "encoder": {"model": rows.encoder_model[0], "sha256": rows.encoder_model[1],
                                "parts": ["mean", "std"], "against": "the speaker reference's average"},
                    "classes": [str(c) for c in lr.classes_],
                    "weights": {str(c): [float(f"{v:.4g}") for v in row] for c, row in zip(lr.classes_, w,
                                                                                          strict=True)},
                    "bias": {str(c): round(float(v), 4) for c, v in zip(lr.classes_, b, strict=True)}}
        data.update({"calibration": calibration, "training": training})
        flow = None if args.features == "whisper" else False  # the probe's 1024 weights a class: flow lists
        text = (header + "\n" if header else "") + yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                                                                   width=120, default_flow_style=flow)
        write_text_atomic(args.out, text)
        print(f"wrote {args.out}")
        if args.features == "whisper":  # the file, as the pipeline reads it, gives scikit-learn's probabilities
            stored = yaml.safe_load(text)
            logits = np.array([[stored["bias"][c] + float(np.dot(stored["weights"][c], v)) for c in lr.classes_]
                               for v in x])
            mine = np.exp(logits - logits.max(axis=1, keepdims=True))
            gap = float(np.abs(mine / mine.sum(axis=1, keepdims=True) - fitted.predict_proba(x)).max())
            print(f"  stored probe vs scikit-learn on the training clips: largest probability gap {gap:.4f}")
    json.dump({"accuracy": acc, "macro_f1": f1, "temperature": temperature}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
