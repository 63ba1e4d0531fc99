"""`emer report OUT`: the static HTML report of a run folder (the `emer.commands` entry point `report`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emer.pipeline.records.errors import ConfigError


def cmd_report(args: argparse.Namespace) -> int:
    """Write OUT/report/index.html (or -o DEST) and its images; with gold, the scores and misses too."""
    from emer.pipeline.evaluation.gold import gold_from_names, load_gold_csv
    from emer.pipeline.evaluation.metrics import evaluate_results, load_report, load_results
    from emer.pipeline.report.build import build_report

    gold = None
    evaluation = None
    if args.gold is not None or args.gold_from_names:
        results = load_results(args.out)
        if args.gold is not None:
            gold, gold_name = load_gold_csv(args.gold), str(args.gold)
        else:
            gold = gold_from_names([r.clip_id for r in results], args.gold_from_names)
            gold_name = f"names:{args.gold_from_names}"
        if not gold:
            raise ConfigError(f"the gold ({gold_name}) covers none of the {len(results)} clips in {args.out}")
        evaluation = evaluate_results(results, gold, run=str(args.out), gold_name=gold_name, embed=False)
    elif (args.out / "evaluation.json").is_file():  # what `emer evaluate` last wrote, unless the run changed since
        saved, results_file = args.out / "evaluation.json", args.out / "results.jsonl"
        if results_file.is_file() and saved.stat().st_mtime < results_file.stat().st_mtime:
            print(f"report: {saved} is older than {results_file}: not shown (give --gold to score the run)",
                  file=sys.stderr)
        else:
            evaluation = load_report(saved)

    def progress(clip_id: str) -> None:
        if not args.quiet:
            print(f"report: {clip_id}", file=sys.stderr)

    index = build_report(args.out, args.output, evaluation=evaluation, gold=gold, progress=progress)
    print(f"written: {index}")
    print(f"open: {index.resolve().as_uri()}")
    return 0


def add_commands(sub: Any) -> None:
    """Register `report` on the `emer` command's subparsers (the `emer.commands` entry point)."""
    p = sub.add_parser("report", help="write a static HTML report of a run folder (index.html plus images)")
    p.add_argument("out", type=Path, help="a run's output folder (holding results.jsonl)")
    p.add_argument("-o", "--output", type=Path, metavar="DEST", help="report folder (default: OUT/report)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--gold", type=Path, metavar="CSV",
                       help="gold CSV (clip id and label columns): adds accuracy, macro-F1, the confusion matrix "
                       "and the misses (without it, OUT/evaluation.json is shown when `emer evaluate` wrote one)")
    group.add_argument("--gold-from-names", metavar="DATASET",
                       help="gold labels from file names: crema-d, ravdess, emodb or polish")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_report)
