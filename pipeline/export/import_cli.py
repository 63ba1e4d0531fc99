"""`emer import label-studio EXPORT.json OUT [--annotator EMAIL]`: a review round's annotations (a Label Studio JSON
export of the project `emer export --format label-studio` made) stored as the run's gold, OUT/review/gold.json,
without touching the run's own files. `emer evaluate OUT --gold OUT/review/gold.json` scores against it, `emer export
OUT --gold OUT/review/gold.json` carries the corrections, `emer evaluate OUT --agreement` compares the annotators."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def cmd_import_label_studio(args: argparse.Namespace) -> int:
    """Read the export against the run, write OUT/review/gold.json, print what the reviewers changed."""
    from emer.pipeline.evaluation.review import import_review, read_users, write_review

    users = read_users(args.users) if args.users else None
    review = import_review(args.export, args.out, annotator=args.annotator, users=users)
    path = write_review(args.out, review)
    gold = [review.annotations[i] for i in review.gold.values()]
    annotators = sorted({a.annotator for a in review.annotations})
    print(f"imported {len(review.annotations)} annotations of {len(review.gold)} clips by {len(annotators)} "
          f"annotator(s) ({', '.join(annotators)}) to {path}")
    print(f"gold: {sum(a.label_changed for a in gold)} labels changed, {sum(a.words_changed for a in gold)} word "
          f"lists changed, {sum(a.explanation_changed for a in gold)} explanations edited, "
          f"{sum(a.unusable for a in gold)} clips marked unusable")
    if review.without_result:
        print(f"annotated clips without a result in {args.out}: {', '.join(review.without_result)}")
    return 0


def add_commands(sub: Any) -> None:
    """Register `import` on the `emer` command's subparsers (the `emer.commands` entry point)."""
    im = sub.add_parser("import", help="bring reviewed annotations back as a run's gold")
    kinds = im.add_subparsers(dest="source", required=True, metavar="SOURCE")
    ls = kinds.add_parser("label-studio", help="a Label Studio JSON export of an `emer export --format "
                          "label-studio` project -> OUT/review/gold.json")
    ls.add_argument("export", type=Path, help="the project's JSON export (Export > JSON)")
    ls.add_argument("out", type=Path, help="the run folder that was reviewed")
    ls.add_argument("--annotator", metavar="EMAIL",
                    help="take this annotator's annotations as the gold (default: each clip's latest annotation)")
    ls.add_argument("--users", type=Path, metavar="USERS.json",
                    help="Label Studio's user list (GET /api/users/), so annotators are named by email: the JSON "
                    "export names them by user id only")
    ls.set_defaults(func=cmd_import_label_studio)
