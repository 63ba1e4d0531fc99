"""A review round's outcome as the run's gold: the annotations of a Label Studio JSON export of the project that
`emer export --format label-studio` made, read back per clip (the corrected label, emotion words and explanation,
the "unusable" flag and its reason, who annotated and when), compared with the run's own output, and stored beside
the run as OUT/review/gold.json without touching the run's files.

Read from the export (Label Studio's JSON export: a list of tasks, each with `data` and `annotations`; an
annotation has `result`, `completed_by` (a user id, or a dict with the email), `created_at`, `updated_at`,
`was_cancelled`, `lead_time`); the control names are the labeling config's (pipeline/export/label_studio.py,
FIELDS). A cancelled (skipped) annotation is not a review. The gold of a clip is one annotation: the chosen
annotator's, or else the most recently updated one (`emer evaluate --agreement` lists where annotators differ)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from emer.pipeline import __version__
from emer.pipeline.evaluation.gold import GoldItem, load_gold_csv
from emer.pipeline.evaluation.metrics import load_results
from emer.pipeline.inputs.clip import normalise_clip_id
from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import InputError
from emer.pipeline.records.results import Result
from emer.pipeline.records.vocab import canonical_label
from emer.pipeline.store.io import read_json, read_record, sha256_file, validate_record, write_model_atomic

REVIEW_SCHEMA_VERSION = "1.0"
REVIEW_DIR, GOLD_FILE = "review", "gold.json"
REIMPORT = "Import the review again with `emer import label-studio EXPORT.json OUT`"  # for one of another schema
# The labeling config's control names (pipeline/export/label_studio.py FIELDS; not imported: evaluation does not
# depend on the export plugin).
LABEL, LABEL_OTHER, WORDS, EXPLANATION, UNUSABLE, UNUSABLE_REASON = (
    "label", "label_other", "words", "explanation", "unusable", "unusable_reason")


class ReviewAnnotation(Record):
    """One person's review of one clip."""

    clip_id: str
    annotator: str = Field(description="the annotator's email, or 'user <id>' when the export gives only the id")
    created_at: datetime | None = None
    updated_at: datetime | None = None
    lead_time_s: float | None = Field(None, description="seconds Label Studio counted on the annotation")
    task_id: int | None = None
    annotation_id: int | None = None
    label: str | None = Field(None, description="the label as the annotator left it (the free word if given)")
    words: list[str] = Field(default_factory=list, description="emotion words")
    explanation: str | None = None
    unusable: bool = False
    unusable_reason: str | None = None
    model_label: str | None = Field(None, description="the run's predicted label for the clip")
    label_changed: bool = Field(False, description="the label differs from the prediction's (canonical classes)")
    words_changed: bool = Field(False, description="the emotion words differ from the prediction's (as sets)")
    explanation_changed: bool = Field(False, description="the explanation differs from the prediction's "
                                      "(whitespace aside)")


class ReviewGold(Record):
    """OUT/review/gold.json: every annotation of a review round, and which one is each clip's gold."""

    record: Literal["review-gold"] = "review-gold"
    schema_version: Literal["1.0"] = REVIEW_SCHEMA_VERSION
    emer_version: str = __version__
    run: str = Field(description="the run folder reviewed")
    source: str = Field(description="the Label Studio JSON export read")
    source_sha256: str
    annotator: str | None = Field(None, description="whose annotations are the gold (None: the latest per clip)")
    annotations: list[ReviewAnnotation]
    gold: dict[str, int] = Field(description="clip id -> index in `annotations` of the clip's gold")
    without_result: list[str] = Field(default_factory=list, description="annotated clips the run has no result for")
    imported_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def items(self) -> dict[str, GoldItem]:
        """The gold per clip, as `emer evaluate` and `emer export --gold` read gold."""
        out = {}
        for clip_id, index in self.gold.items():
            a = self.annotations[index]
            out[clip_id] = GoldItem(
                clip_id=clip_id, label=canonical_label(a.label) if a.label else None, label_raw=a.label,
                open_vocab=list(a.words), reference=a.explanation, reviewed_by=a.annotator,
                unusable=(a.unusable_reason or "unusable") if a.unusable else None)
        return out


def _texts(result: list[dict[str, Any]], name: str) -> list[str]:
    texts: list[str] = []
    for item in result:
        if item.get("from_name") == name:
            value = item.get("value") or {}
            texts += [str(t) for t in value.get("text") or []]
    return [t.strip() for t in texts if str(t).strip()]


def _choices(result: list[dict[str, Any]], name: str) -> list[str]:
    return [str(c) for item in result if item.get("from_name") == name
            for c in (item.get("value") or {}).get("choices") or []]


def split_words(texts: list[str]) -> list[str]:
    """Emotion words from the words field's lines: split on commas, semicolons and line breaks, duplicates out."""
    words = [w.strip(" .'\"") for t in texts for w in re.split(r"[,;\n]", t)]
    return list(dict.fromkeys(w for w in words if w))


def _annotator(completed_by: Any) -> str:
    if isinstance(completed_by, dict):
        return str(completed_by.get("email") or f"user {completed_by.get('id')}")
    return f"user {completed_by}"


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _same_text(a: str | None, b: str | None) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def parse_annotation(clip_id: str, task: dict[str, Any], ann: dict[str, Any], result: Result | None,
                     users: dict[int, str]) -> ReviewAnnotation:
    """One Label Studio annotation as a review of the clip, compared with the run's prediction."""
    items = ann.get("result") or []
    free = " ".join(_texts(items, LABEL_OTHER))
    chosen = _choices(items, LABEL)
    label = free or (chosen[0] if chosen else None)
    explanation = " ".join(_texts(items, EXPLANATION)) or None
    by = ann.get("completed_by")
    annotator = users.get(by, _annotator(by)) if isinstance(by, int) else _annotator(by)
    pred = result.prediction if result is not None else None
    words = split_words(_texts(items, WORDS))
    return ReviewAnnotation(
        clip_id=clip_id, annotator=annotator, created_at=_time(ann.get("created_at")),
        updated_at=_time(ann.get("updated_at")), lead_time_s=ann.get("lead_time"), task_id=task.get("id"),
        annotation_id=ann.get("id"), label=label, words=words, explanation=explanation,
        unusable=UNUSABLE in _choices(items, UNUSABLE),
        unusable_reason=" ".join(_texts(items, UNUSABLE_REASON)) or None,
        model_label=pred.label if pred else None,
        label_changed=pred is not None and label is not None and canonical_label(label) != canonical_label(pred.label),
        words_changed=pred is not None and {w.lower() for w in words} != {w.lower() for w in pred.open_vocab},
        explanation_changed=pred is not None and not _same_text(explanation, pred.reasoning),
    )


def read_export(path: Path) -> list[dict[str, Any]]:
    """A Label Studio JSON export: the list of tasks."""
    data = read_json(path, "Label Studio export")
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise InputError(f"{path}: not a Label Studio JSON export (expected a list of tasks; export the project "
                         "as JSON, not JSON-MIN or CSV)")
    return data


def read_users(path: Path) -> dict[int, str]:
    """Label Studio's user list (GET /api/users/: a list of {"id", "email", ...}) as user id -> email."""
    data = read_json(path, "Label Studio user list")
    try:
        return {int(u["id"]): str(u["email"]) for u in data}
    except (ValueError, TypeError, KeyError) as e:
        raise InputError(f"{path}: not a Label Studio user list (GET /api/users/: [{{\"id\", \"email\"}}, ...]) "
                         f"({type(e).__name__}: {e})") from e


def import_review(export: Path, out: Path, annotator: str | None = None,
                  users: dict[int, str] | None = None) -> ReviewGold:
    """The review of a run (`out`) from a Label Studio JSON export; `users` maps user ids to emails where the
    export gives ids only."""
    tasks = read_export(export)
    results = {r.clip_id: r for r in load_results(out)}
    annotations: list[ReviewAnnotation] = []
    for n, task in enumerate(tasks):
        raw_id = (task.get("data") or {}).get("clip_id")
        if not raw_id:
            raise InputError(f"{export}: task {task.get('id', n)} has no data.clip_id (not a task of "
                             "`emer export --format label-studio`)")
        clip_id = normalise_clip_id(str(raw_id))
        for ann in task.get("annotations") or []:
            if ann.get("was_cancelled"):
                continue
            annotations.append(parse_annotation(clip_id, task, ann, results.get(clip_id), users or {}))
    if annotator is not None and not any(a.annotator == annotator for a in annotations):
        names = sorted({a.annotator for a in annotations})
        raise InputError(f"{export}: no annotation by {annotator!r} (annotators: {', '.join(names) or 'none'})")
    gold: dict[str, int] = {}
    epoch = datetime.min.replace(tzinfo=UTC)
    for i, a in enumerate(annotations):
        if annotator is not None and a.annotator != annotator:
            continue
        j = gold.get(a.clip_id)
        if j is None or (a.updated_at or a.created_at or epoch) >= (
                annotations[j].updated_at or annotations[j].created_at or epoch):
            gold[a.clip_id] = i
    return ReviewGold(run=str(Path(out).resolve()), source=str(Path(export).resolve()),
                      source_sha256=sha256_file(Path(export)), annotator=annotator, annotations=annotations,
                      gold=dict(sorted(gold.items())), without_result=sorted(set(gold) - set(results)))


def gold_path(out: Path) -> Path:
    """Where a run's review gold is kept: OUT/review/gold.json (the run's own files are left as they are)."""
    return Path(out) / REVIEW_DIR / GOLD_FILE


def write_review(out: Path, review: ReviewGold) -> Path:
    path = gold_path(out)
    write_model_atomic(path, review)
    return path


def load_review(path: Path) -> ReviewGold:
    """A review gold file (OUT/review/gold.json)."""
    return read_record(path, ReviewGold, "review gold", REIMPORT)


def read_review(path: Path, out: Path | None = None) -> ReviewGold:
    """A review from a review gold file (emer import label-studio) or from a Label Studio JSON export read directly
    against the run `out` (each clip's latest annotation as its gold)."""
    path = Path(path)
    head = read_json(path, "review")
    if isinstance(head, dict) and head.get("record") == "review-gold":
        return validate_record(head, ReviewGold, "review gold", str(path), REIMPORT)
    if isinstance(head, list):
        if out is None:
            raise InputError(f"{path}: a Label Studio export is read against a run folder")
        return import_review(path, out)
    raise InputError(f"{path}: neither a review gold file (emer import label-studio) nor a Label Studio JSON export")


def load_gold(path: Path, out: Path | None = None) -> dict[str, GoldItem]:
    """Gold from any source `--gold` takes: a CSV (pipeline/evaluation/gold.py), a review gold file (emer import
    label-studio), or a Label Studio JSON export read directly (against the run `out`)."""
    if Path(path).suffix.lower() != ".json":
        return load_gold_csv(Path(path))
    return read_review(path, out).items()
