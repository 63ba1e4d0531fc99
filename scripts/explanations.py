"""Per-clip view of an `emer ablate` folder's explanations: for each variant and clip, the label (and gold, from the
clip id for CREMA-D), the explanation checked as an explanation of its label, the LLM passes' tokens and
seconds against llama.cpp's own time.

    python scripts/explanations.py OUT/ablation-folder [--text] [--recheck]

--recheck reads each explanation again with today's checker against the clip's evidence.json and clue files (for
run folders written before the explanation checks existed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from emer.pipeline.clues import load_clue
from emer.pipeline.evaluation.metrics import load_results
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--text", action="store_true", help="print each explanation and its emotion words")
    parser.add_argument("--recheck", action="store_true", help="check the explanations again with this checker")
    args = parser.parse_args(argv)
    folders = [args.folder] if (args.folder / "run-summary.json").is_file() else \
        sorted(p for p in args.folder.iterdir() if p.is_dir() and not p.name.startswith("_"))
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
