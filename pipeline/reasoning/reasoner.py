"""The reasoner: a local GGUF model through llama-cpp-python, every pass on one `LlamaSession`
(pipeline/reasoning/session.py: KV reuse, per-pass token and time statistics). Its passes, which
`pipeline/reasoning/explain.py` puts together:

1. The label, order-free: every label is scored by the model's log-likelihood of answering it (label tokens plus
   end of turn) after the clip's cues, calibrated against the same question on a content-free input (Zhao et
   al., 2021, "Calibrate before use", ICML), instead of letting the model generate the label token.
2. The explanation of the decided label: greedy decoding, capped in tokens and cut back to a whole sentence;
   with `self_check: rewrite`, written again once with the checker's problems as feedback.

Deterministic: greedy decoding, and every clip's passes give the numbers of the same passes from an empty cache.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from emer.pipeline.reasoning.llm_check import ensure_llm_runs
from emer.pipeline.reasoning.prompt import RenderedPrompt
from emer.pipeline.reasoning.score_cache import cached_scores
from emer.pipeline.reasoning.session import LlamaSession
from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import require
from emer.pipeline.records.text import last_cut
from emer.pipeline.store.models import ModelStore, ResolvedModel

DEFAULT_LLM = "qwen2.5-1.5b"


class LLMConfig(Record):
    model: str = Field(DEFAULT_LLM, description="registered model name or a path to any GGUF file")
    n_ctx: int = Field(4096, ge=512)
    n_threads: int | None = Field(None, description="CPU threads; None = all cores")
    repeat_penalty: float = Field(1.1, ge=1.0, description="llama.cpp's classic repeat penalty over the last 64 "
                                  "tokens of greedy decoding")
    calibrate: bool = Field(True, description="subtract the label log-likelihoods of a content-free input")
    label_order: Literal["sorted", "given"] = Field(
        "sorted", description="order of the labels shown to the model: sorted alphabetically, so the answer "
        "cannot depend on how a label set lists them, or as the label set gives them")
    self_check: Literal["drop", "rewrite", "off"] = Field(
        "drop", description="what happens to an explanation the checker finds contradicting the clues: drop the "
        "offending (and repeated) sentences; rewrite: the model rewrites once with the problems as feedback "
        "(prompts/templates/default/rewrite.j2), then drop (about 8 s more per rewritten clip here); off: keep "
        "it, flagged")
    max_explanation_tokens: int = Field(150, ge=16, le=1024, description="cap of the explanation: about five short "
                                        "sentences; the cut falls back to the last whole sentence")
    lookup_tokens: int = Field(0, ge=0, le=32, description="prompt-lookup decoding: tokens proposed after each "
                               "generated one from where the last few tokens occur earlier in the prompt or the "
                               "answer, checked in the same decode call; the text is that of plain greedy decoding, "
                               "in fewer steps when the answer copies its notes (0: off)")
    lookup_ngram: int = Field(3, ge=1, le=8, description="longest run of last tokens looked up for a draft")
    max_open_vocab: int = Field(5, ge=1, le=8)
    max_evidence: int = Field(3, ge=1, le=8)
    max_evidence_chars: int = Field(80, ge=10, le=300, description="length cap of each evidence text")


_LOADED: dict[tuple[str, int, int, tuple[str, str] | None], Any] = {}
_LOAD_LOCK = threading.Lock()


def load_llama(path: str, n_ctx: int, n_threads: int, images: tuple[str, str] | None = None) -> tuple[Any, float]:
    """Load a GGUF once per process and reuse it; returns the model and the seconds spent loading now. The one
    place emer loads a llama.cpp model: the child-process check that this build runs it on this CPU first, and
    `n_threads` for generation and prompt evaluation alike. `images`: (chat handler class in
    llama_cpp.llama_chat_format, multimodal projector GGUF) for a vision-language model, whose
    `create_chat_completion` then reads images in the messages (it needs a llama-cpp-python built with libmtmd)."""
    llama_cpp = require("llama_cpp", "pip install 'llama-cpp-python==0.3.36'")
    key = (path, n_ctx, n_threads, images)
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key], 0.0
        start = time.perf_counter()
        ensure_llm_runs(path, n_threads)  # a build that crashes on this CPU fails here, in a child process
        extra: dict[str, Any] = {}
        if images is not None:
            chat_format = require("llama_cpp.llama_chat_format", "pip install 'llama-cpp-python==0.3.36'")
            handler, projector = images
            extra["chat_handler"] = getattr(chat_format, handler)(clip_model_path=projector, verbose=False)
        llm = llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                              verbose=False, **extra)
        _LOADED[key] = llm
        return llm, time.perf_counter() - start


def trim_reasoning(text: str, truncated: bool) -> str:
    """Drop repeated lines (small models loop) and, if the token cap cut the text, its unfinished tail."""
    text = text.strip()
    if truncated:
        cut = last_cut(text)
        if cut is not None:
            text = text[:cut].rstrip()
    seen: set[str] = set()
    kept = []
    for line in text.splitlines():
        key = line.strip().lower()
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


RESPONSE_SCHEMA_VERSION = "1.0"


class RawExchange(Record):
    """The raw model text of every step, saved beside each result (response.json)."""

    schema_version: Literal["1.0"] = RESPONSE_SCHEMA_VERSION
    reasoning_attempts: list[str] = Field(description="raw explanation text of each attempt (a rewrite second)")
    reasoning_finish: str
    label_logprobs: dict[str, float] | None = Field(None, description="log-likelihood of each label's answer")
    content_free_logprobs: dict[str, float] | None = Field(None, description="the same on a content-free input")


class Reasoner:
    """The local LLM of a run: the loaded model, its one `LlamaSession`, label answers and calibration."""

    def __init__(self, config: LLMConfig | None = None, models: ModelStore | None = None) -> None:
        self.config = config or LLMConfig()
        self.models = models or ModelStore()
        self._resolved: ResolvedModel | None = None
        self.load_seconds = 0.0
        self._calibration: dict[tuple[str, ...], dict[str, float]] = {}
        self._session: LlamaSession | None = None

    @property
    def model(self) -> ResolvedModel:
        if self._resolved is None:
            self._resolved = self.models.resolve(self.config.model)
        return self._resolved

    def _threads(self) -> int:
        return self.config.n_threads or os.cpu_count() or 1

    def check_runs(self) -> None:
        """Fetch the model if needed and make sure it runs here (a child process, once per install): raises
        LLMBuildError with the fix instead of crashing later, mid-run."""
        ensure_llm_runs(self.model.path, self._threads())

    def _llm(self):
        llm, seconds = load_llama(self.model.path, self.config.n_ctx, self._threads())
        self.load_seconds += seconds
        return llm

    def session(self) -> LlamaSession:
        """The KV-reusing session on the loaded model: every LLM pass of a run goes through it."""
        llm = self._llm()
        if self._session is None or self._session.llm is not llm:
            self._session = LlamaSession(llm, self.config.n_ctx, self.config.lookup_tokens,
                                         self.config.lookup_ngram)
        return self._session

    def answers(self, labels: list[str]) -> dict[str, list[int]]:
        """Each label's answer tokens: the label, then end of turn."""
        llm = self._llm()
        return {label: llm.tokenize(label.encode("utf-8"), add_bos=False, special=False) + [llm.token_eos()]
                for label in labels}

    def calibration(self, content_free: RenderedPrompt, labels: list[str]) -> dict[str, float] | None:
        """Label log-likelihoods on the content-free decide-then-explain prompt, computed once per run, prompt and
        label list (as a pass of the clip that needs it first); None when already known."""
        key = (content_free.template_sha256, content_free.system, content_free.user, *labels)
        if key in self._calibration:
            return self._calibration[key]
        s = self.session()
        s.begin("calibration")
        tokens = s.tokens(self.messages(content_free, content_free.decision))
        answers = self.answers(labels)
        self._calibration[key] = self._cached_scores(tokens, answers, lambda: s.score(tokens, answers))
        s.end()
        s.realign()
        return self._calibration[key]

    def _cached_scores(self, tokens: list[int], answers: dict[str, list[int]],
                       compute: Callable[[], dict[str, float]]) -> dict[str, float]:
        """Scores of a calibration prompt from the on-disk cache (pipeline/reasoning/score_cache.py)."""
        llama_cpp = require("llama_cpp", "pip install 'llama-cpp-python==0.3.36'")
        # the build's features (llamafile, repack, SIMD level) are part of the engine: they change the last bits
        engine = f"llama-cpp-python {llama_cpp.__version__} {llama_cpp.llama_print_system_info().decode().strip()}"
        return cached_scores(self.model.sha256, engine, tokens, answers, compute)

    @staticmethod
    def messages(prompt: RenderedPrompt, question: str | None = None) -> list[dict[str, str]]:
        """The prompt's system and user messages, then `question` as a second user message."""
        out = [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]
        if question is not None:
            out.append({"role": "user", "content": question})
        return out

    def label_logprobs(self, messages: list[dict[str, str]], labels: list[str], persist: bool = False
                       ) -> dict[str, float]:
        """Log-likelihood of answering each label (its tokens, then end of turn) after `messages`, evaluated as a
        clip's first pass is (pipeline/reasoning/session.py): the system message from an empty cache or its
        saved state, so the numbers do not depend on what ran before. `persist`: a calibration input, kept in
        the on-disk cache across runs."""
        s = self.session()
        s.realign()
        tokens, answers = s.tokens(messages), self.answers(labels)
        if persist:
            scores = self._cached_scores(tokens, answers, lambda: s.score(tokens, answers))
        else:
            scores = s.score(tokens, answers)
        s.realign()
        return scores
