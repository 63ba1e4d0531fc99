"""Transcripts that can be trusted or are marked (evidence/transcript_guard.py): repetition loops, Whisper's stock
sentences, low confidence and sound annotations make a transcript unreliable; an unreliable transcript is no
evidence, is never quoted (prompt, notes, checker) and leaves a warning. The slow tests run the real
whisper-base on a synthesized repetition loop (espeak-ng) and on synthesized laughter and crying with no words."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from emer.extractors.speech_faster_whisper import FasterWhisperSpeechExtractor
from emer.pipeline.evidence.references import clip_features
from emer.pipeline.evidence.summary import build_evidence
from emer.pipeline.evidence.transcript_guard import TranscriptGuard, judge, loops, strip_annotations
from emer.pipeline.inputs.clip import AUDIO_RATE
from emer.pipeline.reasoning.checker import check_reasoning
from emer.pipeline.reasoning.checker.coherence import label_basics
from emer.pipeline.reasoning.cues import explain_notes, plain_cues
from emer.pipeline.records.clues import ClueStatus, SpeechClue, SpeechData, SpeechSegment
from emer.pipeline.records.evidence import EvidenceConfig
from emer.pipeline.records.vocab import load_label_set
from tests.media import synthetic_clip

GUARD = TranscriptGuard()
LOOP = " ".join(["아니"] * 50)  # the measured in-the-wild case: a woman apologising while crying, heard as Korean


@pytest.mark.parametrize("text", [LOOP, "No, no, no, no, no, no, no, no, no.",
                                  "I will take care of you. I will take care of you.",
                                  "my great-great-great-great-great-great-great-great",
                                  "This is the end of this video. See you in the next one.",
                                  "Thanks for watching!"])
def test_loops_and_stock_sentences_are_found(text):
    assert loops(text, GUARD)


@pytest.mark.parametrize("text", ["I am furious that you lied to me again.", "No, no, no, no!",
                                  "Stop it, stop it, stop it!", "我一直担心检查结果会不好。",
                                  "Das ist eine Unverschämtheit, das verzeihe ich ihnen nie.", "No."])
def test_ordinary_speech_passes(text):
    assert loops(text, GUARD) == []


def test_sound_annotations_are_removed_and_named():
    assert strip_annotations("(crying)") == ("", ["crying"])
    assert strip_annotations("[Laughter] I can't believe it!") == ("I can't believe it!", ["laughter"])
    assert strip_annotations("*sobs* ♪") == ("", ["sobs"])
    assert strip_annotations("Crying.") == ("", ["crying"])
    assert strip_annotations("No, I'm not crying.")[0] == "No, I'm not crying."


def _segment(logprob: float, no_speech: float = 0.1) -> SpeechSegment:
    return SpeechSegment(start=0.0, end=2.0, text="x", avg_logprob=logprob, no_speech_prob=no_speech)


def test_whispers_thresholds_mark_the_transcript():
    assert judge("I got the job.", [_segment(-0.3)], 0.95, GUARD) == []
    assert "unsure" in judge("I got the job.", [_segment(-1.2)], 0.95, GUARD)[0]
    assert any("silence" in r for r in judge("You.", [_segment(-1.1, 0.8)], None, GUARD))
    assert "guess" in judge("I got the job.", [_segment(-0.3)], 0.3, GUARD)[0]
    assert judge(LOOP, [_segment(-0.3)], 0.9, TranscriptGuard(enabled=False)) == []


def _unreliable_clue() -> SpeechClue:
    data = SpeechData(language="ko", language_probability=0.6, text=LOOP, segments=[_segment(-0.4)], words=50,
                      speech_seconds=2.0, words_per_second=25.0, reliable=False,
                      unreliable=loops(LOOP, GUARD))
    extractor = {"name": "faster-whisper", "version": "1.3.0", "kind": "speech", "config": {}}
    return SpeechClue(clip_id="c", clip_sha256="0" * 64, extractor=extractor, status="ok", data=data)


def test_an_unreliable_transcript_is_no_evidence_never_quoted_and_warned():
    clue = _unreliable_clue()
    clues = {"speech": clue}
    evidence = build_evidence("c", clip_features("c", [clue]), clues, load_label_set("meld"), None,
                              EvidenceConfig())
    assert evidence.modality("speech") is None and evidence.modality("text") is None
    words = next(c for c in evidence.channels if c.channel == "words")
    assert words.status == "unreliable" and words.words is None and "아니" not in (words.note or "")
    assert evidence.warnings and "repetition loop" in evidence.warnings[0]
    plain = plain_cues(evidence, ["anger", "sadness"])
    assert plain.transcript is None and "아니" not in plain.model_dump_json()
    notes = explain_notes(plain, "sadness", label_basics("sadness"))
    assert "아니" not in str(notes)
    quoted = check_reasoning('The person says "아니 아니 아니 아니". The person is sad.', evidence, clues,
                             label="sadness", explanation=True)
    assert any(c.cue == "transcript" and c.verdict == "invented" for c in quoted.claims)


def test_the_run_language_reaches_the_speech_extractor():
    from emer.pipeline.run.config import RunConfig

    config = RunConfig(language="zh")
    speech = next(c for c in config.extractors if c.name == "faster-whisper")
    assert speech.config["language"] == "zh"
    own = RunConfig(language="zh", extractors=[{"name": "faster-whisper", "config": {"language": "de"}}])
    assert own.extractors[0].config["language"] == "de"  # an extractor's own option wins


# --- the real model ---------------------------------------------------------------------------------


def _wav(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
        rate = w.getframerate()
    if rate != AUDIO_RATE:  # espeak-ng writes 22.05 kHz
        x = np.interp(np.arange(0, len(x), rate / AUDIO_RATE), np.arange(len(x)), x).astype(np.float32)
    return x


def _sounds(seconds: float = 3.0) -> dict[str, np.ndarray]:
    """Laughter ("ha" bursts, five a second, voiced and breathy) and crying (a wailing, vibrato tone broken by
    sobbing gaps, with breath noise), both without words, at 16 kHz."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * AUDIO_RATE)) / AUDIO_RATE
    phase = 2 * np.pi * np.cumsum(300 - 15 * t) / AUDIO_RATE
    laugh = np.clip(np.sin(2 * np.pi * 5 * t), 0, None) ** 2 * (
        sum(np.sin(k * phase) / k for k in range(1, 12)) + 0.6 * rng.standard_normal(len(t)))
    wail = 2 * np.pi * np.cumsum(500 + 100 * np.sin(2 * np.pi * 0.4 * t) + 12 * np.sin(2 * np.pi * 6 * t)) / AUDIO_RATE
    cry = (np.sin(2 * np.pi * 1.3 * t) > -0.4) * sum(np.sin(k * wail) / k ** 1.5 for k in range(1, 8)) \
        + 0.3 * rng.standard_normal(len(t))
    return {name: (0.6 * x / np.max(np.abs(x))).astype(np.float32) for name, x in (("laughter", laugh),
                                                                                   ("crying", cry))}


def _not_quoted(clue: SpeechClue) -> bool:
    """Nothing of the clue can reach a prompt as what was said."""
    if clue.status != ClueStatus.ok or clue.data is None:
        return True
    evidence = build_evidence("c", clip_features("c", [clue]), {"speech": clue}, load_label_set("meld"), None,
                              EvidenceConfig())
    return not clue.data.reliable and plain_cues(evidence, []).transcript is None


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt-get install espeak-ng)")
def test_a_synthesized_repetition_loop_is_marked_and_not_quoted(model_store, tmp_path):
    extractor = FasterWhisperSpeechExtractor(models=model_store)
    wav = tmp_path / "loop.wav"
    subprocess.run(["espeak-ng", "-s", "175", "-w", str(wav), " ".join(["no"] * 14)], check=True,
                   capture_output=True)
    clue = extractor.extract(synthetic_clip(_wav(wav), "loop"))
    assert clue.status == ClueStatus.ok and clue.data is not None and not clue.data.reliable, clue
    assert "repetition loop" in clue.data.unreliable[0] and "unreliable" in (clue.detail or "")
    assert _not_quoted(clue)


@pytest.mark.slow
@pytest.mark.parametrize("vad", [True, False])
def test_laughter_and_crying_without_words_are_not_quoted(model_store, vad):
    extractor = FasterWhisperSpeechExtractor({"vad_filter": vad}, models=model_store)
    for name, audio in _sounds().items():
        clue = extractor.extract(synthetic_clip(audio, name))
        assert _not_quoted(clue), (name, vad, clue.data)
