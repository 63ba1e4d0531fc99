"""`emer doctor`: is this install able to run? Checks the llama.cpp build against this CPU, runs the LLM in a
child process, checks the model files and the decoders, and prints for each problem the command that fixes it."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import numpy as np

from emer.pipeline.reasoning.llm_check import REBUILD_HINT, build_level, cpu_flags, probe_llm, remember_pass
from emer.pipeline.records.clues import Record
from emer.pipeline.records.errors import EmerError, ModelIntegrityError, ModelUnavailableError
from emer.pipeline.store.models import ModelStore
from emer.pipeline.store.registry import MODELS

# What a default `emer run` loads; a missing one is a failure, other registered models are only listed.
DEFAULT_RUN_MODELS = ("face-landmarker", "fer-expression", "whisper-base", "qwen2.5-1.5b")
# CPU flags each build level of scripts/install_llama.sh needs.
LEVEL_FLAGS = {"x86-64-v3": ("avx", "avx2", "fma", "f16c", "bmi2"), "x86-64": ("sse4_2",), "generic": ()}


class Check(Record):
    name: str
    status: Literal["ok", "warn", "fail"]
    detail: str
    fix: str | None = None


def check_build() -> Check:
    """The CPU level llama-cpp-python was built for, against this CPU's flags."""
    level = build_level()
    if level is None:
        return Check(name="llama.cpp build", status="warn",
                     detail="llama-cpp-python was not built by scripts/install_llama.sh: pip's default build uses "
                     "-march=native and may crash on another CPU (or on a CPU advertising AMX under a hypervisor)",
                     fix=REBUILD_HINT)
    if level == "native":
        return Check(name="llama.cpp build", status="warn", detail="built with -march=native (benchmarks only)",
                     fix=REBUILD_HINT)
    missing = sorted(set(LEVEL_FLAGS.get(level, ())) - cpu_flags())
    if missing:
        return Check(name="llama.cpp build", status="fail",
                     detail=f"built for {level}, but this CPU lacks {', '.join(missing)}",
                     fix="EMER_LLAMA_LEVEL=x86-64 bash scripts/install_llama.sh .venv/bin/python")
    return Check(name="llama.cpp build", status="ok", detail=f"portable build for CPU level {level}")


def check_llm(store: ModelStore, model: str, threads: int) -> Check:
    """Load the LLM in a child process and evaluate a few tokens there."""
    name = f"LLM runs ({model})"
    try:
        resolved = store.resolve(model, fetch=False)
    except EmerError as e:
        return Check(name=name, status="fail", detail=str(e), fix=f"emer models fetch {model}")
    result = probe_llm(resolved.path, threads)
    if result.ok:
        remember_pass(result)
        return Check(name=name, status="ok",
                     detail=f"loaded and evaluated in a child process in {result.seconds:.1f} s")
    return Check(name=name, status="fail", detail=result.detail, fix=REBUILD_HINT)


def check_models(store: ModelStore, names: Iterable[str], required: Iterable[str], full: bool) -> list[Check]:
    """Each model: cached and intact (size and mtime against the verification record; every byte with `full`)."""
    checks = []
    required = set(required)
    for name in names:
        label = f"model {name}"
        try:
            resolved = store.verify(name, full=full)
        except ModelIntegrityError as e:
            checks.append(Check(name=label, status="fail", detail=str(e), fix=f"emer models fetch {name} --force"))
            continue
        except ModelUnavailableError as e:
            status = "fail" if name in required else "warn"
            detail = "not fetched" if name in MODELS else str(e)
            checks.append(Check(name=label, status=status, detail=detail, fix=f"emer models fetch {name}"))
            continue
        how = "every byte re-hashed" if full else "size and mtime as verified"
        checks.append(Check(name=label, status="ok", detail=f"{how}; sha256 {resolved.sha256[:12]}…"))
    return checks


def check_decoders() -> Check:
    """Encode a one-second clip with video and audio, then decode it the way every run does."""
    from emer.pipeline.inputs.clip import decode_clip

    try:
        import av

        with tempfile.TemporaryDirectory(prefix="emer-doctor-") as tmp:
            path = Path(tmp) / "probe.mp4"
            with av.open(str(path), "w") as out:
                video = out.add_stream("mpeg4", rate=10)
                video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
                audio = out.add_stream("aac", rate=16000)
                for i in range(10):
                    img = np.full((48, 64, 3), i * 20, dtype=np.uint8)
                    out.mux(video.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
                out.mux(video.encode(None))
                tone = (0.1 * np.sin(np.arange(16000) * 2 * np.pi * 220 / 16000)).astype(np.float32)
                for start in range(0, 16000, 1024):
                    frame = av.AudioFrame.from_ndarray(tone[None, start:start + 1024], format="flt", layout="mono")
                    frame.sample_rate = 16000
                    out.mux(audio.encode(frame))
                out.mux(audio.encode(None))
            clip = decode_clip(path)
        if not clip.frames or clip.audio is None:
            return Check(name="decoders", status="fail", detail="a generated clip decoded without frames or audio",
                         fix="pip install --force-reinstall av opencv-contrib-python")
        return Check(name="decoders", status="ok",
                     detail=f"PyAV {av.__version__} and OpenCV decoded {len(clip.frames)} frames and "
                     f"{len(clip.audio) / 16000:.1f} s of audio")
    except Exception as e:  # noqa: BLE001 - any decoder failure is the finding, reported with its type
        return Check(name="decoders", status="fail", detail=f"{type(e).__name__}: {e}",
                     fix="pip install --force-reinstall av opencv-contrib-python")


def run_doctor(store: ModelStore | None = None, llm: str | None = None, threads: int = 2, full: bool = False,
               report: Callable[[Check], None] = lambda c: None) -> list[Check]:
    """All checks, each reported as soon as it is done (the LLM one takes a few seconds)."""
    store = store or ModelStore()
    llm = llm or DEFAULT_RUN_MODELS[-1]
    checks: list[Check] = []

    def add(check: Check) -> None:
        checks.append(check)
        report(check)

    add(check_build())
    add(check_decoders())
    required = [*DEFAULT_RUN_MODELS[:-1], llm]
    for check in check_models(store, [*MODELS, *([llm] if llm not in MODELS else [])], required, full):
        add(check)
    add(check_llm(store, llm, threads))
    return checks


def format_check(check: Check) -> str:
    mark = {"ok": "ok  ", "warn": "warn", "fail": "FAIL"}[check.status]
    line = f"{mark} {check.name}: {check.detail}"
    return line + (f"\n     fix: {check.fix}" if check.fix and check.status != "ok" else "")
