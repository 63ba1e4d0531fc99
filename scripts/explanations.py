"""Per-clip view of an `emer ablate` folder's explanations: for each variant and clip, the label (and gold, from the
clip id for CREMA-D), the explanation checked as an explanation of its label, the LLM passes' tokens and
seconds against llama.cpp's own time.

    python scripts/explanations.py OUT/ablation-folder [--text]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.evaluation.metrics import load_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--text", action="store_true", help="print each explanation and its emotion words")
    args = parser.parse_args(argv)
    for variant in sorted(p for p in args.folder.iterdir() if p.is_dir() and not p.name.startswith("_")):
        results = [r for r in load_results(variant) if r.prediction is not None]
        print(f"\n## {variant.name}\n")
        print("| clip | label | llm | evidence | coherent | %/list | interp. err | numbers | tokens eval+gen | "
              "LLM s | llama.cpp s | passes |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in sorted(results, key=lambda r: r.clip_id):
            p, g = r.prediction, r.generation
            q = p.quality
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
