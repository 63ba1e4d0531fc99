"""One llama.cpp context used pass after pass: the KV state of what was already evaluated is reused, nothing is
evaluated twice, and the results do not depend on which clip ran before.

llama-cpp-python 0.3.36 keeps the evaluated tokens in `Llama.input_ids[:n_tokens]`; `Llama.eval` first drops the
KV cells from `n_tokens` on (`kv_cache_seq_rm`) and then decodes the new tokens at those positions, so setting
`n_tokens` to the length of a common prefix and evaluating the rest reuses the prefix's KV state
(`Llama.generate` does the same with its longest-prefix match). llama.cpp's numbers for a token can differ in the
last bits with the batch it was decoded in, so reuse is arranged to give the same batches as a cold start:

- a prompt is evaluated in segments, one per chat message (split where the template starts a message), each
  segment its own decode call;
- the first pass of a clip (`begin_clip`) reuses only the first segment (the system message: instructions and
  label list, the same for every clip); it is evaluated alone from position 0 either way, so its KV state is
  bit-identical whether cached or fresh;
- later passes of the same clip reuse their whole common prefix with the earlier ones: the passes of a clip run in
  a fixed order, so a clip's results equal those of the same passes from an empty cache (tests compare them).

Generation is greedy (temperature 0) with llama.cpp's classic repeat penalty over the last 64 tokens, one token
per decode call. Every pass records the tokens of its prompt, those evaluated, those reused, those generated, its
wall time and llama.cpp's own time (the context's perf counters).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from emer.pipeline.errors import ReasonerError, require
from emer.pipeline.results import PassStats

REPEAT_LAST_N = 64


def log_softmax(logits: np.ndarray) -> np.ndarray:
    top = float(np.max(logits))
    return logits - top - float(np.log(np.sum(np.exp(logits - top))))


def score_answers(evaluate: Callable[[list[int]], np.ndarray], prefix: list[int],
                  answers: Mapping[str, list[int]]) -> dict[str, float]:
    """Log-likelihood of each answer's tokens after `prefix`, `evaluate(tokens)` giving the next-token
    log-probabilities; the prompt and shared answer beginnings are evaluated once."""
    steps: dict[tuple[int, ...], np.ndarray] = {}
    out: dict[str, float] = {}
    for name, answer in answers.items():
        total = 0.0
        for i, tok in enumerate(answer):
            key = tuple(answer[:i])
            if key not in steps:
                steps[key] = evaluate(prefix + answer[:i])
            total += float(steps[key][tok])
        out[name] = round(total, 4)
    return out


def perf_counters(llm: Any) -> tuple[float, int]:
    """llama.cpp's own decode time (ms) and tokens decoded so far on this model's context."""
    llama_cpp = require("llama_cpp", "pip install 'llama-cpp-python==0.3.36'")
    data = llama_cpp.llama_perf_context(llm._ctx.ctx)
    return float(data.t_p_eval_ms + data.t_eval_ms), int(data.n_p_eval + data.n_eval)


class LlamaSession:
    """Evaluation, scoring and greedy generation on one loaded `llama_cpp.Llama`, with KV reuse and per-pass
    statistics (`passes`, cleared by `begin_clip`)."""

    def __init__(self, llm: Any, n_ctx: int) -> None:
        self.llm = llm
        self.n_ctx = n_ctx
        self._formatter: Any = None
        self._aligned = True
        self.passes: list[PassStats] = []
        self._current: PassStats | None = None
        self._llama_cpp = require("llama_cpp", "pip install 'llama-cpp-python==0.3.36'")

    # --- prompts ---------------------------------------------------------------------------------------

    def format(self, messages: list[dict[str, str]]) -> str:
        """The model's own chat template applied to `messages`, ending where the assistant answers."""
        chat_format = require("llama_cpp.llama_chat_format", "pip install 'llama-cpp-python==0.3.36'")
        llm = self.llm
        if self._formatter is None:
            template = llm.metadata.get("tokenizer.chat_template")
            if not template:
                raise ReasonerError("the GGUF has no chat template; the reasoner needs one")
            special = {"eos_token": llm.token_eos(), "bos_token": llm.token_bos()}
            names = {k: llm.detokenize([v], special=True).decode("utf-8", "replace") if v >= 0 else ""
                     for k, v in special.items()}
            self._formatter = chat_format.Jinja2ChatFormatter(template=template, **names)
        return self._formatter(messages=messages).prompt

    def tokens(self, messages: list[dict[str, str]], continuation: str = "") -> list[int]:
        """The prompt's tokens (with BOS where the model wants one), plus an assistant answer begun with
        `continuation`."""
        llm = self.llm
        out = llm.tokenize((self.format(messages) + continuation).encode("utf-8"), add_bos=False, special=True)
        if llm.token_bos() >= 0 and (not out or out[0] != llm.token_bos()) and \
                llm.metadata.get("tokenizer.ggml.add_bos_token") == "true":
            out = [llm.token_bos(), *out]
        if len(out) + 16 > self.n_ctx:
            raise ReasonerError(f"prompt of {len(out)} tokens does not fit n_ctx {self.n_ctx}")
        return out

    def segments(self, tokens: list[int]) -> list[int]:
        """Segment starts: 0 and every position where the chat template starts a message (the token the
        formatted prompt starts with, after a BOS)."""
        if len(tokens) < 2:
            return [0]
        # a BOS that also starts every message (SmolLM2's <|im_start|>) is the message start; else skip it
        first = 0 if tokens[0] in tokens[1:] or tokens[0] != self.llm.token_bos() else 1
        start_tok = tokens[first]
        return [0] + [i for i in range(first + 1, len(tokens)) if tokens[i] == start_tok]

    # --- passes ----------------------------------------------------------------------------------------

    def begin_clip(self) -> None:
        """The next evaluation starts a clip: reuse only the fixed first segment (see the module doc)."""
        self._aligned = True
        self.passes = []

    def realign(self) -> None:
        """The next evaluation reuses only the fixed first segment (after a pass that is not part of every clip,
        such as the once-per-run calibration)."""
        self._aligned = True

    def begin(self, name: str) -> None:
        self._current = PassStats(name=name)
        self._t0 = time.perf_counter()
        self._perf0 = self._perf_ms()

    def end(self) -> PassStats:
        p = self._current
        if p is None:
            raise ReasonerError("end() without begin()")
        p.seconds = round(time.perf_counter() - self._t0, 4)
        p.llama_seconds = round((self._perf_ms() - self._perf0) / 1000, 4)
        self.passes.append(p)
        self._current = None
        return p

    def _perf_ms(self) -> float:
        return perf_counters(self.llm)[0]

    def _decode(self, tokens: list[int], prompt: bool = True) -> None:
        self.llm.eval(tokens)
        if self._current is not None and prompt:
            self._current.evaluated_tokens += len(tokens)

    def _logprobs(self) -> np.ndarray:
        # llama-cpp-python keeps logits only with logits_all=True (n_ctx x vocab floats); read the last row.
        logits = np.ctypeslib.as_array(self.llm._ctx.get_logits_ith(-1), shape=(self.llm.n_vocab(),))
        return log_softmax(logits.astype(np.float64))

    def evaluate(self, tokens: list[int]) -> np.ndarray:
        """Evaluate `tokens` reusing the cached prefix as the module doc says; the log-probabilities of the
        next token."""
        llm = self.llm
        cached = llm.input_ids[: llm.n_tokens].tolist()
        common = 0
        for a, b in zip(cached, tokens, strict=False):
            if a != b:
                break
            common += 1
        starts = self.segments(tokens)
        if self._aligned:
            fixed = starts[1] if len(starts) > 1 else 0
            common = fixed if common >= fixed else 0
            self._aligned = False
        common = min(common, len(tokens) - 1)  # evaluate at least one token to get fresh logits
        if self._current is not None:
            if not self._current.prompt_tokens:  # the pass's prompt: what its first evaluation reused
                self._current.reused_tokens = common
            self._current.prompt_tokens = max(self._current.prompt_tokens, len(tokens))
        llm.n_tokens = common
        cuts = [s for s in starts if s > common] + [len(tokens)]
        begin = common
        for cut in cuts:
            if cut > begin:
                self._decode(tokens[begin:cut])
                begin = cut
        return self._logprobs()

    def score(self, prefix: list[int], answers: dict[str, list[int]]) -> dict[str, float]:
        """Log-likelihood of each answer's tokens after `prefix` (see `score_answers`)."""
        return score_answers(self.evaluate, prefix, answers)

    def generate(self, prompt: list[int], max_tokens: int, repeat_penalty: float = 1.1,
                 stop: tuple[str, ...] = ()) -> tuple[str, str, list[int]]:
        """Greedy continuation of `prompt`: (text, finish reason "stop" or "length", generated tokens)."""
        llm = self.llm
        logp = self.evaluate(prompt)
        history = list(prompt)
        out: list[int] = []
        finish = "length"
        text = ""
        for _ in range(max_tokens):
            scores = logp.copy()
            if repeat_penalty != 1.0:
                recent = np.unique(np.array(history[-REPEAT_LAST_N:], dtype=np.int64))
                vals = scores[recent]
                scores[recent] = np.where(vals > 0, vals / repeat_penalty, vals * repeat_penalty)
            tok = int(np.argmax(scores))
            if self._llama_cpp.llama_vocab_is_eog(llm._model.vocab, tok):
                finish = "stop"
                break
            out.append(tok)
            history.append(tok)
            text = llm.detokenize(out).decode("utf-8", "replace")
            if any(s in text for s in stop):
                text = text[: min(text.index(s) for s in stop if s in text)]
                finish = "stop"
                break
            if self._current is not None:
                self._current.generated_tokens += 1
            self._decode([tok], prompt=False)
            logp = self._logprobs()
        return text, finish, out
