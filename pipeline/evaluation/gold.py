"""Gold annotations for evaluation: a CSV file (clip id, label, optionally open-vocabulary emotion words and a
reference description) or labels parsed from file names (CREMA-D, RAVDESS, EmoDB codes, as data in
`prompts/vocab/filename_labels.yaml`). Labels are mapped to canonical classes through
`prompts/vocab/label_aliases.yaml`, so happy/happiness/joy are one class without any code naming them."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from pydantic import Field

from pipeline.clip import normalise_clip_id
from pipeline.clues import Record
from pipeline.errors import InputError
from pipeline.vocab import canonical_label, label_from_name, load_data_yaml

CLIP_COLUMNS = ("clip_id", "clip", "id", "file", "filename", "name", "path")
LABEL_COLUMNS = ("label", "emotion", "gold", "class")
OPEN_VOCAB_COLUMNS = ("open_vocab", "emotions", "emotion_words", "ov")
REFERENCE_COLUMNS = ("reference", "description", "explanation")


def load_eval_yaml(name: str) -> dict[str, Any]:
    """One of the evaluation data files in prompts/eval/, parsed."""
    return load_data_yaml("eval", name)


class GoldItem(Record):
    """What the annotators said about one clip; any part may be absent."""

    clip_id: str
    label: str | None = Field(None, description="canonical class (after aliases)")
    label_raw: str | None = Field(None, description="the label as written in the gold source")
    open_vocab: list[str] = Field(default_factory=list, description="gold emotion words")
    reference: str | None = Field(None, description="gold explanation text (EMER-style description)")


def _split_words(text: str) -> list[str]:
    return [w.strip() for w in re.split(r"[;,|]", text) if w.strip()]


def _pick(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def load_gold_csv(path: Path) -> dict[str, GoldItem]:
    """Gold from a CSV with a header: a clip column (clip_id, file, ...) and any of label, open_vocab (words
    separated by ; or ,) and reference. Rows with an empty clip id are skipped; a repeated clip is an error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise InputError(f"{path}: cannot read gold file: {e}") from e
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    clip_col = _pick(header, CLIP_COLUMNS)
    if clip_col is None:
        raise InputError(f"{path}: no clip column; expected one of {', '.join(CLIP_COLUMNS)} (found {header})")
    label_col, ov_col = _pick(header, LABEL_COLUMNS), _pick(header, OPEN_VOCAB_COLUMNS)
    ref_col = _pick(header, REFERENCE_COLUMNS)
    if not (label_col or ov_col or ref_col):
        raise InputError(f"{path}: no gold column; expected a label ({', '.join(LABEL_COLUMNS)}), open vocabulary "
                         f"({', '.join(OPEN_VOCAB_COLUMNS)}) or reference ({', '.join(REFERENCE_COLUMNS)}) column")
    items: dict[str, GoldItem] = {}
    for line, row in enumerate(reader, start=2):
        raw_id = (row.get(clip_col) or "").strip()
        if not raw_id:
            continue
        clip_id = normalise_clip_id(raw_id)
        if clip_id in items:
            raise InputError(f"{path} line {line}: clip {clip_id!r} appears twice")
        label = (row.get(label_col) or "").strip() if label_col else ""
        reference = (row.get(ref_col) or "").strip() if ref_col else ""
        items[clip_id] = GoldItem(
            clip_id=clip_id, label=canonical_label(label) if label else None, label_raw=label or None,
            open_vocab=_split_words(row.get(ov_col) or "") if ov_col else [], reference=reference or None,
        )
    return items


def gold_from_names(clip_ids: list[str], dataset: str) -> dict[str, GoldItem]:
    """Gold labels parsed from clip ids (file names) with a dataset's convention; ids that do not match are left
    out (and show up as clips without gold)."""
    items = {}
    for cid in clip_ids:
        label = label_from_name(cid, dataset)
        if label is not None:
            items[cid] = GoldItem(clip_id=cid, label=label, label_raw=label)
    return items
