"""Per-clip view of an `emer ablate` folder's explanations: for each variant and clip, the label (and gold, from the
clip id for CREMA-D), the explanation checked as an explanation of its label, the LLM passes' tokens and
seconds against llama.cpp's own time.

    python scripts/explanations.py OUT/ablation-folder [--text] [--recheck] [--summary]

--recheck reads each explanation again with today's checker against the clip's evidence.json and clue files (for
run folders written before the explanation checks existed, or to count every variant with the same checker).
--summary prints only the issue-12 table, one row per variant folder: accuracy and judge score from the folder's
evaluation.json, coherent share, clips with percentages or lists, interpretation errors, invented numbers,
instructions repeated, contradicted or invented claims about the measurements (interpretations not counted again),
seconds per clip (clue compute plus reasoning, as `emer ablate` counts it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emer.pipeline.clues import load_clue
from emer.pipeline.evaluation.metrics import EvaluationReport, load_results
from emer.pipeline.evidence import EvidenceSummary
from emer.pipeline.reasoning.checker import check_reasoning
from emer.pipeline.reasoning.explain import explanation_quality
from emer.pipeline.results import ExplanationQuality, Result


def recheck(folder: Path, r: Result) -> ExplanationQuality | None:
    """The result's explanation checked again as an explanation of its label."""
    p = r.prediction
    clip = folder / r.clip_id
    if p is None or not (clip / "evidence.json").is_file():
        return None
    evidence = EvidenceSummary.model_validate_json((clip / "evidence.json").read_text(encoding="utf-8"))
    clues = {c.kind: load_clue(clip / c.file) for c in r.clues if (clip / c.file).is_file()}
    return explanation_quality(check_reasoning(p.reasoning, evidence, clues, label=p.label, explanation=True))


def summary_row(folder: Path, results: list[Result], recheck_all: bool) -> str:
    """One Markdown row of the issue-12 table for a run folder (see the module doc)."""
    quality = [recheck(folder, r) if recheck_all else r.prediction.quality for r in results]
    quality = [q for q in quality if q is not None]
    report_file = folder / "evaluation.json"
    report = EvaluationReport.model_validate_json(report_file.read_text(encoding="utf-8")) \
        if report_file.is_file() else None
    acc = report.classification.accuracy if report and report.classification else None
    judge = report.reference.judge_mean if report and report.reference else None
    seconds = [sum(r.timings.get(c.extractor, 0.0) for c in r.clues) + r.timings.get("reason", 0.0)
               for r in results]
    n = len(quality)
    measured = sum(q.contradicted + q.invented - q.interpretation_errors for q in quality)
    return (f"| {folder.name} | {len(results)} | {'' if acc is None else f'{acc:.3f}'} | "
            f"{sum(q.coherent for q in quality)}/{n} | {sum(bool(q.percentages or q.lists) for q in quality)} | "
            f"{sum(q.interpretation_errors for q in quality)} | {sum(q.invented_numbers for q in quality)} | "
            f"{sum(q.instructions_repeated for q in quality)} | {measured} | "
            f"{'' if judge is None else f'{judge:.2f}'} | "
            f"{sum(seconds) / len(seconds):.1f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--text", action="store_true", help="print each explanation and its emotion words")
    parser.add_argument("--recheck", action="store_true", help="check the explanations again with this checker")
    parser.add_argument("--summary", action="store_true", help="only the table of the explanation goals")
    args = parser.parse_args(argv)
    folders = [args.folder] if (args.folder / "results.jsonl").is_file() else \
        sorted(p for p in args.folder.iterdir() if p.is_dir() and not p.name.startswith("_"))
    if args.summary:
        print("| variant | clips | accuracy | coherent | clips with %/lists | interpretation errors | invented numbers "
              "| instructions repeated | contradicted or invented measurements | judge score | seconds per clip |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for variant in folders:
            results = [r for r in load_results(variant) if r.prediction is not None]
            print(summary_row(variant, results, args.recheck))
        return 0
    for variant in folders:
        results = [r for r in load_results(variant) if r.prediction is not None]
        print(f"\n## {variant.name}\n")
        print("| clip | label | llm | evidence | coherent | %/list | interp. err | numbers | tokens eval+gen | "
              "LLM s | llama.cpp s | passes |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in sorted(results, key=lambda r: r.clip_id):
            p, g = r.prediction, r.generation
            q = recheck(variant, r) if args.recheck else p.quality
            passes = " ".join(f"{x.name}:{x.evaluated_tokens}+{x.generated_tokens}/{x.reused_tokens}r"
                              for x in (g.passes if g else []))
            print(f"| {r.clip_id} | {p.label} | {p.llm_label} | {p.evidence_label} | "
                  f"{q.coherent if q else ''} | {(q.percentages + q.lists) if q else ''} | "
                  f"{q.interpretation_errors if q else ''} | {q.invented_numbers if q else ''} | "
                  f"{(g.evaluated_tokens + g.generated_tokens) if g else ''} | {g.llm_seconds if g else ''} | "
                  f"{g.llama_seconds if g else ''} | {passes} |")
        if args.text:
            for r in sorted(results, key=lambda r: r.clip_id):
                p = r.prediction
                print(f"\n- **{r.clip_id}** ({p.label}; words: {', '.join(p.open_vocab)}): {p.reasoning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
