"""The reasoner: a local GGUF model through llama-cpp-python. Its steps, which `pipeline/reasoning/decision.py` puts
together:

1. Free reasoning, without a grammar (grammar-constrained decoding costs ~30 ms a token here): the model
   reads the rendered clues and writes a few sentences, capped in tokens and cut back to a whole sentence.
   Given the checker's problems with an earlier attempt, it writes again with them as feedback.
2. The label, order-free: every label is scored by the model's log-likelihood of answering it after the
   reasoning (label tokens plus end of turn), calibrated against the same question on a content-free input
   (Zhao et al., 2021, "Calibrate before use", ICML), instead of letting the model generate the label token.
   `decision: generate` keeps the older JSON-grammar decision, for comparison.
3. Emotion words: a short free answer, kept only where the words are emotion-wheel words that fit the label.

Deterministic by default: temperature 0 and a fixed seed.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field, ValidationError

from emer.pipeline.reasoning.llm_check import ensure_llm_runs
from emer.pipeline.reasoning.prompt import RenderedPrompt
from emer.pipeline.reasoning.score_cache import cached_scores
from emer.pipeline.reasoning.session import LlamaSession
from emer.pipeline.records.clues import CLUE_KINDS, Record
from emer.pipeline.records.errors import ReasonerError, require
from emer.pipeline.records.results import Evidence
from emer.pipeline.records.text import last_cut
from emer.pipeline.records.vocab import LabelSet
from emer.pipeline.store.models import ModelStore, ResolvedModel

DEFAULT_LLM = "qwen2.5-1.5b"


class LLMConfig(Record):
    model: str = Field(DEFAULT_LLM, description="registered model name or a path to any GGUF file")
    n_ctx: int = Field(4096, ge=512)
    n_threads: int | None = Field(None, description="CPU threads; None = all cores")
    seed: int = 1234
    temperature: float = Field(0.0, ge=0)
    repeat_penalty: float = Field(1.1, ge=1.0)
    max_reasoning_tokens: int = Field(112, ge=16, le=1024, description="cap of the free reasoning (about three "
                                      "sentences); the cut falls back to the last whole sentence")
    max_decision_tokens: int = Field(160, ge=32, le=512, description="cap of the generated JSON decision "
                                     "(decision: generate) and of the emotion-word answer")
    decision: Literal["score", "generate"] = Field(
        "score", description="score: rank every label by calibrated likelihood (order-free); generate: the model "
        "writes a JSON decision under a grammar")
    calibrate: bool = Field(True, description="subtract the label log-likelihoods of a content-free input")
    label_order: Literal["sorted", "given"] = Field(
        "sorted", description="order of the labels shown to the model: sorted alphabetically, so the answer "
        "cannot depend on how a label set lists them, or as the label set gives them")
    self_check: Literal["drop", "rewrite", "off"] = Field(
        "drop", description="what happens to reasoning the checker finds contradicting the clues: drop the "
        "offending (and repeated) sentences; rewrite: the model rewrites once with the problems as feedback, "
        "then drop (better prose, about 8 s more per rewritten clip here); off: keep it, flagged")
    explain: Literal["after", "before"] = Field(
        "after", description="after: decide the label first (label scores on the clip's cues, fused with the "
        "evidence), then explain that label in plain words; before: free reasoning first, then the label scored "
        "after it (the older path, kept for the ablation)")
    max_explanation_tokens: int = Field(150, ge=16, le=1024, description="cap of the explanation (explain: after): "
                                        "about five short sentences")
    lookup_tokens: int = Field(0, ge=0, le=32, description="prompt-lookup decoding: tokens proposed after each "
                               "generated one from where the last few tokens occur earlier in the prompt or the "
                               "answer, checked in the same decode call; the text is that of plain greedy decoding, "
                               "in fewer steps when the answer copies its notes (0: off)")
    lookup_ngram: int = Field(3, ge=1, le=8, description="longest run of last tokens looked up for a draft")
    max_open_vocab: int = Field(5, ge=1, le=8)
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
        ensure_llm_runs(path, n_threads)  # a build that crashes on this CPU fails here, in a child process
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


class RawExchange(Record):
    """The raw model text of every step, saved beside each result (response.json)."""

    reasoning_attempts: list[str] = Field(description="raw reasoning text of each attempt, the last one kept")
    reasoning_finish: str
    label_logprobs: dict[str, float] | None = Field(None, description="log-likelihood of each label's answer")
    content_free_logprobs: dict[str, float] | None = Field(None, description="the same on a content-free input")
    decision_raw: str = Field("", description="generated JSON decision (decision: generate)")
    decision_finish: str = ""
    words_raw: str = Field("", description="the answer to the emotion-words question")
    words_finish: str = ""


class Reasoning(Record):
    text: str
    truncated: bool
    raw: str
    finish: str
    prompt_tokens: int
    tokens: int
    seconds: float


class Reasoner:
    """Turns a rendered prompt into reasoning, label scores and emotion words with a local LLM."""

    def __init__(self, config: LLMConfig | None = None, models: ModelStore | None = None) -> None:
        self.config = config or LLMConfig()
        self.models = models or ModelStore()
        self._resolved: ResolvedModel | None = None
        self.load_seconds = 0.0
        self._formatter: Any = None
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
        """The KV-reusing session on the loaded model (decide-then-explain)."""
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
        key = ("after", content_free.template_sha256, content_free.system, content_free.user, *labels)
        if key in self._calibration:
            return self._calibration[key]
        s = self.session()
        s.begin("calibration")
        tokens = s.tokens(self.messages(content_free, None, content_free.decision))
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

    def _sampling(self) -> dict[str, Any]:
        cfg = self.config
        return {"temperature": cfg.temperature, "seed": cfg.seed, "repeat_penalty": cfg.repeat_penalty}

    @staticmethod
    def messages(prompt: RenderedPrompt, reasoning: str | None = None, question: str | None = None
                 ) -> list[dict[str, str]]:
        out = [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]
        if reasoning is not None:
            out.append({"role": "assistant", "content": reasoning})
        if question is not None:
            out.append({"role": "user", "content": question})
        return out

    def reason(self, prompt: RenderedPrompt, feedback: list[str] | None = None, previous: str | None = None
               ) -> Reasoning:
        """Stage 1: free reasoning. With `feedback` (the checker's problems with `previous`), the model
        rewrites its reasoning to fix them."""
        llm = self._llm()
        messages = self.messages(prompt)
        if feedback and previous is not None:
            messages += [
                {"role": "assistant", "content": previous},
                {"role": "user", "content": "Your reasoning does not match the measured clues:\n- "
                 + "\n- ".join(feedback) + "\nRewrite it so that every statement agrees with the clues "
                 "as given. Same length, plain prose."},
            ]
        # From an empty cache: llama.cpp's numbers differ slightly between a cached prefix and a fresh batch, and
        # greedy text must not depend on which clip ran before.
        llm.reset()
        t0 = time.perf_counter()
        out = llm.create_chat_completion(messages=messages, max_tokens=self.config.max_reasoning_tokens,
                                         **self._sampling())
        raw = out["choices"][0]["message"]["content"] or ""
        finish = out["choices"][0].get("finish_reason") or ""
        truncated = finish == "length"
        return Reasoning(text=trim_reasoning(raw, truncated), truncated=truncated, raw=raw, finish=finish,
                         prompt_tokens=out["usage"]["prompt_tokens"], tokens=out["usage"]["completion_tokens"],
                         seconds=round(time.perf_counter() - t0, 3))

    # --- order-free label scoring -------------------------------------------------------------------

    def _format(self, messages: list[dict[str, str]]) -> str:
        """The model's own chat template applied to `messages`, ending where the assistant answers."""
        llama_chat_format = require("llama_cpp.llama_chat_format", "pip install 'llama-cpp-python==0.3.36'")
        llm = self._llm()
        if self._formatter is None:
            template = llm.metadata.get("tokenizer.chat_template")
            if not template:
                raise ReasonerError(f"{self.model.path}: the GGUF has no chat template; label scoring needs one")
            special = {"eos_token": llm.token_eos(), "bos_token": llm.token_bos()}
            names = {k: llm.detokenize([v], special=True).decode("utf-8", "replace") if v >= 0 else ""
                     for k, v in special.items()}
            self._formatter = llama_chat_format.Jinja2ChatFormatter(template=template, **names)
        return self._formatter(messages=messages).prompt

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

    def content_free_logprobs(self, content_free: RenderedPrompt, labels: list[str]) -> dict[str, float]:
        """Label log-likelihoods on the content-free prompt (no clues, no reasoning), once per label list."""
        key = (content_free.template_sha256, content_free.user, *labels)
        if key not in self._calibration:
            self._llm().reset()
            messages = self.messages(content_free, "No clues were measured.", content_free.decision)
            self._calibration[key] = self.label_logprobs(messages, labels, persist=True)
        return self._calibration[key]

    # --- constrained answers ------------------------------------------------------------------------

    def answer_words(self, prompt: RenderedPrompt, reasoning: str, question: str) -> tuple[str, str]:
        """A short free answer to the emotion-words question: (raw text, finish reason). Free text, not a
        grammar over the vocabulary: a grammar of a few hundred words costs seconds per token here; the
        words are filtered against the emotion wheel afterwards."""
        llm = self._llm()
        out = llm.create_chat_completion(messages=self.messages(prompt, reasoning, question), max_tokens=24,
                                         stop=["\n"], **self._sampling())
        return out["choices"][0]["message"]["content"] or "", out["choices"][0].get("finish_reason") or ""

    def generate_decision(self, prompt: RenderedPrompt, reasoning: str, label_set: LabelSet,
                          modalities: list[str], vocabulary: list[str] | None = None
                          ) -> tuple[dict[str, Any], str, str, int]:
        """The older decision: the model writes {label, confidence_percent, emotion_words, evidence} under a
        grammar; returns (answer, raw text, finish reason, tokens generated). Kept to compare with label
        scoring (decision: generate)."""
        llm = self._llm()
        schema = decision_schema(label_set, modalities or list(CLUE_KINDS), self.config, vocabulary)
        out = llm.create_chat_completion(
            messages=self.messages(prompt, reasoning, prompt.decision), max_tokens=self.config.max_decision_tokens,
            response_format={"type": "json_object", "schema": schema}, **self._sampling())
        raw = out["choices"][0]["message"]["content"] or ""
        finish = out["choices"][0].get("finish_reason") or ""
        try:
            answer = json.loads(raw)
            if label_set.labels and answer["label"] not in label_set.labels:
                raise ReasonerError(f"label {answer['label']!r} is not in the label set {label_set.name}")
            Evidence.model_validate(answer["evidence"][0])
        except (json.JSONDecodeError, KeyError, TypeError, IndexError, ValidationError) as e:
            raise ReasonerError(f"the model's decision is not valid JSON for the schema ({e}): {raw[:300]!r}") from e
        return answer, raw, finish, out["usage"]["completion_tokens"]
