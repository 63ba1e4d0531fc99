"""The text channel alone on the written sentences of the spoken development set (no speech recognition):
accuracy and macro-F1 per language and split, and seconds per sentence.

Usage: python scripts/eval_text_channel.py [--split heldout] [--model qwen2.5-1.5b] [--out FILE.json]

Separates what the LLM reads into the words from what speech recognition makes of espeak-ng's voice (its
Mandarin is not recognisable to whisper-base; real Chinese speech is).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from emer.pipeline.evaluation.metrics import classification_metrics
from emer.pipeline.inputs.spoken_set import spoken_items
from emer.pipeline.reasoning.reasoner import LLMConfig, Reasoner
from emer.pipeline.reasoning.text_calibration import evidence_distribution
from emer.pipeline.reasoning.text_channel import TextChannel
from emer.pipeline.records.vocab import canonical_label
from emer.pipeline.store.io import write_text_atomic


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="heldout", choices=["fit", "heldout", "all"])
    ap.add_argument("--model", help="LLM (default: the run default)")
    ap.add_argument("--out", type=Path, help="write the per-sentence readings and the metrics as JSON")
    args = ap.parse_args(argv)
    channel = TextChannel(Reasoner(LLMConfig(model=args.model) if args.model else LLMConfig()))
    items = [i for i in spoken_items() if args.split == "all" or i.split == args.split]
    rows = []
    t0 = time.perf_counter()
    for item in items:
        reading = channel.read(item.text)
        pred = max(reading.emotions, key=lambda e: reading.emotions[e])
        rows.append({"clip_id": item.clip_id, "language": item.language, "kind": item.kind,
                     "split": item.split, "gold": canonical_label(item.label), "pred": pred,
                     "emotions": reading.emotions, "logprobs": reading.logprobs,
                     "content_free": reading.content_free, "seconds": reading.seconds})
        print(f"{item.clip_id}\t{rows[-1]['gold']}\t{pred}\t{reading.seconds}", flush=True)
    seconds = (time.perf_counter() - t0) / max(len(items), 1)
    metrics = {}
    for lang in sorted({r["language"] for r in rows}) + ["all"]:
        part = [r for r in rows if lang in ("all", r["language"])]
        m = classification_metrics([r["gold"] for r in part], [r["pred"] for r in part])
        metrics[lang] = {"n": len(part), "accuracy": round(m.accuracy, 3), "macro_f1": round(m.macro_f1, 3)}
    for kind in ("neutral", "everyday"):  # content-neutral sentences: how peaked is what the fusion gets
        part = [r for r in rows if r["kind"] == kind]
        if part:
            metrics[f"{kind}: max evidence probability"] = {"n": len(part), "mean": round(sum(
                max(evidence_distribution(r["emotions"]).values()) for r in part) / len(part), 3), "max": max(
                max(evidence_distribution(r["emotions"]).values()) for r in part)}
    wk = [r for r in rows if r["kind"] in ("worry", "accusation")]
    metrics["worry+accusation"] = {"n": len(wk), "accuracy": round(sum(r["gold"] == r["pred"] for r in wk)
                                                                   / max(len(wk), 1), 3)}
    print(json.dumps({"split": args.split, "seconds_per_sentence": round(seconds, 3), "metrics": metrics}, indent=1))
    if args.out:
        model = channel.reasoner.model
        write_text_atomic(args.out, json.dumps({
            "model": {"name": model.name, "sha256": model.sha256}, "prompt_version": channel.prompt.version,
            "calibration": channel.fitted.version if channel.fitted else "content-free", "metrics": metrics,
            "rows": rows}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
