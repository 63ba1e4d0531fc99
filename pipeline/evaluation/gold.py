"""Gold annotations for evaluation: a CSV file (clip id, label, optionally open-vocabulary emotion words and a
reference description) or labels parsed from file names (CREMA-D, RAVDESS, EmoDB codes, as data in
`prompts/vocab/filename_labels.yaml`). Labels are mapped to canonical classes through
`prompts/vocab/label_aliases.yaml`, so happy/happiness/joy are one class without any code naming them.

Besides the generic column names, two published layouts are read as their authors define them: EMER
(`names,emotions,subtitles,reasons`: zeroQiaoba/AffectGPT EMER/dataset-v1 gt-eng.csv, where `emotions` is the
MER2023 discrete label and `reasons` the explanation) and OV-MERD (`name,openset`: zeroQiaoba/MERTools
MER2024/ov_store/check-openset.csv, `openset` a word list written as "['a', 'b']" or "a, b")."""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path
from typing import Any

from pydantic import Field

from emer.pipeline.inputs.clip import normalise_clip_id
from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import InputError
from emer.pipeline.records.vocab import canonical_label, label_from_name, load_data_yaml

CLIP_COLUMNS = ("clip_id", "clip", "id", "file", "filename", "name", "names", "path")
LABEL_COLUMNS = ("label", "emotion", "gold", "class")
OPEN_VOCAB_COLUMNS = ("open_vocab", "emotions", "emotion_words", "ov", "openset")
REFERENCE_COLUMNS = ("reference", "description", "explanation", "reasons", "reason")
# Published layouts, recognised by their columns before the generic names above: a layout's column may mean
# something else than the generic name guesses (EMER's `emotions` is the discrete label, not emotion words).
# role -> column; a CSV holding all of a layout's columns is read with that layout.
LAYOUTS: dict[str, dict[str, str]] = {
    "emer": {"clip": "names", "label": "emotions", "reference": "reasons"},
    "ov-merd": {"clip": "name", "open_vocab": "openset"},
}


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
    reviewed_by: str | None = Field(None, description="who reviewed the clip (gold from emer import label-studio)")
    unusable: str | None = Field(None, description="the reviewer marked the clip unusable, for this reason (or "
                                 "'unusable'): it is left out of scores and exports")


def _split_words(text: str) -> list[str]:
    """Emotion words from one cell: "a; b", "a, b" or a list literal "['a', 'b']" (as MERTools writes them)."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            words = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            words = None
        if isinstance(words, list | tuple):
            return [str(w).strip() for w in words if str(w).strip()]
        text = text[1:-1]
    return [w.strip(" '\"") for w in re.split(r"[;,|]", text) if w.strip(" '\"")]


def _pick(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def gold_columns(header: list[str]) -> dict[str, str | None]:
    """Which column holds each part of the gold (clip, label, open_vocab, reference): a published layout's
    columns when the header has all of them (`LAYOUTS`), else the first generic name present for each part."""
    lowered = {h.strip().lower(): h for h in header}
    for layout in LAYOUTS.values():
        if all(column in lowered for column in layout.values()):
            return {role: lowered[layout[role]] if role in layout else None
                    for role in ("clip", "label", "open_vocab", "reference")}
    return {"clip": _pick(header, CLIP_COLUMNS), "label": _pick(header, LABEL_COLUMNS),
            "open_vocab": _pick(header, OPEN_VOCAB_COLUMNS), "reference": _pick(header, REFERENCE_COLUMNS)}


def load_gold_csv(path: Path) -> dict[str, GoldItem]:
    """Gold from a CSV with a header: a clip column (clip_id, file, ...) and any of label, open_vocab (words
    separated by ; or , or a list literal) and reference; or the EMER or OV-MERD layout. Rows with an empty clip
    id are skipped; a repeated clip is an error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise InputError(f"{path}: cannot read gold file: {e}") from e
    reader = csv.DictReader(io.StringIO(text, newline=""))  # a quoted cell may hold line breaks
    header = reader.fieldnames or []
    columns = gold_columns(header)
    clip_col = columns["clip"]
    if clip_col is None:
        raise InputError(f"{path}: no clip column; expected one of {', '.join(CLIP_COLUMNS)} (found {header})")
    label_col, ov_col, ref_col = columns["label"], columns["open_vocab"], columns["reference"]
    if not (label_col or ov_col or ref_col):
        raise InputError(f"{path}: no gold column; expected a label ({', '.join(LABEL_COLUMNS)}), open vocabulary "
                         f"({', '.join(OPEN_VOCAB_COLUMNS)}) or reference ({', '.join(REFERENCE_COLUMNS)}) column")
    items: dict[str, GoldItem] = {}
    for row in reader:
        line = reader.line_num
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
