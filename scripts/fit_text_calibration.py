"""Fit the text channel's calibration (one scale and a bias per emotion) on the fit half of the spoken set's
written sentences, from the raw label scores that scripts/eval_text_channel.py records.

Usage:
    python scripts/eval_text_channel.py --split all --out /tmp/text.json     # raw scores (loads the LLM)
    python scripts/fit_text_calibration.py /tmp/text.json [--write prompts/evidence/text_calibration.yaml]

Calibrated score = scale * (log-likelihood - content-free mean) + bias, then a softmax
(pipeline/reasoning/text_calibration.py). The parameters minimise the class-balanced mean negative
log-likelihood of the gold emotion on the rows with split `fit` (a small L2 pull: bias to 0, scale to 1), and
are reported on the `heldout` rows beside the content-free calibration alone. Only the written development
sentences (prompts/datasets/spoken/sentences.yaml) are fitted on, never corpus clips.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from emer.pipeline.evaluation.metrics import classification_metrics
from emer.pipeline.reasoning.text_calibration import TextCalibration, calibrated, evidence_distribution
from emer.pipeline.records.vocab import basic_emotions
from emer.pipeline.store.io import write_text_atomic

L2 = 0.01


def _emotions(rows: Sequence[dict]) -> list[str]:
    """The emotions the rows were scored on (the text channel's labels), in sorted order."""
    return sorted(rows[0]["logprobs"]) if rows else sorted(basic_emotions())


def _matrix(rows: Sequence[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(content-free-subtracted scores: rows x emotions, gold index per row, class-balancing weight per row)."""
    emos = _emotions(rows)
    x = np.array([[r["logprobs"][e] - r["content_free"][e] for e in emos] for r in rows])
    y = np.array([emos.index(r["gold"]) for r in rows])
    counts = np.bincount(y, minlength=len(emos))
    w = np.array([len(rows) / (len(emos) * counts[k]) for k in y]) if len(rows) else np.zeros(0)
    return x, y, w


def loss(params: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    scale, bias = math.exp(params[0]), params[1:]
    z = scale * x + bias
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    nll = -(w * logp[np.arange(len(y)), y]).sum() / w.sum()
    return float(nll + L2 * (np.sum(bias ** 2) + params[0] ** 2))


def fit(rows: Sequence[dict]) -> tuple[float, dict[str, float], float]:
    """(scale, bias per emotion, final loss) on the rows."""
    x, y, w = _matrix(rows)
    res = minimize(loss, np.zeros(x.shape[1] + 1), args=(x, y, w), method="L-BFGS-B")
    bias = res.x[1:] - res.x[1:].mean()  # a shared shift changes nothing
    return round(math.exp(res.x[0]), 4), {e: round(float(b), 4) for e, b in zip(_emotions(rows), bias,
                                                                               strict=True)}, float(res.fun)


def evaluate(rows: Sequence[dict], cal: TextCalibration | None) -> dict[str, dict[str, float]]:
    """Accuracy and macro-F1 per language, worry+accusation accuracy, and on content-neutral sentences the mean
    and largest top probability of the reading and of what the fusion gets (neutral share spread flat)."""
    preds = {r["clip_id"]: calibrated(r["logprobs"], r["content_free"], cal) for r in rows}
    out: dict[str, dict[str, float]] = {}
    for lang in [*sorted({r["language"] for r in rows}), "all"]:
        part = [r for r in rows if lang in ("all", r["language"])]
        pred = [max(preds[r["clip_id"]], key=preds[r["clip_id"]].get) for r in part]
        m = classification_metrics([r["gold"] for r in part], pred)
        out[lang] = {"n": len(part), "accuracy": round(m.accuracy, 3), "macro_f1": round(m.macro_f1, 3)}
    wk = [r for r in rows if r["kind"] in ("worry", "accusation")]
    out["worry+accusation"] = {"n": len(wk), "right": sum(
        max(preds[r["clip_id"]], key=preds[r["clip_id"]].get) == r["gold"] for r in wk)}
    for kind in ("neutral", "everyday"):
        part = [r for r in rows if r["kind"] == kind]
        if part:
            top = [max(preds[r["clip_id"]].values()) for r in part]
            ev = [max(evidence_distribution(preds[r["clip_id"]]).values()) for r in part]
            out[kind] = {"n": len(part), "right": sum(max(preds[r["clip_id"]], key=preds[r["clip_id"]].get)
                                                      == "neutral" for r in part),
                         "reading_top_mean": round(float(np.mean(top)), 3),
                         "evidence_max_mean": round(float(np.mean(ev)), 3), "evidence_max": round(max(ev), 3)}
    emotional = [r for r in rows if r["gold"] != "neutral"]
    out["emotional: evidence max mean"] = {"n": len(emotional), "mean": round(float(np.mean(
        [max(evidence_distribution(preds[r["clip_id"]]).values()) for r in emotional])), 3)}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("readings", nargs="+", type=Path, help="scripts/eval_text_channel.py --out files (same model)")
    ap.add_argument("--write", type=Path, help="write the calibration to this YAML file")
    args = ap.parse_args(argv)
    data = [json.loads(p.read_text(encoding="utf-8")) for p in args.readings]
    if len({d["model"]["sha256"] for d in data}) != 1 or len({d["prompt_version"] for d in data}) != 1:
        ap.error("the readings come from different models or prompts")
    rows = [r for d in data for r in d["rows"]]
    fit_rows = [r for r in rows if r["split"] == "fit"]
    held = [r for r in rows if r["split"] == "heldout"]
    scale, bias, final = fit(fit_rows)
    model = data[0]["model"]
    cal = TextCalibration(version="1.0", model_sha256=model["sha256"], model_name=model["name"],
                          prompt_version=data[0]["prompt_version"], scale=scale, bias=bias,
                          fitted_on=f"{len(fit_rows)} fit-half sentences of the spoken set; loss {final:.3f}")
    print(f"scale {scale}, bias {json.dumps(bias)}")
    for name, c in (("content-free", None), ("fitted", cal)):
        print(f"{name:12s} fit:      {json.dumps(evaluate(fit_rows, c))}")
        if held:
            print(f"{name:12s} held-out: {json.dumps(evaluate(held, c))}")
    if args.write:
        text = (
            "# The text channel's calibration (pipeline/reasoning/text_calibration.py): calibrated score =\n"
            "# scale * (label log-likelihood - its mean on the content-free sentences) + bias, then a softmax.\n"
            "# Written by scripts/fit_text_calibration.py from scripts/eval_text_channel.py's raw scores on the\n"
            "# fit half of prompts/datasets/spoken/sentences.yaml; used only with this model and prompt version.\n"
            f'version: "{cal.version}"\n'
            f"model_name: {cal.model_name}\n"
            f"model_sha256: {cal.model_sha256}\n"
            f'prompt_version: "{cal.prompt_version}"\n'
            f'fitted_on: "{cal.fitted_on}"\n'
            f"scale: {cal.scale:g}\n"
            "bias: {" + ", ".join(f"{k}: {v:g}" for k, v in cal.bias.items()) + "}\n")
        write_text_atomic(args.write, text)
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
