"""Per-clip view of an `emer ablate` folder's explanations: for each variant and clip, the label (and gold, from the
clip id for CREMA-D), the explanation checked as an explanation of its label, the LLM passes' tokens and
seconds against llama.cpp's own time.

    python scripts/explanations.py OUT/ablation-folder [--text] [--recheck] [--summary]

--recheck reads each explanation again with today's checker against the clip's evidence.json and clue files (for
run folders written before the explanation checks existed, or to count every variant with the same checker).
--summary prints only the table of the explanation goals (issues 12 and 19), one row per variant folder: accuracy,
open-vocabulary F1 and judge score from the folder's evaluation.json, coherent share, covered (every channel with
at least a fifth of the decision described), explanations denying the words' reading or the face's classifier
reading, clips with percentages or lists, interpretation errors, invented numbers, instructions repeated,
contradicted or invented claims about the measurements (interpretations not counted again), the explanation
pass's generated tokens and seconds, the emotion-words pass's seconds, seconds per clip (clue compute plus
reasoning, as `emer ablate` counts it).

Folders written by an older emer (result schema 1.2, evidence without channels) are read too: their results are
taken as they are and, with --recheck, their evidence gets its channel records rebuilt from its modalities, so
old and new explanations are counted by the same checker.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from emer.pipeline.evaluation.metrics import EvaluationReport
from emer.pipeline.evidence.channels import channel_readings
from emer.pipeline.reasoning.checker import check_reasoning
from emer.pipeline.reasoning.cues import phrases
from emer.pipeline.reasoning.explain import explanation_quality
from emer.pipeline.records.evidence import EVIDENCE_SCHEMA_VERSION, EvidenceSummary
from emer.pipeline.records.results import RESULT_SCHEMA_VERSION, ExplanationQuality, Result
from emer.pipeline.records.text import split_sentences
from emer.pipeline.store.io import load_clue


def load_results(folder: Path) -> list[Result]:
    """The folder's results (results.jsonl), those of an older schema read as today's."""
    out = []
    for line in (folder / "results.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            data["schema_version"] = RESULT_SCHEMA_VERSION
            out.append(Result.model_validate(data))
    return out


def load_evidence(path: Path, clues: dict) -> EvidenceSummary:
    """evidence.json; one of an older schema (before the channels, or before a voice with no speech in it was a
    missing channel) gets its channels rebuilt from its modalities, over the emotions it fused."""
    data = json.loads(path.read_text(encoding="utf-8"))
    old = data.get("schema_version") != EVIDENCE_SCHEMA_VERSION
    data["schema_version"] = EVIDENCE_SCHEMA_VERSION
    evidence = EvidenceSummary.model_validate(data)
    if old:
        evidence.channels = channel_readings(evidence.modalities, clues, evidence.reference_kind,
                                             list(evidence.emotions) or None)
    return evidence


def recheck(folder: Path, r: Result) -> ExplanationQuality | None:
    """The result's explanation checked again as an explanation of its label."""
    p = r.prediction
    clip = folder / r.clip_id
    if p is None or not (clip / "evidence.json").is_file():
        return None
    clues = {c.kind: load_clue(clip / c.file) for c in r.clues if (clip / c.file).is_file()}
    evidence = load_evidence(clip / "evidence.json", clues)
    return explanation_quality(check_reasoning(p.reasoning, evidence, clues, label=p.label, explanation=True))


def left_stored(r: Result) -> int:
    """The problems the result's own check left in the final explanation."""
    c = r.prediction.check
    return c.contradictions + c.invented + c.disallowed if c is not None else 0


def left(folder: Path, r: Result) -> int | str:
    """The problems today's checker finds in the final explanation ('' without the clip's evidence)."""
    p = r.prediction
    clip = folder / r.clip_id
    if p is None or not (clip / "evidence.json").is_file():
        return ""
    clues = {c.kind: load_clue(clip / c.file) for c in r.clues if (clip / c.file).is_file()}
    c = check_reasoning(p.reasoning, load_evidence(clip / "evidence.json", clues), clues, label=p.label,
                        explanation=True)
    return c.contradictions + c.invented + c.disallowed


def denials(folder: Path, r: Result) -> tuple[bool, bool]:
    """Whether the explanation contradicts the words' reading, and the face's classifier reading (checked
    with today's checker)."""
    p = r.prediction
    clip = folder / r.clip_id
    if p is None or not (clip / "evidence.json").is_file():
        return False, False
    clues = {c.kind: load_clue(clip / c.file) for c in r.clues if (clip / c.file).is_file()}
    check = check_reasoning(p.reasoning, load_evidence(clip / "evidence.json", clues), clues, label=p.label,
                            explanation=True)
    bad = {c.cue for c in check.claims if c.verdict == "contradicted"}
    return "words" in bad, "expression" in bad


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
    denied = [denials(folder, r) for r in results]
    ov = report.open_vocab.f1 if report and report.open_vocab else None
    explain = [x for r in results if r.generation for x in r.generation.passes if x.name in ("explanation",
                                                                                             "reasoning")]
    words = [x.seconds for r in results if r.generation for x in r.generation.passes if x.name == "words"]
    closing = {phrases()["conclusion"].format(label=r.prediction.label) for r in results}
    seen = Counter(s for r in results for s in {x.strip() for x in split_sentences(r.prediction.reasoning)}
                   if s not in closing)
    return (f"| {folder.name} | {len(results)} | {'' if acc is None else f'{acc:.3f}'} | "
            f"{'' if ov is None else f'{ov:.3f}'} | {sum(q.coherent for q in quality)}/{n} | "
            f"{sum(not q.uncovered for q in quality)}/{n} | {sum(w for w, _ in denied)} | "
            f"{sum(f for _, f in denied)} | {sum(bool(q.percentages or q.lists) for q in quality)} | "
            f"{sum(q.interpretation_errors for q in quality)} | {sum(q.invented_numbers for q in quality)} | "
            f"{sum(q.instructions_repeated for q in quality)} | {measured} | "
            f"{sum(x.generated_tokens for x in explain) / max(len(explain), 1):.0f} | "
            f"{sum(x.seconds for x in explain) / max(len(explain), 1):.1f} | "
            f"{sum(words) / len(results):.1f} | {sum(k > 1 for k in seen.values())} | "
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
        print("| variant | clips | accuracy | OV F1 | coherent | covered | words denied | face denied | clips with "
              "%/lists | interpretation errors | invented numbers | instructions repeated | contradicted or invented "
              "measurements | explanation tokens | explanation s | words pass s | sentences repeated across clips | "
              "judge score | seconds per clip |")
        print("|" + "---|" * 19)
        for variant in folders:
            results = [r for r in load_results(variant) if r.prediction is not None]
            print(summary_row(variant, results, args.recheck))
        return 0
    for variant in folders:
        results = [r for r in load_results(variant) if r.prediction is not None]
        print(f"\n## {variant.name}\n")
        print("| clip | label | llm | evidence | problems in the first text | sentences dropped | problems left | "
              "coherent | %/list | interp. err | numbers | tokens eval+gen | LLM s | llama.cpp s | passes |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in sorted(results, key=lambda r: r.clip_id):
            p, g = r.prediction, r.generation
            q = recheck(variant, r) if args.recheck else p.quality
            passes = " ".join(f"{x.name}:{x.evaluated_tokens}+{x.generated_tokens}/{x.reused_tokens}r"
                              for x in (g.passes if g else []))
            print(f"| {r.clip_id} | {p.label} | {p.llm_label} | {p.evidence_label} | {p.first_problems} | "
                  f"{p.dropped_sentences} | {left(variant, r) if args.recheck else left_stored(r)} | "
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
