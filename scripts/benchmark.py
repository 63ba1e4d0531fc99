"""Benchmark: stage-by-stage time, real-time factor, peak memory; label accuracy and label-order sensitivity
of each offline LLM on the six CREMA-D video clips. Not a test: it measures and prints.

    python scripts/benchmark.py [--llms smollm2-135m,qwen2.5-0.5b,qwen2.5-1.5b] [--out out/bench]
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import extractors
from pipeline.clip import decode_clip
from pipeline.config import DEFAULT_EXTRACTORS, load_config
from pipeline.gold import label_from_name
from pipeline.io import write_json_atomic, write_text_atomic
from pipeline.models import ModelStore
from pipeline.prompt import load_label_set, load_template, render_prompt
from pipeline.reasoner import Reasoner
from pipeline.samples import fetch_samples


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def gold_label(clip_id: str) -> str:
    label = label_from_name(clip_id, "crema-d")
    assert label is not None, f"{clip_id} is not a CREMA-D file name"
    return label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llms", default="smollm2-135m,qwen2.5-0.5b,qwen2.5-1.5b")
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

    template = load_template("default")
    forward = load_label_set("crema-d")
    reverse = forward.model_copy(update={"labels": list(reversed(forward.labels))})
    for name in args.llms.split(","):
        cfg = load_config(overrides={"llm": {"model": name}, "label_set": "crema-d"}).llm
        reasoner = Reasoner(cfg, store)
        t = time.perf_counter()
        reasoner._llm()
        load_s = time.perf_counter() - t
        per_clip = []
        for order, label_set in (("forward", forward), ("reversed", reverse)):
            for clip_id, (info, clues) in decoded.items():
                prompt = render_prompt(template, info, clues, label_set)
                t = time.perf_counter()
                pred, stats, raw = reasoner.reason(prompt, label_set, [c.kind for c in clues if c.status == "ok"])
                seconds = time.perf_counter() - t
                per_clip.append({
                    "order": order, "clip": clip_id, "gold": gold_label(clip_id), "label": pred.label,
                    "confidence": pred.confidence, "seconds": round(seconds, 2), **stats.model_dump(),
                    "reasoning": pred.reasoning, "truncated": pred.reasoning_truncated,
                })
                if order == "forward":
                    write_text_atomic(args.out / name / f"{clip_id}.prompt.txt", prompt.as_text())
        fwd = [r for r in per_clip if r["order"] == "forward"]
        rev = {r["clip"]: r["label"] for r in per_clip if r["order"] == "reversed"}
        gen_tokens = sum(r["reasoning_tokens"] + r["decision_tokens"] for r in fwd)
        report["llms"][name] = {
            "load_s": round(load_s, 2),
            "accuracy": sum(r["label"] == r["gold"] for r in fwd) / len(fwd),
            "accuracy_reversed": sum(rev[r["clip"]] == r["gold"] for r in fwd) / len(fwd),
            "same_label_when_reversed": sum(rev[r["clip"]] == r["label"] for r in fwd) / len(fwd),
            "seconds_per_clip": round(sum(r["seconds"] for r in fwd) / len(fwd), 2),
            "prompt_tokens_mean": round(sum(r["prompt_tokens"] for r in fwd) / len(fwd)),
            "reasoning_tok_per_s": round(sum(r["reasoning_tokens"] for r in fwd)
                                         / sum(r["reasoning_seconds"] for r in fwd), 2),
            "decision_tok_per_s": round(sum(r["decision_tokens"] for r in fwd)
                                        / sum(r["decision_seconds"] for r in fwd), 2),
            "generated_tokens_per_clip": round(gen_tokens / len(fwd), 1),
            "truncated": sum(r["truncated"] for r in fwd),
            "clips": per_clip,
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
              "## LLMs on the six clips (CREMA-D labels)", "",
              "| model | load s | accuracy | acc. reversed | same label reversed | s/clip | prompt tok | "
              "reason tok/s | decision tok/s | gen tok/clip | truncated | peak RSS MB |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, m in report["llms"].items():
        lines.append(
            f"| {name} | {m['load_s']} | {m['accuracy']:.2f} | {m['accuracy_reversed']:.2f} | "
            f"{m['same_label_when_reversed']:.2f} | {m['seconds_per_clip']} | {m['prompt_tokens_mean']} | "
            f"{m['reasoning_tok_per_s']} | {m['decision_tok_per_s']} | {m['generated_tokens_per_clip']} | "
            f"{m['truncated']} | {report['peak_rss_mb_after_' + name]} |")
    lines += ["", "Labels (forward / reversed):"]
    for name, m in report["llms"].items():
        fwd = {r["clip"]: r["label"] for r in m["clips"] if r["order"] == "forward"}
        rev = {r["clip"]: r["label"] for r in m["clips"] if r["order"] == "reversed"}
        lines.append(f"- {name}: " + ", ".join(f"{c[9:12]} {fwd[c]}/{rev[c]}" for c in fwd))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
