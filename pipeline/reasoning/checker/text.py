"""The reasoning checker: text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from emer.pipeline.reasoning.checker.lexicon import (
    _ANCHORS,
    _CLAUSE_PUNCT,
    _CLAUSE_WORDS,
    _HEDGES,
    _NEGATORS,
    _WORDS,
    _emotion,
)
from emer.pipeline.records.text import QUOTE_RE as _QUOTE_RE

# --- text -------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\d+(?:\.\d+)?|[a-z0-9]+(?:['\-/][a-z0-9]+)*|[^\sa-z0-9]")
_AU_CODE_RE = re.compile(r"^au(\d{1,2})$")
_QUOTE_TOKEN_RE = re.compile(r"\bq[qx]([a-z]) *!?")


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int


def _normalise_text(text: str) -> str:
    text = re.sub(r"\baction units?\s+(\d)", r"AU\1", text, flags=re.I)
    text = re.sub(r"\bAU\s+(\d)", r"AU\1", text, flags=re.I)

    def expand(m: re.Match[str]) -> str:
        nums = re.findall(r"\d{1,2}", m.group(0))
        return " and ".join(f"AU{n}" for n in nums)

    text = re.sub(r"\bAUs\s*\d{1,2}(?:\s*(?:,|and|&|\+|/)\s*\d{1,2}\b)+", expand, text, flags=re.I)
    text = re.sub(r"\bAU\d{1,2}(?:\s*[+/]\s*(?:AU)?\d{1,2}\b)+",
                  lambda m: " + ".join(f"AU{n}" for n in re.findall(r"\d{1,2}", m.group(0))), text, flags=re.I)
    return text


# a masked quote that may be what was said (`_mask_quotes`)
SAID_QUOTE_RE = re.compile(r"\bqq[a-z]\b")


def _mask_quotes(sentence: str, known: str = "") -> tuple[str, list[str]]:
    """Quoted passages replaced by placeholders padded to the same length: qqa, qqb, ... for a quote that may be
    what was said, qxa, ... for a quoted label, category word or piece of the evidence (`known`: the evidence's
    words). Returns the masked sentence and the quotes in order."""
    quotes: list[str] = []

    def repl(m: re.Match[str]) -> str:
        inner = next(g for g in m.groups() if g is not None)
        if len(quotes) >= 26:
            return m.group(0)
        quotes.append(inner)
        words = _words_of(inner)
        label_like = bool(words) and len(words) <= 2 and all(_emotion(w) or w in _WORDS for w in words)
        other_script = not words and re.search(r"[^\W\d_]", inner) is not None  # Chinese, Korean, ...: maybe said
        kind = "x" if (not words and not other_script) or label_like or (
            known and words and f" {' '.join(words)} " in known) else "q"
        pad = len(m.group(0)) - 3
        end = "!" if inner.rstrip()[-1:] in (".", "!", "?") and pad >= 1 else ""  # the quote ends a sentence
        return "q" + kind + chr(ord("a") + len(quotes) - 1) + " " * (pad - len(end)) + end

    return _QUOTE_RE.sub(repl, sentence), quotes  # "Don’t" must be "Don't" already


def _unmask(text: str, quotes: Sequence[str]) -> str:
    """Quote placeholders back to the quotes (in typographic quotes, which survive being quoted again)."""

    def repl(m: re.Match[str]) -> str:
        k = ord(m.group(1)) - ord("a")
        quote = f"“{quotes[k]}”" if k < len(quotes) else m.group(0)
        nxt = m.string[m.end(): m.end() + 1]
        return quote + (" " if nxt.isalnum() or nxt in "\"'“(" else "")

    return _QUOTE_TOKEN_RE.sub(repl, text)


def _tokenise(text: str) -> list[_Tok]:
    """Lower-cased tokens with their character spans; quote placeholders become the tokens "qq" (maybe what
    was said) and "qx" (anything else quoted)."""
    low = text.lower()
    return [_Tok(m.group(0)[:2] if re.fullmatch(r"q[qx][a-z]", m.group(0)) else m.group(0), m.start(), m.end())
            for m in _TOKEN_RE.finditer(low)]


def _words_of(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'"))


def _phrase(sentence: str, toks: Sequence[_Tok], start: int, end: int) -> str:
    if end <= start:
        return ""
    text = sentence[toks[start].start: toks[end - 1].end]
    if text.count("(") > text.count(")") and end < len(toks) and toks[end].text == ")":
        text = sentence[toks[start].start: toks[end].end]
    return text


def _q(phrase: str) -> str:
    """A phrase quoted for a message."""
    return f"'{phrase}'" if '"' in phrase else f'"{phrase}"'



@cache
def _lexicon() -> tuple[dict[tuple[str, ...], tuple[str, Any]], int]:
    """phrase tokens -> ("anchor", (group, cues)) | ("word", word); and the longest phrase length."""
    table: dict[tuple[str, ...], tuple[str, Any]] = {}
    for w in _WORDS:
        table[tuple(w.split())] = ("word", w)
    for p, v in _ANCHORS.items():
        table[tuple(p.split())] = ("anchor", v)
    return table, max(len(k) for k in table)


def _match(tokens: Sequence[str], table: Mapping[tuple[str, ...], Any], longest: int) -> list[tuple[int, int, Any]]:
    out = []
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            value = table.get(tuple(tokens[i: i + n]))
            if value is not None:
                out.append((i, i + n, value))
                i += n
                break
        else:
            i += 1
    return out


def _clauses(toks: Sequence[_Tok]) -> list[tuple[int, int, bool]]:
    """Token ranges of the clauses of a sentence, and whether a clause continues the one before ("..., which
    suggests fear", "..., pointing to fear"): such a clause may refer to the cue nouns of the one before."""
    out: list[tuple[int, int, bool]] = []
    start, brk = 0, ""
    for i, t in enumerate(toks):
        if t.text in _CLAUSE_PUNCT or t.text in _CLAUSE_WORDS:
            if i > start:
                cont = brk == "which" or (brk == "," and toks[start].text.endswith("ing"))
                out.append((start, i, cont))
            start, brk = i + 1, t.text
    if start < len(toks):
        cont = brk == "which" or (brk == "," and toks[start].text.endswith("ing"))
        out.append((start, len(toks), cont))
    return out


def _negation(texts: Sequence[str], i: int, lo: int, window: int = 4) -> int | None:
    """The index of the word that negates token i, or None."""
    for k in range(i - 1, max(lo, i - window) - 1, -1):
        if texts[k] in _NEGATORS or texts[k].endswith("n't"):
            return k
    if tuple(texts[max(lo, i - 2): i]) in {("rather", "than"), ("instead", "of")}:
        return i - 2
    if tuple(texts[max(lo, i - 3): i]) == ("as", "opposed", "to"):
        return i - 3
    return None


def _hedged(texts: Sequence[str], i: int, lo: int) -> bool:
    return any(t in _HEDGES for t in texts[max(lo, i - 2): i])
