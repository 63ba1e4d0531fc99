"""The reasoner: a local GGUF model through llama-cpp-python, in two stages.

1. Free reasoning, without a grammar (grammar-constrained decoding costs ~30 ms a token here): the model
   reads the rendered clues and writes a few sentences, capped in tokens and cut back to a whole sentence.
2. A short constrained decision: the model's JSON answer is forced by llama.cpp's JSON-schema grammar (label
   from the label set, confidence, emotion words, evidence by modality) and validated into `Prediction`.

Deterministic by default: temperature 0 and a fixed seed.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from typing import Any

from pydantic import Field, ValidationError

from pipeline.clues import CLUE_KINDS, Record
from pipeline.errors import ReasonerError, require
from pipeline.models import ModelStore, ResolvedModel
from pipeline.prompt import LabelSet, RenderedPrompt
from pipeline.results import Evidence, GenerationStats, Prediction

DEFAULT_LLM = "qwen2.5-1.5b"


class LLMConfig(Record):
    model: str = Field(DEFAULT_LLM, description="registered model name or a path to any GGUF file")
    n_ctx: int = Field(4096, ge=512)
    n_threads: int | None = Field(None, description="CPU threads; None = all cores")
    seed: int = 1234
    temperature: float = Field(0.0, ge=0)
    repeat_penalty: float = Field(1.1, ge=1.0)
    max_reasoning_tokens: int = Field(160, ge=16, le=1024)
    max_decision_tokens: int = Field(160, ge=32, le=512)
    max_open_vocab: int = Field(4, ge=1, le=8)
    max_evidence: int = Field(3, ge=1, le=8)
    max_evidence_chars: int = Field(80, ge=10, le=300, description="length cap of each evidence text")


_LOADED: dict[tuple[str, int, int], Any] = {}
_LOAD_LOCK = threading.Lock()


def load_llama(path: str, n_ctx: int, n_threads: int) -> tuple[Any, float]:
    """Load a GGUF once per process and reuse it; returns the model and the seconds spent loading now."""
    llama_cpp = require("llama_cpp", "pip install 'llama-cpp-python==0.3.36'")
    key = (path, n_ctx, n_threads)
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key], 0.0
        start = time.perf_counter()
        llm = llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                              verbose=False)
        _LOADED[key] = llm
        return llm, time.perf_counter() - start


def decision_schema(label_set: LabelSet, modalities: list[str], config: LLMConfig,
                    vocabulary: list[str] | None = None) -> dict[str, Any]:
    """The JSON schema the decision is constrained to. The label comes first, right after the reasoning.
    `vocabulary` restricts the emotion words (to a taxonomy's words) so no transcript word slips in."""
    word: dict[str, Any] = (
        {"type": "string", "enum": vocabulary} if vocabulary else {"type": "string", "pattern": "^[a-z]{3,20}$"}
    )
    label: dict[str, Any] = (
        {"type": "string", "enum": list(label_set.labels)} if label_set.labels
        else {"type": "string", "pattern": "^[a-z]{3,20}$"}
    )
    return {
        "type": "object",
        "properties": {
            "label": label,
            "confidence_percent": {"type": "integer", "minimum": 0, "maximum": 100},
            "emotion_words": {"type": "array", "items": word,
                              "minItems": 1, "maxItems": config.max_open_vocab},
            "evidence": {
                "type": "array", "minItems": 1, "maxItems": config.max_evidence,
                "items": {
                    "type": "object",
                    "properties": {"modality": {"type": "string", "enum": modalities},
                                   "clue": {"type": "string", "maxLength": config.max_evidence_chars}},
                    "required": ["modality", "clue"],
                },
            },
        },
        "required": ["label", "confidence_percent", "emotion_words", "evidence"],
    }


_CUT_POINT = re.compile(r"[.!?](?=\s)|\n")


def trim_reasoning(text: str, truncated: bool) -> str:
    """Drop repeated lines (small models loop) and, if the token cap cut the text, its unfinished tail."""
    text = text.strip()
    if truncated:
        cuts = [m.end() for m in _CUT_POINT.finditer(text)]
        if cuts:
            text = text[: cuts[-1]].rstrip()
    seen: set[str] = set()
    kept = []
    for line in text.splitlines():
        key = line.strip().lower()
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


class RawExchange(Record):
    """The raw model text of both stages, saved beside each result."""

    reasoning_raw: str
    reasoning_finish: str
    decision_raw: str
    decision_finish: str


class Reasoner:
    """Turns a rendered prompt into a validated Prediction with a local LLM."""

    def __init__(self, config: LLMConfig | None = None, models: ModelStore | None = None) -> None:
        self.config = config or LLMConfig()
        self.models = models or ModelStore()
        self._resolved: ResolvedModel | None = None
        self.load_seconds = 0.0

    @property
    def model(self) -> ResolvedModel:
        if self._resolved is None:
            self._resolved = self.models.resolve(self.config.model)
        return self._resolved

    def _llm(self):
        threads = self.config.n_threads or os.cpu_count() or 1
        llm, seconds = load_llama(self.model.path, self.config.n_ctx, threads)
        self.load_seconds += seconds
        return llm

    def reason(self, prompt: RenderedPrompt, label_set: LabelSet, modalities: list[str] | None = None,
               vocabulary: list[str] | None = None) -> tuple[Prediction, GenerationStats, RawExchange]:
        """Run both stages on one prompt; `modalities` restricts evidence to the clues that are present,
        `vocabulary` the emotion words."""
        llm = self._llm()
        cfg = self.config
        sampling = {"temperature": cfg.temperature, "seed": cfg.seed, "repeat_penalty": cfg.repeat_penalty}
        messages = [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]
        llm.reset()
        t0 = time.perf_counter()
        first = llm.create_chat_completion(messages=messages, max_tokens=cfg.max_reasoning_tokens, **sampling)
        t1 = time.perf_counter()
        reasoning_raw = first["choices"][0]["message"]["content"] or ""
        reasoning_finish = first["choices"][0].get("finish_reason") or ""
        truncated = reasoning_finish == "length"
        reasoning = trim_reasoning(reasoning_raw, truncated)
        schema = decision_schema(label_set, modalities or list(CLUE_KINDS), cfg, vocabulary)
        messages += [{"role": "assistant", "content": reasoning}, {"role": "user", "content": prompt.decision}]
        second = llm.create_chat_completion(
            messages=messages, max_tokens=cfg.max_decision_tokens,
            response_format={"type": "json_object", "schema": schema}, **sampling,
        )
        t2 = time.perf_counter()
        decision_raw = second["choices"][0]["message"]["content"] or ""
        raw = RawExchange(reasoning_raw=reasoning_raw, reasoning_finish=reasoning_finish,
                          decision_raw=decision_raw,
                          decision_finish=second["choices"][0].get("finish_reason") or "")
        prediction = self._parse(decision_raw, reasoning, truncated, label_set)
        stats = GenerationStats(
            prompt_tokens=first["usage"]["prompt_tokens"],
            reasoning_tokens=first["usage"]["completion_tokens"],
            decision_tokens=second["usage"]["completion_tokens"],
            reasoning_seconds=round(t1 - t0, 3), decision_seconds=round(t2 - t1, 3),
        )
        return prediction, stats, raw

    @staticmethod
    def _parse(decision_raw: str, reasoning: str, truncated: bool, label_set: LabelSet) -> Prediction:
        try:
            answer = json.loads(decision_raw)
            label = answer["label"]
            if label_set.labels and label not in label_set.labels:
                raise ReasonerError(f"label {label!r} is not in the label set {label_set.name}")
            words = list(dict.fromkeys(w.lower() for w in answer["emotion_words"]))
            return Prediction(
                reasoning=reasoning, reasoning_truncated=truncated, label=label,
                confidence=answer["confidence_percent"] / 100, open_vocab=words,
                evidence=[Evidence.model_validate(e) for e in answer["evidence"]],
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValidationError) as e:
            raise ReasonerError(f"the model's decision is not valid JSON for the schema ({e}): "
                                f"{decision_raw[:300]!r}") from e
