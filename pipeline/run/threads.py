"""CPU budget of one emer process, and the machine-wide compute slots, so concurrent jobs take turns, not cores.

- `EMER_THREADS`: the threads this process may use (default: the CPUs it may run on). The LLM gets them all
  (unless `llm.n_threads` / `--threads` says otherwise); numpy/OpenMP/numba pools are capped to them.
- `EMER_SLOTS`: how many heavy stages (one clip's extraction, one clip's reasoning) may run at the same time on
  this machine (default: CPUs // LLM threads, at least 1). Each holds a slot: an exclusive `flock` on a file
  under the emer cache (EMER_CACHE_DIR/locks/slot-N), so two `emer run` jobs, two served flow runs, two Dask
  workers, or one run's extraction thread and its LLM, take turns on a laptop's cores. llama.cpp's threads
  busy-wait for each other at every step: any other busy thread on their cores stalls them (two LLMs on two
  cores slowed reasoning 3-15 times; one run extracting while its LLM reasoned on 2 cores, 2-4 times), where
  taking turns costs nothing but the wait.
- numba (librosa's pitch tracker) compiles on first use in each new environment (about 13 s); its cache goes
  to EMER_CACHE_DIR/numba so only the first run ever pays it.

`configure_process()` applies the environment part; it must run before numpy, numba or librosa are imported
(the `emer` command, the flow and the Dask workers call it first).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

THREADS_ENV = "EMER_THREADS"
SLOTS_ENV = "EMER_SLOTS"
POOL_ENVS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
             "NUMBA_NUM_THREADS")
SLOT_POLL_SECONDS = 0.05
SLOT_HANDOVER_SECONDS = 0.005  # after a release, so a waiting process gets the slot before this one again


def _env_int(name: str) -> int | None:
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        from emer.pipeline.records.errors import ConfigError

        raise ConfigError(f"${name}={text!r}: expected a whole number of threads") from None
    if value < 1:
        from emer.pipeline.records.errors import ConfigError

        raise ConfigError(f"${name}={text!r}: expected at least 1")
    return value


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask, e.g. a container's or taskset's share)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def thread_budget() -> int:
    """$EMER_THREADS, else every CPU this process may run on."""
    return _env_int(THREADS_ENV) or cpu_count()


def slots(llm_threads: int) -> int:
    """$EMER_SLOTS, else as many LLMs as fit side by side on the machine's CPUs (at least one)."""
    return _env_int(SLOTS_ENV) or max(1, cpu_count() // max(1, llm_threads))


def cache_root() -> Path:
    from emer.pipeline.store.models import default_cache_dir

    return default_cache_dir()


def configure_process(threads: int | None = None) -> int:
    """Cap the native thread pools at the budget and cache numba's compiled code; keeps what the user set.
    Returns the budget. Call before numpy/numba/librosa are imported."""
    budget = threads or thread_budget()
    for name in POOL_ENVS:
        os.environ.setdefault(name, str(budget))
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_root() / "numba"))
    return budget


@contextlib.contextmanager
def cpu_slot(llm_threads: int, lock_dir: Path | None = None) -> Iterator[int]:
    """Hold one of the machine's compute slots (see the module docstring) for the block; yields its number.
    Waits while every slot is held by another process or thread (in the kernel's queue when there is one slot,
    polling the slots otherwise)."""
    folder = lock_dir or cache_root() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    n = slots(llm_threads)
    first = os.getpid() % n  # spread processes over the slots before they collide
    while True:
        for i in range(n):
            slot = (first + i) % n
            fd = os.open(folder / f"slot-{slot}", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if n == 1 else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield slot
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
                time.sleep(SLOT_HANDOVER_SECONDS)
            return
        time.sleep(SLOT_POLL_SECONDS)
