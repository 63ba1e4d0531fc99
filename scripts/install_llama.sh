#!/usr/bin/env bash
# Builds llama-cpp-python for a CPU *level*, never for this exact CPU, and installs it into the given Python.
#
# pip's default build of llama-cpp-python compiles llama.cpp with -march=native, which can die with SIGILL on
# another machine, and even on this one: a CPU that advertises AMX under a hypervisor that does not enable it.
# Levels:
#   x86-64-v3  AVX, AVX2, FMA, F16C, BMI2 (every x86-64 laptop since 2013-2015); no AVX-512, no AMX
#   x86-64     SSE4.2 only, for older or low-end CPUs (chosen when this CPU lacks AVX2/FMA/F16C)
#   generic    other architectures: llama.cpp's portable defaults (GGML_NATIVE=OFF)
# Every level builds without llamafile's tinyBLAS (GGML_LLAMAFILE=OFF): it multiplies the F16 attention matrices
# of a batch of 2 tokens or more in another order than one token, so verifying drafted tokens in one decode call
# would not give the logits of plain decoding (pipeline/reasoning/session.py `exact_batch_limit`); without it,
# prompt-lookup decoding is exact.
# The wheel is cached per level and build outside the repo (EMER_CACHE_DIR/wheels), so reinstalls do not rebuild,
# and a wheel that pip cached from a native build is never reused. Override the level with EMER_LLAMA_LEVEL.
set -euo pipefail
PY=${1:?usage: install_llama.sh PYTHON}
VERSION=0.3.36
BUILD=nollamafile  # part of the cache key: a change of the flags below must change it
CACHE=${EMER_CACHE_DIR:-$HOME/.cache/emer}

detect_level() {
    case "$(uname -m)" in
        x86_64|amd64)
            local flags
            flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
            for f in avx avx2 fma f16c bmi2; do
                [[ " $flags " == *" $f "* ]] || { echo x86-64; return; }
            done
            echo x86-64-v3 ;;
        *) echo generic ;;
    esac
}
LEVEL=${EMER_LLAMA_LEVEL:-$(detect_level)}
COMMON="-DGGML_NATIVE=OFF -DGGML_LLAMAFILE=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF"
NO_X86_EXTRAS="-DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF
 -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
case "$LEVEL" in
    x86-64-v3) FLAGS="$COMMON -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON $NO_X86_EXTRAS" ;;
    x86-64)    FLAGS="$COMMON -DGGML_SSE42=ON -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_FMA=OFF -DGGML_F16C=OFF -DGGML_BMI2=OFF $NO_X86_EXTRAS" ;;
    generic)   FLAGS="$COMMON" ;;
    native)    FLAGS="-DGGML_NATIVE=ON -DGGML_LLAMAFILE=OFF -DLLAVA_BUILD=OFF" ;;   # for speed comparisons only; never the default
    *) echo "install_llama.sh: unknown EMER_LLAMA_LEVEL '$LEVEL' (x86-64-v3, x86-64, generic, native)" >&2; exit 2 ;;
esac

WHEELS="$CACHE/wheels/llama-cpp-python-$VERSION-$LEVEL-$BUILD"
MARKER="$("$PY" -c 'import sys; print(sys.prefix)')/.emer-llama-level"
if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$LEVEL $BUILD" ]] && "$PY" -c 'import llama_cpp' 2>/dev/null; then
    exit 0
fi
if ! ls "$WHEELS"/llama_cpp_python-$VERSION-*.whl >/dev/null 2>&1; then
    echo "building llama-cpp-python $VERSION for CPU level $LEVEL (about 5 minutes on 2 cores, once per machine)" >&2
    mkdir -p "$WHEELS.tmp"
    CMAKE_ARGS="$FLAGS" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
        "$PY" -m pip wheel -q --no-deps --no-cache-dir --no-binary llama-cpp-python \
        -w "$WHEELS.tmp" "llama-cpp-python==$VERSION"
    rm -rf "$WHEELS" && mv "$WHEELS.tmp" "$WHEELS"
fi
"$PY" -m pip install -q --force-reinstall --no-deps --no-index --find-links "$WHEELS" "llama-cpp-python==$VERSION"
# its own dependencies come from the index as usual
"$PY" -m pip install -q "llama-cpp-python==$VERSION" --find-links "$WHEELS"
echo "$LEVEL $BUILD" > "$MARKER"
