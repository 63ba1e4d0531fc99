"""The ablation's comparison: one row per variant (its metrics and seconds per clip), the report
(OUT/ablation.json) and its table as CSV, Markdown and a PNG of bar charts."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from emer.pipeline import __version__
from emer.pipeline.evaluation.metrics import EvaluationReport
from emer.pipeline.evaluation.variants import Variant
from emer.pipeline.records.clues import Record
from emer.pipeline.records.results import Result
from emer.pipeline.records.vocab import canonical_label
from emer.pipeline.run.config import RunConfig
from emer.pipeline.store.io import write_model_atomic, write_text_atomic

ABLATION_SCHEMA_VERSION = "1.0"


class VariantRow(Record):
    variant: str
    status: Literal["ok", "failed"]
    error: str | None = None
    extractors: list[str]
    model: str
    clips: int
    failed_clips: int
    accuracy: float | None = None
    macro_f1: float | None = None
    weighted_f1: float | None = None
    ov_f1: float | None = None
    llm_accuracy: float | None = Field(None, description="accuracy of the LLM's own label (before fusion)")
    evidence_accuracy: float | None = Field(None, description="accuracy of the evidence summary's own label")
    first_problems: int | None = Field(None, description="contradicted or invented claims in the first reasoning "
                                       "attempts, before the self-check")
    contradictions: int | None = Field(None, description="claims the checker found contradicting the clues")
    invented: int | None = Field(None, description="claims about clues that were not measured")
    looping: int | None = Field(None, description="clips whose reasoning loops")
    rewritten: int | None = Field(None, description="clips whose reasoning the self-check had rewritten")
    dropped: int | None = Field(None, description="sentences the self-check dropped")
    truncated: int | None = Field(None, description="clips whose reasoning hit the token cap")
    coherent: float | None = Field(None, description="share of explanations that conclude with the label and name "
                                   "no other emotion as the person's state")
    percent_or_list: int | None = Field(None, description="explanations with a percentage or a list")
    interpretation_errors: int | None = Field(None, description="cue -> emotion readings contradicting the cue "
                                              "tables")
    invented_numbers: int | None = Field(None, description="numbers in explanations that no evidence shows")
    instructions_repeated: int | None = Field(None, description="spoken instructions repeated or taken as evidence")
    judge_score: float | None = Field(None, description="mean 1-10 local judge score against the gold reference "
                                      "explanations (with a judge and references)")
    llm_tokens_per_clip: float | None = Field(None, description="prompt tokens evaluated + tokens generated")
    llm_seconds_per_clip: float | None = Field(None, description="wall time of the LLM stage")
    llama_seconds_per_clip: float | None = Field(None, description="llama.cpp's own decode time")
    clue_seconds_per_clip: float | None = Field(None, description="extractor compute time recorded in the clues")
    reason_seconds_per_clip: float | None = Field(None, description="LLM reasoning and decision time")
    seconds_per_clip: float | None = Field(None, description="clues + reasoning: the cost of the variant from scratch")
    wall_seconds: float = Field(description="this ablation run of the variant, reuse and model loading included")


class AblationReport(Record):
    record: Literal["ablation"] = "ablation"
    schema_version: Literal["1.0"] = ABLATION_SCHEMA_VERSION
    emer_version: str = __version__
    input: str
    output: str
    gold: str
    variants: list[Variant]
    rows: list[VariantRow]
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _side_accuracy(preds: Sequence[tuple[str, Any]], gold: dict[str, str], side: str) -> float | None:
    """Accuracy of one side's label (the LLM's or the evidence's) over the clips that have gold and that label."""
    pairs = [(gold[cid], getattr(p, side)) for cid, p in preds if cid in gold and getattr(p, side)]
    if not pairs:
        return None
    return round(sum(canonical_label(lab) == g for g, lab in pairs) / len(pairs), 4)


def variant_row(variant: Variant, config: RunConfig, results: Sequence[Result], report: EvaluationReport,
                wall: float, gold_labels: dict[str, str] | None = None) -> VariantRow:
    """One table row: the variant's metrics and its seconds per clip."""
    ok = [r for r in results if r.status == "ok"]
    clue_s = [sum(r.timings.get(c.extractor, 0.0) for c in r.clues) for r in ok]
    reason_s = [r.timings.get("reason", 0.0) for r in ok]
    c = report.classification
    preds = [(r.clip_id, r.prediction) for r in ok if r.prediction is not None]
    gold_labels = gold_labels or {}
    checks = [p.check for _, p in preds if p.check is not None]
    reasoned = [p for _, p in preds if p.reasoning]
    quality = [p.quality for p in reasoned if p.quality is not None]
    gen = [r.generation for r in ok if r.generation is not None and r.generation.llm_seconds]
    return VariantRow(
        variant=variant.name, status="ok", extractors=[e.name for e in config.extractors],
        model=config.llm.model if config.reason else "-", clips=len(results),
        failed_clips=sum(r.status != "ok" for r in results),
        accuracy=c.accuracy if c else None, macro_f1=c.macro_f1 if c else None,
        weighted_f1=c.weighted_f1 if c else None, ov_f1=report.open_vocab.f1 if report.open_vocab else None,
        llm_accuracy=_side_accuracy(preds, gold_labels, "llm_label"),
        evidence_accuracy=_side_accuracy(preds, gold_labels, "evidence_label"),
        first_problems=sum(p.first_problems for p in reasoned) if reasoned else None,
        contradictions=sum(k.contradictions for k in checks) if checks else None,
        invented=sum(k.invented for k in checks) if checks else None,
        looping=sum(k.looping for k in checks) if checks else None,
        rewritten=sum(p.reasoning_attempts > 1 for p in reasoned) if reasoned else None,
        dropped=sum(p.dropped_sentences for p in reasoned) if reasoned else None,
        truncated=sum(p.reasoning_truncated for p in reasoned) if reasoned else None,
        coherent=round(sum(q.coherent for q in quality) / len(quality), 3) if quality else None,
        percent_or_list=sum(bool(q.percentages or q.lists) for q in quality) if quality else None,
        interpretation_errors=sum(q.interpretation_errors for q in quality) if quality else None,
        invented_numbers=sum(q.invented_numbers for q in quality) if quality else None,
        instructions_repeated=sum(q.instructions_repeated for q in quality) if quality else None,
        judge_score=report.reference.judge_mean if report.reference is not None else None,
        llm_tokens_per_clip=_mean([g.evaluated_tokens + g.generated_tokens for g in gen]),
        llm_seconds_per_clip=_mean([g.llm_seconds for g in gen]),
        llama_seconds_per_clip=_mean([g.llama_seconds for g in gen]),
        clue_seconds_per_clip=_mean(clue_s), reason_seconds_per_clip=_mean(reason_s),
        seconds_per_clip=_mean([a + b for a, b in zip(clue_s, reason_s, strict=True)]), wall_seconds=round(wall, 2),
    )


# --- writing ----------------------------------------------------------------------------------------

SCORES = ("accuracy", "macro_f1", "weighted_f1", "ov_f1", "llm_accuracy", "evidence_accuracy")
EXPLANATION = ("coherent", "percent_or_list", "interpretation_errors", "invented_numbers", "instructions_repeated",
               "judge_score")
METRICS = (*SCORES, "first_problems", "contradictions", "invented", "looping", "rewritten", "dropped", "truncated",
           *EXPLANATION)
COLUMNS = ("variant", "status", *METRICS, "seconds_per_clip", "clue_seconds_per_clip", "reason_seconds_per_clip",
           "llm_seconds_per_clip", "llama_seconds_per_clip", "llm_tokens_per_clip",
           "wall_seconds", "clips", "failed_clips", "model", "extractors", "error")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list):
        return "+".join(value)
    return str(value)


def table_rows(report: AblationReport) -> list[dict[str, str]]:
    """The comparison as rows of text cells (one per variant), in COLUMNS order."""
    return [{col: _cell(getattr(row, col)) for col in COLUMNS} for row in report.rows]


def format_markdown(report: AblationReport) -> str:
    """The comparison table in Markdown (metric columns with no value anywhere are left out)."""
    rows = table_rows(report)
    cols = [c for c in COLUMNS if c not in ("error", "status") and any(r[c] for r in rows)]
    lines = [f"Ablation of {report.input} (gold: {report.gold})", "",
             "| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    lines += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    failed = [r for r in report.rows if r.status == "failed"]
    lines += [""] + [f"- {r.variant} failed: {r.error}" for r in failed] if failed else []
    return "\n".join(lines) + "\n"


def plot(report: AblationReport, path: Path) -> Path:
    """Bar charts of the metrics and the seconds per clip of each variant, as a PNG (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report.rows
    names = [r.variant for r in rows]
    metrics = [m for m in SCORES if any(getattr(r, m) is not None for r in rows)]
    fig, (left, right) = plt.subplots(1, 2, figsize=(max(8.0, 1.6 * len(rows) + 4), 4.2),
                                      gridspec_kw={"width_ratios": [2, 1]})
    width = 0.8 / max(len(metrics), 1)
    for i, m in enumerate(metrics):
        xs = [j + (i - (len(metrics) - 1) / 2) * width for j in range(len(rows))]
        left.bar(xs, [getattr(r, m) or 0.0 for r in rows], width, label=m.replace("_", "-"))
    left.set_xticks(range(len(rows)), names, rotation=20, ha="right")
    left.set_ylim(0, 1)
    left.set_ylabel("score")
    left.set_title("metrics per variant")
    if metrics:
        left.legend(fontsize=8)
    clue = [r.clue_seconds_per_clip or 0.0 for r in rows]
    reason = [r.reason_seconds_per_clip or 0.0 for r in rows]
    right.bar(names, clue, label="clues")
    right.bar(names, reason, bottom=clue, label="reasoning")
    right.set_ylabel("seconds per clip")
    right.set_title("cost per clip")
    right.tick_params(axis="x", rotation=20)
    right.legend(fontsize=8)
    fig.suptitle(f"ablation: {Path(report.input).name} (gold: {Path(report.gold).name})", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_ablation(out: Path, report: AblationReport) -> dict[str, Path]:
    """Write OUT/ablation.json, .csv, .md and .png; returns their paths by format."""
    out = Path(out)
    paths = {fmt: out / f"ablation.{fmt}" for fmt in ("json", "csv", "md", "png")}
    write_model_atomic(paths["json"], report)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(table_rows(report))
    write_text_atomic(paths["csv"], buf.getvalue())
    write_text_atomic(paths["md"], format_markdown(report))
    plot(report, paths["png"])
    return paths
