"""Who speaks in each clip, so clues can be read against the speaker's own usual face and voice.

A run's `evidence.speakers` setting chooses the source:
- `auto`: the dataset file-name conventions in prompts/vocab/filename_labels.yaml (`speaker_pattern`, e.g.
  CREMA-D's actor id in 1001_DFA_ANG_XX); a clip no convention matches has no speaker.
- a CSV file with columns `clip_id` and `speaker` (clip ids are file names without extension);
- a regular expression with a named group `speaker`, matched against the clip id;
- `none`: no speakers (every clip is read against itself).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from emer.pipeline.inputs.clip import normalise_clip_id
from emer.pipeline.records.errors import ConfigError, InputError
from emer.pipeline.records.vocab import filename_parsers


def _patterns(source: str) -> list[re.Pattern[str]]:
    if source == "auto":
        specs = [p.get("speaker_pattern") for p in filename_parsers().values()]
        return [re.compile(s) for s in specs if s]
    try:
        pattern = re.compile(source)
    except re.error as e:
        raise ConfigError(f"speakers: {source!r} is not auto, none, an existing CSV file or a valid regular "
                          f"expression ({e})") from e
    if "speaker" not in pattern.groupindex:
        raise ConfigError(f"speakers: the regular expression {source!r} needs a named group (?P<speaker>...)")
    return [pattern]


def _from_csv(path: Path) -> dict[str, str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise InputError(f"{path}: cannot read the speaker mapping: {e}") from e
    if not rows or not {"clip_id", "speaker"} <= set(rows[0]):
        raise InputError(f"{path}: a speaker mapping needs the columns clip_id and speaker")
    return {normalise_clip_id(r["clip_id"]): r["speaker"].strip() for r in rows if (r.get("speaker") or "").strip()}


def check_speaker_source(source: str) -> None:
    """Fail early on a speaker source that is neither a keyword, a readable CSV nor a valid pattern."""
    if source in {"auto", "none"}:
        return
    path = Path(source)
    if path.suffix.lower() == ".csv":
        if not path.is_file():
            raise ConfigError(f"speakers: mapping file {source} does not exist")
        return
    _patterns(source)


def assign_speakers(clip_ids: list[str], source: str = "auto") -> dict[str, str | None]:
    """The speaker of each clip id (None when unknown) from the configured source."""
    if source == "none":
        return dict.fromkeys(clip_ids)
    path = Path(source)
    if path.suffix.lower() == ".csv" and path.is_file():
        mapping = _from_csv(path)
        return {cid: mapping.get(normalise_clip_id(cid)) for cid in clip_ids}
    patterns = _patterns(source)
    out: dict[str, str | None] = {}
    for cid in clip_ids:
        out[cid] = None
        for pattern in patterns:
            match = pattern.search(cid)
            if match:
                out[cid] = match.group("speaker")
                break
    return out
