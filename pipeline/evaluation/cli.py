"""`emer evaluate` and `emer ablate`: score a run against gold, and compare config variants on one folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emer.pipeline.records.errors import ConfigError


def _add_gold_options(p: argparse.ArgumentParser, required: bool = True) -> None:
    group = p.add_mutually_exclusive_group(required=required)
    group.add_argument("--gold", type=Path, metavar="FILE",
                       help="gold CSV: clip id and label columns (optional: open_vocab words, reference text); or a "
                       "review: OUT/review/gold.json (emer import label-studio) or a Label Studio JSON export")
    group.add_argument("--gold-from-names", metavar="DATASET",
                       help="labels from file names: crema-d, ravdess, emodb or polish "
                       "(prompts/vocab/filename_labels.yaml)")
    p.add_argument("--ov-from-label", action="store_true",
                   help="open-vocabulary scores against the gold label when the gold has no emotion words")
    p.add_argument("--ov-level", choices=["secondary", "primary", "word"], default="secondary",
                   help="emotion-wheel level that open-vocabulary words are grouped at (default: secondary)")


def _gold(args: argparse.Namespace, clip_ids: list[str], out: Path | None = None) -> tuple[dict, str]:
    """The gold the options name; clips a reviewer marked unusable are left out (with a line saying so)."""
    from emer.pipeline.evaluation.gold import gold_from_names
    from emer.pipeline.evaluation.review import load_gold

    if args.gold is None:
        return gold_from_names(clip_ids, args.gold_from_names), f"names:{args.gold_from_names}"
    gold = load_gold(args.gold, out)
    unusable = sorted(c for c, g in gold.items() if g.unusable)
    if unusable:
        print(f"left out, marked unusable by the reviewer: {', '.join(unusable)}", file=sys.stderr)
    return {c: g for c, g in gold.items() if not g.unusable}, str(args.gold)


def cmd_agreement(args: argparse.Namespace) -> int:
    """Annotator agreement of a run's review: print it, write OUT/review/agreement.{json,md}."""
    from emer.pipeline.evaluation.agreement import agreement, format_agreement
    from emer.pipeline.evaluation.review import gold_path, read_review
    from emer.pipeline.store.io import write_model_atomic, write_text_atomic

    path = args.gold or gold_path(args.out)
    if not Path(path).is_file():
        raise ConfigError(f"{path}: no review to measure agreement on; run emer import label-studio EXPORT.json "
                          f"{args.out} first (or give --gold EXPORT.json)")
    review = read_review(path, args.out)
    report = agreement(review, str(path))
    text = format_agreement(report)
    folder = Path(args.out) / "review"
    write_model_atomic(folder / "agreement.json", report)
    write_text_atomic(folder / "agreement.md", text)
    print(text)
    print(f"written: {folder / 'agreement.json'}, {folder / 'agreement.md'}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score a run folder against gold; print the report and write evaluation.json and evaluation.md."""
    from emer.pipeline.evaluation.judge import Judge, JudgeConfig
    from emer.pipeline.evaluation.metrics import evaluate_results, format_report, load_results, write_report

    if args.agreement:
        return cmd_agreement(args)
    if args.gold is None and args.gold_from_names is None:
        raise ConfigError("emer evaluate: give --gold FILE or --gold-from-names DATASET (or --agreement)")
    results = load_results(args.out)
    gold, gold_name = _gold(args, [r.clip_id for r in results], args.out)
    if not gold:
        raise ConfigError(f"the gold ({gold_name}) covers none of the {len(results)} clips in {args.out}")
    judge = None
    if args.judge:
        judge = Judge(JudgeConfig(model=args.judge, seed=args.seed, n_threads=args.threads))
    report = evaluate_results(results, gold, run=str(args.out), gold_name=gold_name, ov_level=args.ov_level,
                              ov_from_label=args.ov_from_label, judge=judge, embed=not args.no_embed)
    json_path, md_path = write_report(args.out, report)
    print(format_report(report))
    print(f"written: {json_path}, {md_path}")
    return 0


def cmd_ablate(args: argparse.Namespace) -> int:
    """Run the variants, evaluate each, write and print the comparison; exit 3 if a variant failed."""
    from emer.pipeline.evaluation.ablate import run_ablation
    from emer.pipeline.evaluation.ablation_table import write_ablation
    from emer.pipeline.evaluation.variants import Variant, load_variants, parse_variant
    from emer.pipeline.inputs.listing import list_clips
    from emer.pipeline.run.config import name_list, run_overrides
    from emer.pipeline.run.observer import Observer
    from emer.pipeline.run.progress import ProgressBar

    base: dict[str, Any] = {}
    variants = []
    if args.variants:
        base, variants = load_variants(args.variants)
    variants += [parse_variant(v) for v in args.variant or []]
    if not variants:
        raise ConfigError("emer ablate: give variants with --variant NAME=OPTIONS or --variants FILE")
    chosen = [{"name": n} for n in name_list(args.extractors)] if args.extractors else None
    flags = {"label_set": args.labels, "llm.model": args.model, "llm.n_threads": args.threads, "extractors": chosen}
    base = run_overrides(base, {key: value for key, value in flags.items() if value is not None})
    clips, _ = list_clips(args.folder)
    gold, gold_name = _gold(args, [cid for cid, _ in clips])
    bars: list[ProgressBar] = []

    def observers(variant: Variant, total: int) -> list[Observer]:
        print(f"variant {variant.name}", file=sys.stderr)
        bars.append(ProgressBar(total=total, quiet=args.quiet))
        return [bars[-1]]

    judge = None
    if args.judge:
        from emer.pipeline.evaluation.judge import Judge, JudgeConfig

        judge = Judge(JudgeConfig(model=args.judge, n_threads=args.threads))
    report = run_ablation(args.folder, args.out, variants, gold, gold_name, base=base, config_file=args.config,
                          ov_from_label=args.ov_from_label, observers=observers, judge=judge)
    for bar in bars:
        bar.close()
    paths = write_ablation(args.out, report)
    print(paths["md"].read_text(encoding="utf-8"))
    print("written: " + ", ".join(str(p) for p in paths.values()))
    return 0 if all(r.status == "ok" for r in report.rows) else 3


def add_commands(sub: Any) -> None:
    """Register `evaluate` and `ablate` on the `emer` command's subparsers (the `emer.commands` entry point)."""
    ev = sub.add_parser("evaluate", help="score a run folder against gold labels, emotion words or references")
    ev.add_argument("out", type=Path, help="a run's output folder (holding results.jsonl)")
    _add_gold_options(ev, required=False)
    ev.add_argument("--agreement", action="store_true",
                    help="agreement of the review's annotators instead (OUT/review/gold.json, or --gold EXPORT.json): "
                    "Cohen's and Fleiss' kappa on labels, emotion-word overlap, the clips they disagree on")
    ev.add_argument("--judge", metavar="MODEL",
                    help="score reasoning against gold reference texts with this local LLM (name or GGUF path)")
    ev.add_argument("--seed", type=int, default=1234,
                    help="unused: the judge decodes greedily (kept so older commands run)")
    ev.add_argument("--threads", type=int, help="CPU threads for the judge")
    ev.add_argument("--no-embed", action="store_true", help="skip the embedding similarity of reference texts")
    ev.set_defaults(func=cmd_evaluate)

    ab = sub.add_parser("ablate", help="run config variants on a folder, evaluate each, write a comparison")
    ab.add_argument("folder", type=Path, help="a folder of clips")
    ab.add_argument("-o", "--out", type=Path, default=Path("out/ablation"), help="output root (default out/ablation)")
    ab.add_argument("--variant", action="append", metavar="NAME=OPTIONS",
                    help="e.g. all=  no-face=drop=face  text-only=drop=face,prosody,scene  qwen=model=qwen2.5-0.5b")
    ab.add_argument("--variants", type=Path, metavar="FILE",
                    help="YAML: optional `base`, and `variants: {NAME: {...}}`")
    ab.add_argument("-c", "--config", type=Path, help="base run config file (YAML or JSON)")
    ab.add_argument("--extractors", help="base extractors, comma-separated (default: all)")
    ab.add_argument("--labels", help="label set for every variant")
    ab.add_argument("--model", help="LLM for every variant (a variant may override it)")
    ab.add_argument("--threads", type=int, help="CPU threads for the LLM")
    ab.add_argument("--judge", metavar="MODEL", help="score each variant's explanations against the gold CSV's "
                    "reference column with this local LLM (judge_score column)")
    ab.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    _add_gold_options(ab)
    ab.set_defaults(func=cmd_ablate)
