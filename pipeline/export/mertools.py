"""The EMER and OV-MERD CSVs of Lian et al.'s MERTools / AffectGPT.

Followed (read on GitHub): zeroQiaoba/AffectGPT `EMER/README.md` (dataset-v1: `names` video name, `emotions` the
MER2023 discrete label, `subtitles` the subtitles, `reasons` the EMER explanation) and its published
`AffectGPT/instruction-dataset/EmoReason/gt-eng.csv` (header `names,emotions,subtitles,reasons`, cells quoted only
where needed, as pandas `to_csv` writes); zeroQiaoba/MERTools `MER2024/ov_store/check-openset.csv` and
`predict-openset.csv` (header `name,openset`, the words as a Python list literal, "['a', 'b']", `[]` when empty),
read back by `func_read_key_from_csv` (pandas) and `string_to_list` (MER2025 `toolkit/utils/functions.py`: strip the
brackets, split on quotes and commas). So that `string_to_list` reads every word whole, a word loses any quote or
comma. Both files read back with `emer evaluate --gold` (pipeline/evaluation/gold.py knows both layouts)."""

from __future__ import annotations

import re

from emer.pipeline.export.source import ExportClip, Rendered, csv_text

EMER_FILE = "emer.csv"
OV_FILE = "ov_merd.csv"


def render_emer_csv(clips: list[ExportClip]) -> Rendered:
    """names, emotions (the label), subtitles (the transcript), reasons (the explanation)."""
    out = Rendered(notes=["emotions: the predicted label as the run's label set names it (the gold label with "
                          "--gold); reasons: the checked reasoning (the gold reference with --gold)"])
    rows = []
    for clip in clips:
        label, label_gold = clip.label()
        reason, reason_gold = clip.reason()
        rows.append([clip.clip_id, label, clip.transcript, " ".join(reason.split())])
        out.clips.append(clip.clip_id)
        if label_gold or reason_gold:
            out.gold_used.add(clip.clip_id)
    out.files = {EMER_FILE: csv_text(["names", "emotions", "subtitles", "reasons"], rows)}
    return out


def openset_cell(words: list[str]) -> str:
    """The words as MERTools writes them: a Python list literal of plain words."""
    clean = [re.sub(r"['\",\[\]]", "", w).strip() for w in words]
    return str([w for w in dict.fromkeys(clean) if w])


def render_ov_csv(clips: list[ExportClip]) -> Rendered:
    """name, openset (the emotion words)."""
    out = Rendered(notes=["openset: the predicted emotion words (the gold words with --gold)"])
    rows = []
    for clip in clips:
        words, from_gold = clip.words()
        rows.append([clip.clip_id, openset_cell(words)])
        out.clips.append(clip.clip_id)
        if from_gold:
            out.gold_used.add(clip.clip_id)
    out.files = {OV_FILE: csv_text(["name", "openset"], rows)}
    return out
