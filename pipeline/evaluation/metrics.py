"""Scoring a run against gold: label metrics, open-vocabulary (OV-MER style) metrics, reference descriptions.

Metrics are small pure functions checked by hand in tests/test_evaluate.py:

- `classification_metrics`: accuracy, macro-F1 (over the classes present in the gold), support-weighted F1,
  per-class precision/recall/F1 and the confusion matrix (rows gold, columns predicted). A clip without a
  prediction (failed) is counted in the column `<none>`, so the matrix totals the scored clips. A class never
  predicted has precision 0.
- `ov_clip_scores` / `ov_metrics`: emotion words are normalised (word forms and synonyms, prompts/vocab/
  word_forms.yaml) and grouped through an emotion wheel (Parrott 2001, Plutchik 1980; prompts/vocab/
  emotion_wheel.yaml); per clip precision = |G ∩ P| / |P|, recall = |G ∩ P| / |G| over the sets of groups; the
  report averages them over clips and gives F = 2PR / (P + R) of the averages (Lian et al., 2024, OV-MER). An
  empty prediction scores precision 0 and recall 0; a clip without gold words is not scored. A word the wheel
  does not know stays its own group: it matches only the same word, and is listed in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import Field

from emer.pipeline import __version__
from emer.pipeline.evaluation.gold import GoldItem
from emer.pipeline.evaluation.judge import EMBEDDING_MODEL, Judge, JudgeInfo, embedding_similarities
from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import InputError
from emer.pipeline.records.results import Result
from emer.pipeline.records.vocab import EmotionWheel, OVLevel, canonical_label, default_wheel
from emer.pipeline.store.io import read_record, read_record_lines, write_model_atomic, write_text_atomic
from emer.pipeline.store.outputs import OutputLayout, first_sentence

EVALUATION_SCHEMA_VERSION = "1.0"
NO_PREDICTION = "<none>"


# --- label metrics ---------------------------------------------------------------------------------


class ClassMetrics(Record):
    label: str
    precision: float
    recall: float
    f1: float
    support: int = Field(description="gold clips of this class")
    predicted: int = Field(description="clips predicted as this class")


class ClassificationMetrics(Record):
    clips: int
    accuracy: float
    macro_f1: float = Field(description="mean F1 over the classes present in the gold")
    weighted_f1: float = Field(description="F1 averaged with the gold support as weights")
    labels: list[str] = Field(description="row and column order of the confusion matrix")
    confusion: list[list[int]] = Field(description="rows: gold class, columns: predicted class")
    per_class: list[ClassMetrics]


def _div(a: float, b: float) -> float:
    return a / b if b else 0.0


def _f1(p: float, r: float) -> float:
    return _div(2 * p * r, p + r)


def confusion_matrix(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Counts of (gold, predicted) pairs; rows and columns in `labels` order (every label must be listed)."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred, strict=True):
        if g not in index or p not in index:
            raise ValueError(f"label {g if g not in index else p!r} is not in the label list {list(labels)}")
        matrix[index[g]][index[p]] += 1
    return matrix


def classification_metrics(gold: Sequence[str], pred: Sequence[str],
                           labels: Sequence[str] | None = None) -> ClassificationMetrics:
    """Accuracy, macro and weighted F1, per-class precision/recall/F1 and the confusion matrix.

    `labels` fixes the order (labels seen in gold or predictions but not listed are appended, sorted)."""
    order = list(dict.fromkeys(labels or []))
    order += sorted((set(gold) | set(pred)) - set(order))
    matrix = confusion_matrix(gold, pred, order)
    per_class, f1s = [], []
    for i, label in enumerate(order):
        tp = matrix[i][i]
        support = sum(matrix[i])
        predicted = sum(row[i] for row in matrix)
        p, r = _div(tp, predicted), _div(tp, support)
        f1s.append((_f1(p, r), support))
        per_class.append(ClassMetrics(label=label, precision=round(p, 4), recall=round(r, 4), f1=round(_f1(p, r), 4),
                                      support=support, predicted=predicted))
    present = [(f, s) for f, s in f1s if s > 0]
    n = len(gold)
    return ClassificationMetrics(
        clips=n, accuracy=round(_div(sum(matrix[i][i] for i in range(len(order))), n), 4),
        macro_f1=round(_div(sum(f for f, _ in present), len(present)), 4),
        weighted_f1=round(_div(sum(f * s for f, s in present), n), 4),
        labels=order, confusion=matrix, per_class=per_class,
    )


# --- open vocabulary --------------------------------------------------------------------------------


def ov_clip_scores(gold: set[str], pred: set[str]) -> tuple[float, float] | None:
    """(precision, recall) of one clip's grouped emotion sets; None when there is no gold to score against."""
    if not gold:
        return None
    hit = len(gold & pred)
    return _div(hit, len(pred)), _div(hit, len(gold))


class OVClip(Record):
    clip_id: str
    gold: list[str]
    predicted: list[str]
    gold_groups: list[str]
    predicted_groups: list[str]
    precision: float
    recall: float


class OVMetrics(Record):
    level: OVLevel
    gold_source: Literal["open_vocab", "label"] = Field(description="gold words from the gold file, or the label")
    clips: int
    precision: float
    recall: float
    f1: float = Field(description="2PR/(P+R) of the averaged precision and recall")
    unknown_words: list[str] = Field(description="words the emotion wheel does not place (matched only exactly)")
    per_clip: list[OVClip]


def ov_metrics(items: Sequence[tuple[str, Sequence[str], Sequence[str]]], level: OVLevel = "secondary",
               wheel: EmotionWheel | None = None,
               gold_source: Literal["open_vocab", "label"] = "open_vocab") -> OVMetrics:
    """Average OV precision and recall over (clip id, gold words, predicted words) items, and their F."""
    wheel = wheel or default_wheel()
    rows: list[OVClip] = []
    raw: list[tuple[float, float]] = []
    unknown: set[str] = set()
    for clip_id, gold_words, pred_words in items:
        g, p = wheel.groups(gold_words, level), wheel.groups(pred_words, level)
        unknown |= {wheel.normalise(w) for w in [*gold_words, *pred_words] if wheel.normalise(w)
                    and not wheel.known(w)}
        scores = ov_clip_scores(g, p)
        if scores is None:
            continue
        raw.append(scores)
        rows.append(OVClip(clip_id=clip_id, gold=list(gold_words), predicted=list(pred_words),
                           gold_groups=sorted(g), predicted_groups=sorted(p),
                           precision=round(scores[0], 4), recall=round(scores[1], 4)))
    precision = _div(sum(p for p, _ in raw), len(raw))
    recall = _div(sum(r for _, r in raw), len(raw))
    return OVMetrics(level=level, gold_source=gold_source, clips=len(rows), precision=round(precision, 4),
                     recall=round(recall, 4), f1=round(_f1(precision, recall), 4), unknown_words=sorted(unknown),
                     per_clip=rows)


# --- reference descriptions -------------------------------------------------------------------------


class ReferenceClip(Record):
    clip_id: str
    judge_score: int | None = None
    judge_rationale: str | None = None
    judge_error: str | None = None
    embedding_similarity: float | None = None


class ReferenceMetrics(Record):
    clips: int
    judge: JudgeInfo | None = Field(None, description="None when no judge model was chosen")
    judge_mean: float | None = Field(None, description="mean 1-10 score over the clips the judge scored")
    embedding_status: Literal["ok", "unavailable", "skipped"]
    embedding_model: str = EMBEDDING_MODEL
    embedding_detail: str | None = None
    embedding_mean: float | None = None
    per_clip: list[ReferenceClip]


def score_references(pairs: Sequence[tuple[str, str, str]], judge: Judge | None = None,
                     embed: bool = True) -> ReferenceMetrics:
    """Judge and/or embed (clip id, reference, reasoning) triples; a verdict that fails to parse is recorded per
    clip and left out of the mean."""
    from emer.pipeline.records.errors import ReasonerError

    rows = [ReferenceClip(clip_id=cid) for cid, _, _ in pairs]
    if judge is not None:
        for row, (_, ref, hyp) in zip(rows, pairs, strict=True):
            try:
                verdict = judge.score(ref, hyp)
            except ReasonerError as e:
                row.judge_error = str(e)
                continue
            row.judge_score, row.judge_rationale = verdict.score, verdict.rationale
    scores = [r.judge_score for r in rows if r.judge_score is not None]
    status: Literal["ok", "unavailable", "skipped"] = "skipped"
    detail, mean_sim = None, None
    if embed:
        emb = embedding_similarities([(ref, hyp) for _, ref, hyp in pairs])
        status, detail = emb.status, emb.detail
        for row, sim in zip(rows, emb.similarities, strict=False):
            row.embedding_similarity = sim
        if emb.similarities:
            mean_sim = round(sum(emb.similarities) / len(emb.similarities), 4)
    return ReferenceMetrics(
        clips=len(rows), judge=judge.info() if judge else None,
        judge_mean=round(sum(scores) / len(scores), 3) if scores else None,
        embedding_status=status, embedding_detail=detail, embedding_mean=mean_sim, per_clip=rows,
    )


# --- a run's evaluation -----------------------------------------------------------------------------


class Miss(Record):
    clip_id: str
    gold: str
    predicted: str
    reason: str = Field(description="first sentence of the reasoning, or the error of a failed clip")


class EvaluationReport(Record):
    record: Literal["evaluation"] = "evaluation"
    schema_version: Literal["1.0"] = EVALUATION_SCHEMA_VERSION
    emer_version: str = __version__
    run: str = Field(description="the evaluated output folder")
    gold: str = Field(description="where the gold came from: a CSV path or names:<dataset>")
    clips: int = Field(description="results in the run")
    failed: int = Field(description="results without a prediction")
    without_gold: list[str] = Field(description="clips in the run that the gold does not cover")
    gold_without_result: list[str] = Field(description="gold clips that are not in the run")
    classification: ClassificationMetrics | None = None
    misses: list[Miss] = Field(default_factory=list)
    open_vocab: OVMetrics | None = None
    reference: ReferenceMetrics | None = None
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def load_results(out: Path) -> list[Result]:
    """The results of a run folder: results.jsonl, or each <clip>/result.json when it is missing."""
    layout = OutputLayout(Path(out))
    if layout.results_jsonl.is_file():
        results = read_record_lines(layout.results_jsonl, Result, "result")
    elif layout.root.is_dir():
        results = [read_record(p, Result, "result") for p in sorted(layout.root.glob("*/result.json"))]
    else:
        raise InputError(f"{out}: no such output folder")
    if not results:
        raise InputError(f"{out}: no results (expected results.jsonl or <clip>/result.json)")
    return results


def _label_order(results: Sequence[Result]) -> list[str]:
    for r in results:
        if r.reasoner is not None and r.reasoner.label_set.labels:
            return [canonical_label(label) for label in r.reasoner.label_set.labels]
    return []


def _one_line(text: str) -> str:
    """The first sentence of the first non-empty line (reasoning may be written one clue per line)."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return first_sentence(line)


def evaluate_results(results: Sequence[Result], gold: dict[str, GoldItem], *, run: str = "", gold_name: str = "",
                     ov_level: OVLevel = "secondary", ov_from_label: bool = False, judge: Judge | None = None,
                     embed: bool = True) -> EvaluationReport:
    """Score results against gold: labels where the gold has them, open vocabulary where it has words (or, with
    `ov_from_label`, the gold label as a one-word set), references where it has explanation texts."""
    by_id = {r.clip_id: r for r in results}
    scored = [r for r in results if r.clip_id in gold]
    report = EvaluationReport(
        run=run, gold=gold_name, clips=len(results), failed=sum(r.prediction is None for r in results),
        without_gold=[r.clip_id for r in results if r.clip_id not in gold],
        gold_without_result=sorted(set(gold) - set(by_id)),
    )
    labelled = [r for r in scored if gold[r.clip_id].label]
    if labelled:
        gold_labels = [gold[r.clip_id].label or "" for r in labelled]
        preds = [canonical_label(r.prediction.label) if r.prediction else NO_PREDICTION for r in labelled]
        report.classification = classification_metrics(gold_labels, preds, _label_order(results))
        report.misses = [
            Miss(clip_id=r.clip_id, gold=g, predicted=p,
                 reason=_one_line(r.prediction.reasoning if r.prediction else (r.error or "failed")))
            for r, g, p in zip(labelled, gold_labels, preds, strict=True) if g != p
        ]
    ov_items = []
    for r in scored:
        item = gold[r.clip_id]
        words = item.open_vocab or ([item.label] if ov_from_label and item.label else [])
        if words:
            ov_items.append((r.clip_id, words, r.prediction.open_vocab if r.prediction else []))
    if ov_items:
        source: Literal["open_vocab", "label"] = "open_vocab" if any(gold[c].open_vocab for c, _, _ in ov_items) \
            else "label"
        report.open_vocab = ov_metrics(ov_items, ov_level, gold_source=source)
    refs = [(r.clip_id, gold[r.clip_id].reference or "", r.prediction.reasoning if r.prediction else "")
            for r in scored if gold[r.clip_id].reference]
    if refs:
        report.reference = score_references(refs, judge=judge, embed=embed)
    return report


def evaluate_run(out: Path, gold: dict[str, GoldItem], gold_name: str, **options) -> EvaluationReport:
    """Load a run folder's results and score them (see `evaluate_results` for the options)."""
    return evaluate_results(load_results(out), gold, run=str(out), gold_name=gold_name, **options)


# --- writing ----------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def format_report(report: EvaluationReport) -> str:
    """The report as Markdown: summary numbers, per-class table, confusion matrix, misses, OV, references."""
    out = [f"# Evaluation of {report.run}", "",
           f"gold: {report.gold}; {report.clips} results, {report.failed} without a prediction, "
           f"{len(report.without_gold)} without gold, {len(report.gold_without_result)} gold clips not in the run"]
    c = report.classification
    if c is not None:
        out += ["", f"**accuracy {c.accuracy:.3f}, macro-F1 {c.macro_f1:.3f}, weighted F1 {c.weighted_f1:.3f}** "
                    f"({c.clips} clips)", "",
                _table(["class", "precision", "recall", "F1", "support", "predicted"],
                       [[m.label, f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}", str(m.support),
                         str(m.predicted)] for m in c.per_class]),
                "", "Confusion matrix (rows gold, columns predicted):", "",
                _table(["gold \\ predicted", *c.labels, "total"],
                       [[label, *map(str, row), str(sum(row))] for label, row in zip(c.labels, c.confusion,
                                                                                      strict=True)])]
        if report.misses:
            out += ["", "Misses:", ""] + [f"- {m.clip_id}: gold {m.gold}, predicted {m.predicted} — {m.reason}"
                                          for m in report.misses]
    ov = report.open_vocab
    if ov is not None:
        out += ["", f"**open vocabulary ({ov.level} level, gold from {ov.gold_source}): precision {ov.precision:.3f}, "
                    f"recall {ov.recall:.3f}, F {ov.f1:.3f}** ({ov.clips} clips)"]
        if ov.unknown_words:
            out.append(f"words outside the emotion wheel: {', '.join(ov.unknown_words)}")
    ref = report.reference
    if ref is not None:
        judge = (f"judge {ref.judge.model.name}: mean {ref.judge_mean}" if ref.judge and ref.judge_mean is not None
                 else "judge: not run (choose one with --judge MODEL)" if ref.judge is None else "judge: no verdict")
        emb = (f"embedding similarity: mean {ref.embedding_mean}" if ref.embedding_status == "ok"
               else f"embedding similarity: {ref.embedding_status}"
               + (f" ({ref.embedding_detail})" if ref.embedding_detail else ""))
        out += ["", f"**reference descriptions** ({ref.clips} clips): {judge}; {emb}"]
        for row in ref.per_clip:
            if row.judge_score is not None or row.judge_error:
                out.append(f"- {row.clip_id}: {row.judge_score if row.judge_score is not None else 'error'} — "
                           f"{row.judge_rationale or row.judge_error}")
    return "\n".join(out) + "\n"


def write_report(out: Path, report: EvaluationReport) -> tuple[Path, Path]:
    """Write OUT/evaluation.json and OUT/evaluation.md; returns their paths."""
    json_path, md_path = Path(out) / "evaluation.json", Path(out) / "evaluation.md"
    write_model_atomic(json_path, report)
    write_text_atomic(md_path, format_report(report))
    return json_path, md_path


def load_report(path: Path) -> EvaluationReport:
    """Read an evaluation.json back."""
    return read_record(path, EvaluationReport, "evaluation report",
                       "Score the run again with `emer evaluate OUT --gold GOLD` (or --gold-from-names)")
