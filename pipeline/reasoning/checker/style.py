"""Form: an explanation is plain prose. Percentages and list items (bullets, numbered items, headings, a label
copied from the notes such as "What is said:") are not."""

from __future__ import annotations

import re

from emer.pipeline.reasoning.checker.lexicon import _module_set
from emer.pipeline.records.checks import Claim

_HEADING = re.compile(r"^\s*(?:" + "|".join(re.escape(h) for h in sorted(_module_set("style", "headings"), key=len,
                                                                       reverse=True)) + r")\s*:", re.I)
_PERCENT = re.compile(r"\d+(?:\.\d+)?\s*(?:%|percent\b|per\s+cent\b)", re.I)
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])(?:\s+|$)|^\s*#{1,6}\s|^\s*\*\*[^*]{1,40}\*\*\s*:?")


def style_claims(sentence: str) -> list[Claim]:
    """A percentage in the sentence, or the sentence being a list item or heading."""
    out = []
    if m := _PERCENT.search(sentence):
        out.append(Claim(sentence=sentence, phrase=m.group(0), modality="evidence", cue="percentage",
                         asserted=m.group(0), verdict="disallowed",
                         detail="You wrote a percentage; describe the cues in words, without numbers."))
    if m := _LIST_ITEM.search(sentence) or _HEADING.search(sentence):
        out.append(Claim(sentence=sentence, phrase=m.group(0).strip(), modality="evidence", cue="list",
                         asserted="list", verdict="disallowed",
                         detail="You wrote a list or a heading; write plain prose sentences."))
    return out
