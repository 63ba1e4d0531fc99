"""Speed of one llama-cpp-python build: prompt evaluation and generation tokens per second on a GGUF model.

Compares builds (portable CPU level vs -march=native) when run with each environment's Python; needs only
llama_cpp, so it also runs in a bare venv holding a comparison build:

    .venv/bin/python scripts/bench_llama_build.py MODEL.gguf
    /tmp/venv-native/bin/python scripts/bench_llama_build.py MODEL.gguf
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def bench(model: str, prompt_tokens: int, gen_tokens: int, threads: int, repeats: int) -> dict:
    import llama_cpp

    start = time.perf_counter()
    llm = llama_cpp.Llama(model_path=model, n_ctx=2048, n_threads=threads, n_threads_batch=threads, verbose=False)
    load = time.perf_counter() - start
    text = ("The speaker's brows are lowered, the voice is loud and fast, and the words are short. " * 80).encode()
    tokens = llm.tokenize(text)[:prompt_tokens]
    prompt_s, gen_s = [], []
    for _ in range(repeats):
        llm.reset()
        t0 = time.perf_counter()
        llm.eval(tokens)
        prompt_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for _ in range(gen_tokens):
            llm.eval([llm.sample(temp=0.0)])
        gen_s.append(time.perf_counter() - t0)
    level = Path(sys.prefix, ".emer-llama-level")
    return {
        "build": level.read_text().strip() if level.is_file() else "unknown", "threads": threads,
        "load_s": round(load, 2), "prompt_tokens": len(tokens),
        "prompt_tok_s": round(len(tokens) / min(prompt_s), 1), "gen_tok_s": round(gen_tokens / min(gen_s), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--prompt-tokens", type=int, default=700)
    ap.add_argument("--gen-tokens", type=int, default=48)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    print(json.dumps(bench(args.model, args.prompt_tokens, args.gen_tokens, args.threads, args.repeats)))


if __name__ == "__main__":
    main()
