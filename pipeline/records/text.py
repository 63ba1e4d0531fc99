"""Plain-text helpers used across the project: one sentence splitter and one negation list.

The splitter treats a line break and a sentence end (. ! ? followed by a space and no lower-case word) as a
boundary, and does not split inside a quotation. The negation list is data (prompts/vocab/negations.yaml).
"""

from __future__ import annotations

import re
from functools import cache

from emer.pipeline.records.vocab import load_data_yaml

# A sentence ends after . ! or ? (and a closing quote) before what may start one: not a lower-case word, nor a
# parenthesis or a comma ("ice cream! ), which ..." and a translation in parentheses after a quote stay in it).
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[^a-z0-9\s(),;:\]])|(?<=[.!?][\"'”’])\s+(?=[^(),;:\]])|\s*\n+\s*")
QUOTE_RE = re.compile(r"\"([^\"\n]{1,400})\"|“([^”\n]{1,400})”|‘([^’\n]{1,400})’"
                      r"|(?<![A-Za-z0-9])'(.{1,400}?)'(?![A-Za-z0-9])")
APOSTROPHE_RE = re.compile(r"(?<=[A-Za-z])’(?=[A-Za-z])")


def sentence_spans(masked: str, text: str | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences (also lines) of a text whose quotes are masked (replaced by text of the
    same length without sentence ends or line breaks), stripped, empty ones dropped. `text`: the text before
    masking, whose whitespace is what is stripped (a mask's padding is blank, and a quote closing a line or the text
    is part of its sentence)."""
    plain = masked if text is None else text
    spans, start = [], 0
    for m in [*SENTENCE_RE.finditer(masked), None]:
        end = m.start() if m is not None else len(masked)
        if m is not None and "\n" in m.group(0):  # the line ends at its break, not where a mask's padding starts
            end = m.start() + m.group(0).index("\n")
        a, b = start, end
        while a < b and plain[a].isspace():
            a += 1
        while b > a and plain[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))
        if m is not None:
            start = m.end()
    return spans


def mask_quotes_plain(text: str) -> str:
    """The text with each quotation's inside blanked (same length); a quote ending a sentence keeps a '!' so
    the sentence still ends there."""

    def repl(m: re.Match[str]) -> str:
        inner = next(g for g in m.groups() if g is not None)
        pad = len(m.group(0)) - 3
        end = "!" if inner.rstrip()[-1:] in (".", "!", "?") and pad >= 1 else ""
        return "qqa" + " " * (pad - len(end)) + end

    return QUOTE_RE.sub(repl, text)


def split_sentences(text: str) -> list[str]:
    """The text's sentences (also lines); a sentence inside a quotation does not end the sentence quoting it."""
    masked = mask_quotes_plain(APOSTROPHE_RE.sub("'", text))
    return [text[a:b] for a, b in sentence_spans(masked, text)]


def first_sentence(text: str, limit: int = 160) -> str:
    """A text's first sentence, cut to `limit` characters (for one-line tables)."""
    sentences = split_sentences(text.strip())
    head = sentences[0].strip() if sentences else ""
    return head if len(head) <= limit else head[: limit - 1] + "…"


def last_cut(text: str) -> int | None:
    """The end of the text's last whole sentence (where a text cut mid-sentence can be cut back to), or None."""
    spans = sentence_spans(mask_quotes_plain(APOSTROPHE_RE.sub("'", text)), text)
    ends = [b for a, b in spans if text[b - 1: b] in (".", "!", "?", "\"", "”", "’", "'")]
    return ends[-1] if ends else None


@cache
def negations() -> frozenset[str]:
    """Words that negate what follows (prompts/vocab/negations.yaml)."""
    return frozenset(str(w).lower() for w in load_data_yaml("vocab", "negations.yaml")["negations"])
