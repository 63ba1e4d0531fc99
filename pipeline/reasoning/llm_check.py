"""Run the LLM once in a child process before this process loads it.

A llama.cpp build that uses instructions the CPU does not execute dies with SIGILL at its first matrix
multiply and takes the whole Python process with it (a folder run, a test session, a Dask worker). So before a
process loads a GGUF file, a child process loads it and evaluates a few tokens; a child that dies becomes a
clear `LLMBuildError` naming the cause and the fix. A passing check is remembered per install (llama-cpp-python's
library files, this CPU, the model file), so it costs a few seconds once, not per run.

`python -m pipeline.reasoning.llm_check MODEL.gguf [THREADS]` is the child.
"""

from __future__ import annotations

import hashlib
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pydantic import Field

from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import LLMBuildError
from emer.pipeline.store.io import sha256_json, write_model_atomic
from emer.pipeline.store.models import default_cache_dir

LEVEL_MARKER = ".emer-llama-level"
REBUILD_HINT = ("rebuild llama-cpp-python for a portable CPU level: `bash scripts/install_llama.sh .venv/bin/python` "
                "in the emer checkout (EMER_LLAMA_LEVEL=x86-64 for a CPU without AVX2), or `make clean install`")
PROBE_TIMEOUT_S = 600

_passed: set[str] = set()
_lock = threading.Lock()


class LLMCheck(Record):
    """The outcome of running a GGUF model in a child process."""

    ok: bool
    model_path: str
    detail: str = Field(description="'ok', or what went wrong and how to fix it")
    returncode: int | None = None
    seconds: float = 0.0
    build_level: str | None = Field(None, description="CPU level llama-cpp-python was built for (install_llama.sh)")
    llama_cpp_version: str | None = None


def build_level() -> str | None:
    """The CPU level scripts/install_llama.sh built llama-cpp-python for in this environment, or None (the marker
    holds the level, then the build's name)."""
    marker = Path(sys.prefix) / LEVEL_MARKER
    words = marker.read_text().split() if marker.is_file() else []
    return words[0] if words else None


def _llama_version() -> str | None:
    try:
        return version("llama-cpp-python")
    except PackageNotFoundError:
        return None


def _llama_lib_files() -> list[Path]:
    """llama-cpp-python's shared libraries, found without importing llama_cpp (importing it loads them)."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        return []
    lib = Path(spec.origin).parent / "lib"
    return sorted(p for p in lib.glob("*.so*") if p.is_file()) if lib.is_dir() else []


def _cpuinfo() -> list[str]:
    """The lines of /proc/cpuinfo that decide which instructions run here: model name and feature flags."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []
    return [ln for ln in lines if ln.startswith(("model name", "flags", "Features", "CPU part"))][:3]


def cpu_flags() -> set[str]:
    """This CPU's feature flags (x86 `flags`, ARM `Features`); empty where /proc/cpuinfo does not say."""
    line = next((ln for ln in _cpuinfo() if ln.startswith(("flags", "Features"))), "")
    return set(line.split(":", 1)[1].split()) if ":" in line else set()


def _cpu_signature() -> str:
    """What decides which instructions run here, as one hash."""
    keep = _cpuinfo()
    return hashlib.sha256("\n".join(keep).encode()).hexdigest() if keep else platform.processor() or platform.machine()


def check_key(model_path: str) -> str:
    """Identifies one (install, CPU, model file) triple: a passing check is valid while all three are unchanged."""
    model = Path(model_path)
    st = model.stat()
    return sha256_json({
        "llama_cpp": _llama_version(),
        "libs": [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in _llama_lib_files()],
        "cpu": _cpu_signature(), "machine": platform.machine(),
        "model": [str(model.resolve()), st.st_size, st.st_mtime_ns],
    })


def _marker(key: str) -> Path:
    return default_cache_dir() / "llm-checks" / f"{key}.json"


def explain_exit(returncode: int, stderr: str) -> str:
    """A person's explanation of a child process's exit code (negative: killed by that signal)."""
    if returncode == 0:
        return "ok"
    tail = " | ".join(stderr.strip().splitlines()[-3:])[-400:]
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        if name == "SIGILL":
            return ("llama.cpp died with SIGILL (illegal instruction): this llama-cpp-python build uses CPU "
                    f"instructions this machine does not execute; {REBUILD_HINT}")
        return f"llama.cpp died with {name}" + (f" ({tail})" if tail else "")
    return f"loading the model failed (exit {returncode})" + (f": {tail}" if tail else "")


def run_child(argv: list[str], timeout: float = PROBE_TIMEOUT_S) -> tuple[int, str, float]:
    """Run argv in a child process: (return code, stderr, seconds). A time-out counts as a failure."""
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        code, err = proc.returncode, proc.stderr
    except subprocess.TimeoutExpired:
        code, err = 1, f"no answer within {timeout:.0f} s"
    return code, err, time.perf_counter() - start


def probe_llm(model_path: str, n_threads: int = 1) -> LLMCheck:
    """Load `model_path` in a child process and evaluate a few tokens; never raises for a crash."""
    argv = [sys.executable, "-m", "emer.pipeline.reasoning.llm_check", str(model_path), str(n_threads)]
    code, err, seconds = run_child(argv)
    return LLMCheck(ok=code == 0, model_path=str(model_path), detail=explain_exit(code, err), returncode=code,
                    seconds=round(seconds, 3), build_level=build_level(), llama_cpp_version=_llama_version())


def ensure_llm_runs(model_path: str, n_threads: int = 1) -> None:
    """Raise LLMBuildError unless the model has been seen to run in a child process with this install on this
    CPU. Runs the child once per (install, CPU, model) and remembers a pass in the cache folder."""
    key = check_key(model_path)
    with _lock:
        if key in _passed or _marker(key).is_file():
            _passed.add(key)
            return
        result = probe_llm(model_path, n_threads)
        if not result.ok:
            raise LLMBuildError(f"{model_path}: {result.detail}")
        remember_pass(result, key)


def remember_pass(result: LLMCheck, key: str | None = None) -> None:
    """Record a passing check, so processes of this install skip the child for this model."""
    key = key or check_key(result.model_path)
    write_model_atomic(_marker(key), result)
    _passed.add(key)


def _child(model_path: str, n_threads: int) -> None:
    """Load the model and run both matrix paths llama.cpp uses: a batched prompt and single-token decoding."""
    import llama_cpp

    llm = llama_cpp.Llama(model_path=model_path, n_ctx=256, n_batch=64, n_threads=n_threads,
                          n_threads_batch=n_threads, verbose=False)
    tokens = llm.tokenize(b"The person frowns, speaks loudly and fast, and says they are fine. " * 3)[:48]
    llm.eval(tokens)
    llm.eval([tokens[0]])


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else max(1, (os.cpu_count() or 2) // 2))
    print("ok")
