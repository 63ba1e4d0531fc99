"""Fit where neutral speech sits against a speaker reference (the `neutral` profile of
prompts/evidence/vocal_profiles.yaml) on development runs, and check it leave one speaker out.

A speaker reference is the median of the speaker's clips. In a set of acted emotions that median is the average
of the emotions, not the speaker's neutral voice, and neutral sits below it in arousal (lower and flatter pitch,
softer, slower, less high-frequency energy). The literature's emotional profiles (Juslin & Laukka 2003; Banse &
Scherer 1996) are directions away from neutral speech, so neutral is placed along the direction they share: minus
their mean (`d`, from neutral towards the average acted emotion), at the one size `a` that fits the development
neutral clips best (least squares: a = -mean(z_neutral).d / |d|^2). a = 1 is what the literature predicts for a
reference made of those six emotions in equal parts; a = 0 puts neutral at the median (the profiles before).
Only neutral moves: the development sets hold too few clips of the other emotions to place them (EmoDB has one a
class); the script prints each class's mean z-scores and its size along `d` for the record.

    emer run ~/.cache/emer/samples/polish/audio -o runs/pros-polish --extractors praat-prosody --no-reason
    emer run ~/.cache/emer/samples/emodb/audio -o runs/pros-emodb --extractors praat-prosody --no-reason
    python scripts/fit_vocal_profiles.py runs/pros-polish:polish runs/pros-emodb:emodb \\
        --write prompts/evidence/vocal_profiles.yaml

The check reads each speaker's clips with `a` fitted without that speaker, by the profiles alone and with the
z-score model's split of anger, fear and neutral (a LogisticRegression as scripts/fit_voice_model.py fits it,
also without that speaker), against neutral at the median. Never fit on the CREMA-D report clips.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from fit_voice_model import Rows, load, recall  # noqa: E402

from emer.pipeline.evidence.modalities import profile_scores, softmax, vocal_profiles  # noqa: E402
from emer.pipeline.evidence.voice_model import FEATURES, _probabilities, voice_model, within_classes  # noqa: E402
from emer.pipeline.records.vocab import prompts_root  # noqa: E402
from emer.pipeline.store.io import write_text_atomic  # noqa: E402

MODEL_CLASSES = ("anger", "fear", "neutral")


def direction(profiles: dict[str, dict[str, float]]) -> np.ndarray:
    """The mean of the emotional (non-neutral) profiles: from neutral speech towards the average acted emotion."""
    emotional = [p for e, p in profiles.items() if e != "neutral"]
    return np.array([np.mean([p.get(f, 0.0) for p in emotional]) for f in FEATURES])


def size_along(x: np.ndarray, d: np.ndarray) -> float:
    """Least-squares a with mean(x) ~ -a d (positive: below the reference, towards calm)."""
    return float(-(x.mean(axis=0) @ d) / (d @ d)) if len(x) else float("nan")


def with_neutral(profiles: dict[str, dict[str, float]], a: float, d: np.ndarray) -> dict[str, dict[str, float]]:
    return {**profiles, "neutral": {f: round(float(-a * v), 2) for f, v in zip(FEATURES, d, strict=True)}}


def read(z: np.ndarray, profiles: dict[str, dict[str, float]], model) -> dict[str, float]:  # noqa: ANN001
    """The voice channel's distribution as pipeline/evidence/modalities.py prosody_evidence makes it."""
    scores = profile_scores(dict(zip(FEATURES, z.tolist(), strict=True)), profiles)
    if model is not None:
        t = voice_model().temperature
        logits = {str(c): (b + float(w @ z)) / t for c, w, b in zip(model.classes_, model.coef_, model.intercept_,
                                                                     strict=True)}
        scores = within_classes(scores, _probabilities(logits))
    return softmax(scores)


def check(rows: Rows, profiles: dict[str, dict[str, float]], d: np.ndarray) -> None:
    """Leave one speaker out: neutral at the median (a=0) against neutral at the fitted size."""
    from sklearn.linear_model import LogisticRegression

    x, y, groups = np.array(rows.x), np.array(rows.labels), np.array(rows.speakers)
    for name, fitted in (("neutral at the median (before)", False), ("neutral fitted (now)", True)):
        for use_model in (False, True):
            top: dict[str, list[tuple[str, str, str]]] = {}
            for g in sorted(set(groups)):
                train, test = groups != g, groups == g
                a = size_along(x[train & (y == "neutral")], d) if fitted else 0.0
                prof = with_neutral(profiles, a, d)
                known = train & np.isin(y, MODEL_CLASSES)
                model = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced").fit(x[known], y[known]) \
                    if use_model else None
                for i in np.where(test)[0]:
                    dist = read(x[i], prof, model)
                    among = max(MODEL_CLASSES, key=lambda c, dist=dist: dist[c])
                    best = max(dist, key=lambda e, dist=dist: dist[e])
                    top.setdefault(str(g).split(":")[0], []).append((str(y[i]), best, among))
            print(f"{name}, {'z-score model split' if use_model else 'profiles alone'}:")
            for dataset, hits in top.items():
                gold = [str(h[0]) for h in hits]
                classes = sorted({str(g) for g in gold})
                among = [(g, p) for g, _, p in hits if g in MODEL_CLASSES]
                acc3 = np.mean([g == p for g, p in among])
                acc7 = np.mean([g == t for g, t, _ in hits])
                tops = [t for _, t, _ in hits]
                known = [c for c in MODEL_CLASSES if c in classes]
                print(f"  {dataset}: top-1 of all emotions {acc7:.3f} recall {recall(gold, tops, classes)}"
                      f"; among {'/'.join(MODEL_CLASSES)} {acc3:.3f} recall "
                      f"{recall([g for g, _ in among], [p for _, p in among], known)}")
                if len(hits) <= 10:
                    print("    " + ", ".join(f"{g}->{t}" for g, t, _ in hits))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="RUN:DATASET, a run folder with praat-prosody clues and its naming")
    ap.add_argument("--write", type=Path, help="write the fitted neutral profile into this vocal_profiles.yaml")
    args = ap.parse_args()
    rows = Rows()
    for spec in args.runs:
        run, _, dataset = spec.rpartition(":")
        load(Path(run), dataset, rows)
    profiles = vocal_profiles()
    d = direction(profiles)
    x, y, groups = np.array(rows.x), np.array(rows.labels), np.array(rows.speakers)
    datasets = np.array([str(g).split(":")[0] for g in groups])
    print(f"{len(y)} clips; direction d (mean of the emotional profiles): "
          + " ".join(f"{f}={v:+.2f}" for f, v in zip(FEATURES, d, strict=True)))
    for ds in sorted(set(datasets)):
        print(f"{ds}: class, clips, mean z-score per feature, size along -d")
        for c in sorted(set(y[datasets == ds])):
            sel = x[(datasets == ds) & (y == c)]
            print(f"  {c:10s} {len(sel):4d} " + " ".join(f"{v:+.2f}" for v in sel.mean(axis=0))
                  + f"  a={size_along(sel, d):+.2f}")
    neutral = y == "neutral"
    a = size_along(x[neutral], d)
    per = {str(ds): round(size_along(x[neutral & (datasets == ds)], d), 2) for ds in sorted(set(datasets[neutral]))}
    speakers = {str(g): round(size_along(x[neutral & (groups == g)], d), 2) for g in sorted(set(groups[neutral]))}
    print(f"neutral: a={a:.3f} over {int(neutral.sum())} clips; by dataset {per}; by speaker {speakers}")
    check(rows, profiles, d)
    if args.write:
        path = args.write
        text = path.read_text(encoding="utf-8")
        head, _, _ = text.partition("\nname:")
        fitted = with_neutral(profiles, a, d)
        listing = "\n".join(sorted(f"{rows.ids[i]} {rows.sha256[i]}" for i in np.where(neutral)[0]))
        note = {"neutral_fit": {
            "rule": "neutral = -scale x direction; direction = the mean of the other profiles (neutral speech "
                    "towards the average acted emotion); scale by least squares on the neutral clips' z-scores",
            "direction": {f: round(float(v), 3) for f, v in zip(FEATURES, d, strict=True)},
            "scale": round(a, 3), "scale_by_dataset": per, "scale_by_speaker": speakers,
            "data": "development runs " + ", ".join(sorted({s.rpartition(':')[2] for s in args.runs}))
                    + " (prompts/datasets/*.yaml); not the CREMA-D report clips",
            "clips": int(neutral.sum()), "clips_sha256": hashlib.sha256(listing.encode()).hexdigest(),
            "fitted": dt.date.today().isoformat(), "script": "scripts/fit_vocal_profiles.py"}}
        width = max(len(e) for e in fitted) + 1
        lines = [f"  {e + ':':{width}s} {{" + ", ".join(f"{f}: {p.get(f, 0.0)}" for f in FEATURES) + "}"
                 for e, p in fitted.items()]
        body = "\n".join(["name: vocal-profiles", 'version: "1.1"', "profiles:", *lines])
        write_text_atomic(path, head + "\n" + body + "\n" + yaml.safe_dump(note, sort_keys=False, width=110))
        print(f"wrote {path} (relative to {prompts_root()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
