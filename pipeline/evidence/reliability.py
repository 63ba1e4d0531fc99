"""How far each modality's clue can be trusted on this clip, 0-1: the factor its fitted fusion weight is
multiplied by in the evidence summary (pipeline/evidence/summary.py).

- face: the share of sampled frames with a face (a face seen in a third of the frames says less);
- prosody: the share of voiced frames, relative to VOICED_FULL (read speech is voiced about half the time;
  a clip with little voicing is mostly noise or silence);
- speech and text: Whisper's confidence in the transcript, its mean token probability (exp avg_logprob) times
  the probability that the segment is speech, averaged over segments weighted by duration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

VOICED_FULL = 0.3  # a voiced share at or above this counts fully


def face_reliability(data: Any) -> float:
    return round(data.frames_with_face / data.frames_sampled, 4) if data.frames_sampled else 0.0


def prosody_reliability(data: Any) -> float:
    return round(min(1.0, data.voiced_ratio / VOICED_FULL), 4)


def asr_reliability(data: Any) -> float:
    total = weight = 0.0
    for seg in data.segments:
        duration = max(seg.end - seg.start, 0.01)
        p_tokens = math.exp(seg.avg_logprob) if seg.avg_logprob is not None else 1.0
        p_speech = 1.0 - seg.no_speech_prob if seg.no_speech_prob is not None else 1.0
        total += duration * p_tokens * p_speech
        weight += duration
    return round(total / weight, 4) if weight else 0.0


def reliabilities(clues: Mapping[str, Any]) -> dict[str, float]:
    """modality -> reliability for the modalities whose clue is ok (text shares the transcript's)."""
    out: dict[str, float] = {}
    for kind, fn in (("face", face_reliability), ("prosody", prosody_reliability), ("speech", asr_reliability)):
        clue = clues.get(kind)
        if clue is not None and clue.status == "ok" and clue.data is not None:
            out[kind] = fn(clue.data)
    if "speech" in out:
        out["text"] = out["speech"]
    return out
