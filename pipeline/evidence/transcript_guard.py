"""Is a Whisper transcript something that was said? The guards openai/whisper's `transcribe.py` uses to reject a
decoding (compression ratio above 2.4: a repetition loop; average log-probability below -1; no-speech probability
above 0.6 together with a low log-probability: silence or noise decoded as words), plus a repetition-loop test
on the words themselves, a low language probability (the language was guessed) and non-speech annotations
("(crying)", "[laughter]", "*sobs*": Whisper writes what it hears when nobody speaks).

An unreliable transcript is kept in the speech clue as heard, marked (`SpeechData.reliable`, `unreliable`),
and never read as evidence, quoted or shown as what was said. The thresholds are the run's (`SpeechConfig.guard`).
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import Any

from pydantic import Field

from emer.pipeline.records.clues import Record, SpeechSegment
from emer.pipeline.records.vocab import load_data_yaml


class TranscriptGuard(Record):
    """Thresholds of the transcript guards (openai/whisper transcribe.py defaults where it has one)."""

    enabled: bool = Field(True, description="judge the transcript; False keeps every transcript as reliable")
    compression_ratio: float = Field(2.4, gt=0, description="zlib compression ratio of the text above which "
                                     "it is a repetition loop (whisper's compression_ratio_threshold)")
    logprob: float = Field(-1.0, description="mean token log-probability below which the transcript is a guess "
                           "(whisper's logprob_threshold)")
    no_speech: float = Field(0.6, ge=0, le=1, description="no-speech probability above which, with a low "
                             "log-probability, a segment is silence or noise (whisper's no_speech_threshold)")
    language_probability: float = Field(0.5, ge=0, le=1, description="a detected language less likely than this "
                                        "is a guess (the words are then likely misheard)")
    max_repeats: int = Field(6, ge=2, description="the same word or short phrase (up to 4 words) this many times "
                             "in a row is a loop (a longer phrase: twice)")


@cache
def _non_speech_words() -> frozenset[str]:
    """prompts/evidence/non_speech.yaml: words Whisper writes for sounds that are not speech."""
    return frozenset(w.lower() for w in load_data_yaml("evidence", "non_speech.yaml")["sounds"])


@cache
def _hallucinations() -> tuple[str, ...]:
    """prompts/evidence/non_speech.yaml: sentences Whisper writes on audio it cannot make out."""
    return tuple(h.lower() for h in load_data_yaml("evidence", "non_speech.yaml")["hallucinations"])


_ANNOTATION = re.compile(r"[\[(*♪][^\])*♪]{0,40}[\])*♪]")


def strip_annotations(text: str) -> tuple[str, list[str]]:
    """The text without Whisper's sound annotations ("[laughter]", "(crying)", "*sobs*", "♪"), and the
    annotations removed, in words ("laughter", "crying")."""
    found = [re.sub(r"[\[\]()*♪]", "", m.group(0)).strip().lower() for m in _ANNOTATION.finditer(text)]
    rest = " ".join(_ANNOTATION.sub(" ", text).split())
    rest = rest if re.search(r"\w", rest) else ""  # a lone "♪" or "..." is no speech either
    words = re.findall(r"\w+", rest.lower())
    if words and all(w in _non_speech_words() for w in words):  # "Crying." / "Laughs" written without brackets
        found.append(" ".join(words))
        rest = ""
    return rest, [f for f in found if f]


def compression_ratio(text: str) -> float:
    """Bytes of the text over its zlib-compressed bytes (whisper's measure of repetition)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _units(text: str) -> list[str]:
    """Words; for a script written without spaces (Chinese, Japanese), its characters."""
    words = re.findall(r"\w+", text.lower())
    if len(words) <= 2 and len(text) > 8:
        return [c for c in text if c.strip() and re.match(r"\w", c)]
    return words


def repetition(text: str, max_repeats: int) -> str | None:
    """A word or a phrase of up to 4 units said `max_repeats` times or more in a row, a phrase of 5 units or
    more said twice in a row (people repeat short words for emphasis, "no, no, no, no", but seldom a whole
    clause), or a text of 12 units or more that is two thirds one unit: the phrase repeated, else None."""
    units = _units(text)
    for n in range(1, 13):
        times = max_repeats if n < 5 else 2
        for i in range(len(units) - n * times + 1):
            gram = units[i: i + n]
            if all(units[i + k * n: i + (k + 1) * n] == gram for k in range(times)):
                return " ".join(gram)
    if len(units) >= 12:
        unit, count = Counter(units).most_common(1)[0]
        if count >= 2 * len(units) / 3:
            return unit
    return None


def loops(text: str, guard: TranscriptGuard, what: str = "") -> list[str]:
    """A repetition loop, repetitive text or one of Whisper's known hallucinated sentences in `text` (`what`
    names the text in the reason: "" for the transcript, "in the translation")."""
    where = f" {what}" if what else ""
    if (loop := repetition(text, guard.max_repeats)) is not None:
        return [f"a repetition loop{where} (\"{loop}\" again and again)"]
    if (ratio := compression_ratio(text)) > guard.compression_ratio:
        return [f"repetitive text{where} (compression ratio {ratio:.1f} > {guard.compression_ratio})"]
    low = text.lower()
    if any(h in low for h in _hallucinations()):
        return [f"a sentence Whisper writes on audio it cannot make out{where}"]
    return []


def judge(text: str, segments: Sequence[SpeechSegment], language_probability: float | None,
          guard: TranscriptGuard) -> list[str]:
    """Why the transcript is no evidence of what was said (empty: it can be trusted)."""
    if not guard.enabled or not text:
        return []
    reasons = loops(text, guard)
    total = sum(max(s.end - s.start, 0.01) for s in segments) or 1.0
    logprob = sum((s.avg_logprob or 0.0) * max(s.end - s.start, 0.01) for s in segments) / total
    if segments and logprob < guard.logprob:
        reasons.append(f"the recogniser was unsure of the words (mean log-probability {logprob:.2f} < "
                       f"{guard.logprob})")
    silent = [s for s in segments if (s.no_speech_prob or 0.0) > guard.no_speech
              and (s.avg_logprob or 0.0) < guard.logprob]
    if silent and len(silent) * 2 >= len(segments):
        reasons.append("most of it was decoded from what the recogniser took for silence or noise")
    if language_probability is not None and language_probability < guard.language_probability:
        reasons.append(f"the language was a guess (probability {language_probability:.2f})")
    return reasons


def speech_warnings(speech: Any) -> list[str]:
    """A warning for the result when the speech clue's transcript was not trusted."""
    data = getattr(speech, "data", None) if getattr(speech, "status", None) == "ok" else None
    return [] if data is None or data.reliable else [f"the transcript is not trusted and was not read: "
                                                     f"{'; '.join(data.unreliable)}"]
