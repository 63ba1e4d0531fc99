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
  a fixed order, so a clip's results equal those of the same passes from an empty cache (tests compare them);
- the KV state of each first segment evaluated from an empty cache is saved (a copy of sequence 0's cells, a few
  MB) and restored when that segment comes back after other work used the context (the text channel scores
  transcripts on the same model between clips), instead of being evaluated again.

Label answers are scored in one decode call after the prompt, each answer its own sequence over the prompt's KV
cells (`score`). Generation is greedy (temperature 0) with llama.cpp's classic repeat penalty over the last 64
tokens, one token per decode call, or with prompt-lookup drafts verified in the same call where the build decodes a
batch exactly as single tokens (`exact_batch_limit`). Every pass records the tokens of its prompt, those evaluated,
those reused, those generated, its wall time and llama.cpp's own time (the context's perf counters).
"""

from __future__ import annotations

import ctypes
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from emer.pipeline.reasoning.llama_context import exact_batch_limit, perf_counters, with_sequences
from emer.pipeline.records.errors import ReasonerError, require
from emer.pipeline.records.results import PassStats

REPEAT_LAST_N = 64
SAVED_PREFIXES = 4  # first segments whose KV state is kept (system messages: one per prompt and label list)
SEQUENCES = 32  # sequences of the context: the prompt and the label answers scored in one decode call


def log_softmax(logits: np.ndarray) -> np.ndarray:
    top = float(np.max(logits))
    return logits - top - float(np.log(np.sum(np.exp(logits - top))))


class LlamaSession:
    """Evaluation, scoring and greedy generation on one loaded `llama_cpp.Llama`, with KV reuse and per-pass
    statistics (`passes`, cleared by `begin_clip`)."""

    def __init__(self, llm: Any, n_ctx: int, lookup: int = 0, ngram: int = 3) -> None:
        self.llm = llm
        self.n_ctx = n_ctx
        self.lookup = lookup  # prompt-lookup draft size of `generate` (0: plain greedy decoding)
        self.ngram = ngram
        self._formatter: Any = None
        self._aligned = True
        self.passes: list[PassStats] = []
        self._current: PassStats | None = None
        self._llama_cpp = require("llama_cpp", "pip install 'llama-cpp-python==0.3.36'")
        self._saved: dict[tuple[int, ...], Any] = {}
        self.exact_batch = exact_batch_limit(llm)  # most tokens a verification decode call may hold
        self.n_seq = with_sequences(llm, SEQUENCES)

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
        save_at = 0
        if self._aligned:
            fixed = starts[1] if len(starts) > 1 else 0
            if common >= fixed or self._restore(tokens[:fixed]):
                common = fixed
            else:
                common, save_at = 0, fixed
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
                if cut == save_at:
                    self._save(tokens[:cut])
        return self._logprobs()

    def _save(self, prefix: list[int]) -> None:
        """Keep the KV state of `prefix`, just evaluated alone from position 0 (sequence 0 holds nothing else)."""
        ctx = self.llm._ctx.ctx
        size = self._llama_cpp.llama_state_seq_get_size(ctx, 0)
        data = (ctypes.c_uint8 * size)()
        if self._llama_cpp.llama_state_seq_get_data(ctx, data, size, 0) != size:
            return
        if len(self._saved) >= SAVED_PREFIXES:
            self._saved.pop(next(iter(self._saved)))
        self._saved[tuple(prefix)] = data

    def _restore(self, prefix: list[int]) -> bool:
        """Put back the saved KV state of `prefix` in place of whatever the context holds; False if none."""
        data = self._saved.get(tuple(prefix)) if prefix else None
        if data is None:
            return False
        llm = self.llm
        llm._ctx.kv_cache_seq_rm(0, 0, -1)
        llm.n_tokens = 0
        if not self._llama_cpp.llama_state_seq_set_data(llm._ctx.ctx, data, len(data), 0):
            return False
        llm.input_ids[: len(prefix)] = prefix
        llm.n_tokens = len(prefix)
        return True

    def score(self, prefix: list[int], answers: Mapping[str, list[int]]) -> dict[str, float]:
        """Log-likelihood of each answer's tokens after `prefix`, in one decode call after the prompt: every
        answer is its own sequence over the prompt's KV cells (a copy of sequence 0: the same cells, no new
        ones), its tokens but the last decoded in one batch with the others', and the sequences removed again, so
        the context holds the prompt alone. Answers go into the batch in the order of their tokens, so the
        numbers do not depend on the order of `answers`; they can differ in the last bits from decoding each
        answer alone (a bigger batch takes other matrix kernels)."""
        first = self.evaluate(prefix)
        out = {name: float(first[answer[0]]) for name, answer in answers.items() if answer}
        pending = sorted(((answer, name) for name, answer in answers.items() if len(answer) > 1))
        for chunk in self._calls(pending):
            rows = self._decode_sequences([answer[:-1] for answer, _ in chunk])
            for (answer, name), logprobs in zip(chunk, rows, strict=True):
                out[name] += sum(float(lp[tok]) for lp, tok in zip(logprobs, answer[1:], strict=True))
        return {name: round(out.get(name, 0.0), 4) for name in answers}

    def _calls(self, pending: list[tuple[list[int], str]]) -> list[list[tuple[list[int], str]]]:
        """The answers split into decode calls that fit the context's sequences and its batch of tokens."""
        calls: list[list[tuple[list[int], str]]] = [[]]
        used = 0
        for answer, name in pending:
            if calls[-1] and (len(calls[-1]) == self.n_seq - 1 or used + len(answer) - 1 > self.llm.n_batch):
                calls.append([])
                used = 0
            calls[-1].append((answer, name))
            used += len(answer) - 1
        return [c for c in calls if c]

    def _decode_sequences(self, continuations: list[list[int]]) -> list[list[np.ndarray]]:
        """Decode each continuation as its own sequence (1, 2, ...) after the cached tokens of sequence 0, all in
        one call; the next-token log-probabilities after each of their tokens. The sequences are dropped after."""
        llm = self.llm
        ctx, batch, n_past = llm._ctx, llm._batch.batch, llm.n_tokens
        n = 0
        for seq, tokens in enumerate(continuations, start=1):
            ctx.kv_cache_seq_cp(0, seq, -1, -1)
            for i, tok in enumerate(tokens):
                batch.token[n], batch.pos[n], batch.n_seq_id[n], batch.logits[n] = tok, n_past + i, 1, True
                batch.seq_id[n][0] = seq
                n += 1
        batch.n_tokens = n
        try:
            ctx.decode(llm._batch)
            n_vocab, rows, i = llm.n_vocab(), [], 0
            for tokens in continuations:
                rows.append([log_softmax(np.ctypeslib.as_array(ctx.get_logits_ith(i + j), shape=(n_vocab,))
                                         .astype(np.float64)) for j in range(len(tokens))])
                i += len(tokens)
        finally:
            for seq in range(1, len(continuations) + 1):
                ctx.kv_cache_seq_rm(seq, -1, -1)
        if self._current is not None:
            self._current.evaluated_tokens += n
        return rows

    def _decode_rows(self, tokens: list[int]) -> list[np.ndarray]:
        """Decode `tokens` in one call after the cached ones, keeping the logits of every position (the
        verification batch of speculative decoding); the next-token log-probabilities after each token."""
        llm = self.llm
        n_past = llm.n_tokens
        llm._ctx.kv_cache_seq_rm(-1, n_past, -1)
        llm._batch.set_batch(batch=tokens, n_past=n_past, logits_all=True)
        llm._ctx.decode(llm._batch)
        llm.input_ids[n_past: n_past + len(tokens)] = tokens
        llm.n_tokens = n_past + len(tokens)
        n_vocab = llm.n_vocab()
        return [log_softmax(np.ctypeslib.as_array(llm._ctx.get_logits_ith(i), shape=(n_vocab,)).astype(np.float64))
                for i in range(len(tokens))]

    def generate(self, prompt: list[int], max_tokens: int, repeat_penalty: float = 1.1,
                 stop: tuple[str, ...] = (), lookup: int | None = None, ngram: int | None = None
                 ) -> tuple[str, str, list[int]]:
        """Greedy continuation of `prompt`: (text, finish reason "stop" or "length", generated tokens).

        With `lookup` > 0 (default: the session's own), prompt-lookup decoding: after each token, the tokens that
        followed the latest earlier occurrence of the last `ngram` (down to 1) tokens in the prompt or the answer
        are proposed as a draft and decoded in the same call as the token; the draft is accepted token by token
        while it equals what greedy decoding picks from the logits at its position, so an answer that copies its
        prompt takes fewer decode calls. Each call holds at most `exact_batch` tokens, the most this build
        decodes with the kernels of a single token (`exact_batch_limit`), so every logit is bit for bit that of
        plain one-token-at-a-time decoding and so is the text; with a build where no batch is exact, lookup is
        off."""
        llm = self.llm
        lookup = self.lookup if lookup is None else lookup
        lookup = min(lookup, self.exact_batch - 1)
        ngram = self.ngram if ngram is None else ngram
        rows = [self.evaluate(prompt)]  # next-token log-probabilities after each token decoded so far
        drafted: list[int] = []  # draft tokens decoded after the answer so far
        history = list(prompt)
        out: list[int] = []
        finish = "length"
        text = ""
        while len(out) < max_tokens:
            tok = self._pick(rows.pop(0), history, repeat_penalty)
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
            if drafted and drafted[0] == tok:  # decoded as part of the draft: its logits are rows[0]
                drafted.pop(0)
                if self._current is not None:
                    self._current.accepted_tokens += 1
                continue
            llm.n_tokens = len(history) - 1  # drop a rejected draft
            drafted = lookup_draft(history, min(lookup, max_tokens - len(out)), ngram) if lookup > 0 else []
            if self._current is not None:
                self._current.steps += 1
                self._current.drafted_tokens += len(drafted)
            rows = self._decode_rows([tok, *drafted]) if drafted else [self._decode_one(tok)]
        llm.n_tokens = min(llm.n_tokens, len(history))  # a draft left beyond the answer is not kept
        return text, finish, out

    @staticmethod
    def _pick(logp: np.ndarray, history: list[int], repeat_penalty: float) -> int:
        """The greedy token after llama.cpp's classic repeat penalty over the last tokens."""
        scores = logp.copy()
        if repeat_penalty != 1.0:
            recent = np.unique(np.array(history[-REPEAT_LAST_N:], dtype=np.int64))
            vals = scores[recent]
            scores[recent] = np.where(vals > 0, vals / repeat_penalty, vals * repeat_penalty)
        return int(np.argmax(scores))

    def _decode_one(self, tok: int) -> np.ndarray:
        self._decode([tok], prompt=False)
        return self._logprobs()


def lookup_draft(history: list[int], size: int, ngram: int) -> list[int]:
    """Prompt-lookup draft: the (up to `size`) tokens that followed the latest earlier occurrence of the last
    `ngram` tokens of `history`, trying shorter n-grams down to one token; empty when none recurs."""
    if size <= 0:
        return []
    arr = np.asarray(history, dtype=np.int64)
    n = len(arr)
    for k in range(min(ngram, n - 1), 0, -1):
        tail = arr[n - k:]
        # windows starting at 0 .. n-k-1 (the tail itself excluded); the latest match first
        hits = np.flatnonzero(arr[: n - k] == tail[0])
        for start in hits[::-1]:
            if start + k < n and np.array_equal(arr[start: start + k], tail):
                follow = arr[start + k: start + k + size]
                if len(follow):
                    return follow.tolist()
    return []
