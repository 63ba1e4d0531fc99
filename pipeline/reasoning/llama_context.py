"""What a loaded llama.cpp context can do beyond llama-cpp-python's `Llama`: the largest batch it decodes exactly as
single tokens, several sequences over one KV cache, and its own perf counters. `LlamaSession` is their one user."""

from __future__ import annotations

import contextlib
import platform
from typing import Any

from emer.pipeline.records.errors import require


def exact_batch_limit(llm: Any) -> int:
    """The most tokens one decode call can hold while each gets the logits it gets decoded alone, bit for bit, with
    this llama.cpp (0.3.36) on x86-64; 1 when no batch does. Which CPU kernel multiplies a matrix depends on how
    many tokens the call holds, and kernels add up in different orders:

    - llamafile's tinyBLAS (a `GGML_LLAMAFILE` build) takes the F16 attention products (K*Q, V*softmax) from 2
      tokens up, where 1 token takes `ggml_vec_dot_f16`: no batch is exact (logits differ by up to 0.7);
    - flash attention splits the KV cells between threads for 1 query from 512 cells up, not for a batch;
    - repacked Q4_K weights (`use_extra_bufts`, on by default) take the 4-row gemm from 4 tokens up, the gemv below;
    - without repacking, K-quant weights take the tiled kernels from 8 tokens up (`GGML_CPU_TILED_MM`).

    `scripts/install_llama.sh` builds without llamafile; tests/test_speed.py compares the text with plain decoding."""
    llama_cpp = require("llama_cpp", "pip install 'llama-cpp-python==0.3.36'")
    info = llama_cpp.llama_print_system_info().decode("utf-8", "replace")
    if platform.machine().lower() not in ("x86_64", "amd64") or "LLAMAFILE = 1" in info:
        return 1
    if getattr(llm, "context_params", None) is None or \
            llm.context_params.flash_attn_type != llama_cpp.LLAMA_FLASH_ATTN_TYPE_DISABLED:
        return 1
    if llm.model_params.use_extra_bufts and "REPACK = 1" in info:
        return 3
    return 7


def with_sequences(llm: Any, n_seq: int) -> int:
    """Give a loaded `llama_cpp.Llama` a context that holds `n_seq` sequences over one shared KV cache (its cells
    are shared by every sequence; llama-cpp-python's `Llama` has no parameter for it): the context is created
    again, empty, with the same parameters otherwise. A single sequence is decoded by the same kernels either way.
    Returns the sequences the context holds."""
    llama_cpp = require("llama_cpp", "pip install 'llama-cpp-python==0.3.36'")
    params = llm.context_params
    n_seq = min(n_seq, llama_cpp.llama_max_parallel_sequences())
    if params.n_seq_max >= n_seq and params.kv_unified:
        return int(params.n_seq_max)
    internals = require("llama_cpp._internals", "pip install 'llama-cpp-python==0.3.36'")
    llm._ctx.close()
    params.n_seq_max, params.kv_unified = n_seq, True
    llm._ctx = llm._stack.enter_context(contextlib.closing(
        internals.LlamaContext(model=llm._model, params=params, verbose=False)))
    llm.n_tokens = 0
    return n_seq


def perf_counters(llm: Any) -> tuple[float, int]:
    """llama.cpp's own decode time (ms) and tokens decoded so far on this model's context."""
    llama_cpp = require("llama_cpp", "pip install 'llama-cpp-python==0.3.36'")
    data = llama_cpp.llama_perf_context(llm._ctx.ctx)
    return float(data.t_p_eval_ms + data.t_eval_ms), int(data.n_p_eval + data.n_eval)
