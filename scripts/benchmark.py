"""Benchmark: stage-by-stage time, real-time factor, peak memory of the clues; then the whole pipeline per LLM
on the six CREMA-D video clips: seconds per clip by step, accuracy of the fused, LLM and evidence labels, the
reasoning check, and label-order sensitivity (labels shown as the set gives them, forward and reversed).
Not a test: it measures and prints.

    python scripts/benchmark.py [--llms qwen2.5-1.5b,qwen2.5-0.5b] [--out out/bench]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

import extractors
from pipeline.clip import decode_clip
from pipeline.config import DEFAULT_EXTRACTORS, load_config
from pipeline.datasets import fetch_samples
from pipeline.evaluation.metrics import load_results
from pipeline.io import write_json_atomic, write_text_atomic
from pipeline.models import ModelStore
from pipeline.runner import Pipeline
from pipeline.vocab import label_from_name

LABELS = Path(__file__).parent / "labels"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def gold_label(clip_id: str) -> str:
    label = label_from_name(clip_id, "crema-d")
    assert label is not None, f"{clip_id} is not a CREMA-D file name"
    return label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llms", default="qwen2.5-1.5b")
    parser.add_argument("--forward-only", action="store_true",
                        help="time the default pipeline only, without the label-order passes")
    parser.add_argument("--out", type=Path, default=Path("out/bench"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    clips = sorted((fetch_samples() / "video").glob("*.flv"))
    store = ModelStore()
    report: dict = {"clips": [c.name for c in clips], "stages": {}, "llms": {}}

    exs = [extractors.get(n)(None, store) for n in DEFAULT_EXTRACTORS]
    loads = {}
    for ex in exs:
        t = time.perf_counter()
        ex.load()
        loads[ex.name] = round(time.perf_counter() - t, 3)
    report["model_load_s"] = loads
    rows = []
    decoded = {}
    for path in clips:
        t = time.perf_counter()
        clip = decode_clip(path)
        row = {"clip": clip.clip_id, "duration_s": clip.info.duration_s, "decode": time.perf_counter() - t}
        clues = []
        for ex in exs:
            t = time.perf_counter()
            clue = ex.extract(clip)
            row[ex.name] = time.perf_counter() - t
            for step, seconds in clue.timings.items():
                if step != "total":
                    row[f"{ex.name}.{step}"] = seconds
            clues.append(clue)
        decoded[clip.clip_id] = (clip.info, clues)
        row["clues_total"] = sum(v for k, v in row.items() if k in {"decode", *DEFAULT_EXTRACTORS})
        row["rtf_clues"] = row["clues_total"] / clip.info.duration_s
        rows.append(row)
    report["stages"] = rows
    report["peak_rss_mb_after_clues"] = round(peak_rss_mb(), 1)

    video = fetch_samples() / "video"
    for name in args.llms.split(","):
        per_order = {}
        orders = (("forward", "crema-d", "sorted"), ("given", "crema-d", "given"),
                  ("given-reversed", str(LABELS / "crema-d-reversed.yaml"), "given"))
        for order, label_set, label_order in orders[:1] if args.forward_only else orders:
            config = load_config(overrides={"llm": {"model": name, "label_order": label_order},
                                            "label_set": label_set})
            out = args.out / name / order
            shutil.rmtree(out, ignore_errors=True)
            pipeline = Pipeline(config, store)
            t = time.perf_counter()
            pipeline.run(video, out)
            wall = time.perf_counter() - t
            per_order[order] = (wall, load_results(out), pipeline.reasoner.load_seconds if pipeline.reasoner else 0)
        wall, results, load_s = per_order["forward"]
        ok = [r for r in results if r.prediction is not None]
        preds = {r.clip_id: r.prediction for r in ok}
        gen = [r.generation for r in ok if r.generation]
        same = {o: sum(preds[r.clip_id].label == r.prediction.label for r in per_order[o][1] if r.prediction)
                if o in per_order else 0 for o in ("given", "given-reversed")}
        clips = [{"clip": r.clip_id, "gold": gold_label(r.clip_id), "label": r.prediction.label,
                  "llm_label": r.prediction.llm_label, "evidence_label": r.prediction.evidence_label,
                  "reversed": next((x.prediction.label for x in per_order.get("given-reversed", (0, []))[1]
                                    if x.clip_id == r.clip_id and x.prediction), "-"),
                  "attempts": r.prediction.reasoning_attempts, "reason_s": r.timings.get("reason"),
                  "total_s": r.timings.get("total"), "reasoning": r.prediction.reasoning} for r in ok]
        report["llms"][name] = {
            "load_s": round(load_s, 2),
            "accuracy": sum(c["label"] == c["gold"] for c in clips) / len(clips),
            "llm_accuracy": sum(c["llm_label"] == c["gold"] for c in clips) / len(clips),
            "evidence_accuracy": sum(c["evidence_label"] == c["gold"] for c in clips) / len(clips),
            "same_label_given_order": same["given"] / len(clips),
            "same_label_given_reversed": same["given-reversed"] / len(clips),
            "seconds_per_clip": round(sum(r.timings.get("total", 0) for r in ok) / len(ok), 2),
            "reason_seconds_per_clip": round(sum(r.timings.get("reason", 0) for r in ok) / len(ok), 2),
            "wall_s": round(wall, 1),
            "prompt_tokens_mean": round(sum(g.prompt_tokens for g in gen) / len(gen)),
            "reasoning_tokens_mean": round(sum(g.reasoning_tokens for g in gen) / len(gen), 1),
            "reasoning_s_mean": round(sum(g.reasoning_seconds for g in gen) / len(gen), 2),
            "scoring_s_mean": round(sum(g.scoring_seconds for g in gen) / len(gen), 2),
            "words_s_mean": round(sum(g.words_seconds for g in gen) / len(gen), 2),
            "rewritten": sum(c["attempts"] > 1 for c in clips),
            "contradictions": sum(r.prediction.check.contradictions for r in ok if r.prediction.check),
            "invented": sum(r.prediction.check.invented for r in ok if r.prediction.check),
            "truncated": sum(r.prediction.reasoning_truncated for r in ok),
            "clips": clips,
        }
        report["peak_rss_mb_after_" + name] = round(peak_rss_mb(), 1)
    write_json_atomic(args.out / "benchmark.json", report)
    print(render(report))
    write_text_atomic(args.out / "benchmark.md", render(report))


def render(report: dict) -> str:
    lines = ["## Clue stages (seconds per clip)", ""]
    stage_keys = ["decode", *DEFAULT_EXTRACTORS, "clues_total", "rtf_clues"]
    lines.append("| clip | dur s | " + " | ".join(stage_keys) + " |")
    lines.append("|---" * (len(stage_keys) + 2) + "|")
    for r in report["stages"]:
        lines.append(f"| {r['clip']} | {r['duration_s']:.2f} | " + " | ".join(f"{r[k]:.3f}" for k in stage_keys) + " |")
    n = len(report["stages"])
    mean = {k: sum(r[k] for r in report["stages"]) / n for k in stage_keys}
    lines.append("| mean | | " + " | ".join(f"{mean[k]:.3f}" for k in stage_keys) + " |")
    sub = sorted({k for r in report["stages"] for k in r if "." in k})
    lines += ["", "Sub-steps (mean s): " + ", ".join(
        f"{k} {sum(r.get(k, 0) for r in report['stages']) / n:.3f}" for k in sub)]
    lines += ["", f"Model load (s): {report['model_load_s']}",
              f"Peak RSS after clues: {report['peak_rss_mb_after_clues']} MB", "",
              "## End to end on the six clips (CREMA-D labels; default pipeline per LLM)", "",
              "| model | accuracy | LLM alone | evidence alone | same label, given order | same, reversed | "
              "s/clip | reason s/clip | reasoning s | scoring s | words s | prompt tok | rewritten | "
              "contradictions | invented | truncated | peak RSS MB |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, m in report["llms"].items():
        lines.append(
            f"| {name} | {m['accuracy']:.2f} | {m['llm_accuracy']:.2f} | {m['evidence_accuracy']:.2f} | "
            f"{m['same_label_given_order']:.2f} | {m['same_label_given_reversed']:.2f} | {m['seconds_per_clip']} | "
            f"{m['reason_seconds_per_clip']} | {m['reasoning_s_mean']} | {m['scoring_s_mean']} | "
            f"{m['words_s_mean']} | {m['prompt_tokens_mean']} | {m['rewritten']} | {m['contradictions']} | "
            f"{m['invented']} | {m['truncated']} | {report['peak_rss_mb_after_' + name]} |")
    lines += ["", "Labels per clip (gold: fused / LLM / evidence / reversed list):"]
    for name, m in report["llms"].items():
        lines.append(f"- {name}: " + ", ".join(
            f"{c['clip'][9:12]} {c['label']}/{c['llm_label']}/{c['evidence_label']}/{c['reversed']}"
            for c in m["clips"]))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
