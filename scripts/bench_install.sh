#!/usr/bin/env bash
# Where a fresh clone's `make demo` spends its time: each step of the Makefile's install timed on its own, in a
# scratch clone with a scratch venv and a scratch emer cache (models and samples fetched again). The llama.cpp
# wheel comes from EMER_LLAMA_WHEELS (default: the machine's cached build) unless BUILD=1 (a full build, ~8 min).
#   bash scripts/bench_install.sh [SCRATCH_DIR]      (STOP_AFTER=pip-install: only the steps up to that one)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SCRATCH=${1:-/tmp/emer-install-bench}
rm -rf "$SCRATCH"; mkdir -p "$SCRATCH/cache/wheels"
export EMER_CACHE_DIR=$SCRATCH/cache
if [[ "${BUILD:-0}" != 1 ]]; then cp -r "${EMER_LLAMA_WHEELS:-$HOME/.cache/emer/wheels}/." "$SCRATCH/cache/wheels/"; fi
step() { local name=$1; shift; local t0; t0=$(date +%s.%N); "$@" >"$SCRATCH/$name.log" 2>&1 || { echo "$name failed (see $SCRATCH/$name.log)"; exit 1; }
         printf '%-24s %7.1f s\n' "$name" "$(echo "$(date +%s.%N) - $t0" | bc)"
         if [[ "${STOP_AFTER:-}" == "$name" ]]; then exit 0; fi; }
cd "$SCRATCH"
step clone git clone -q "$SRC" repo
cd repo
step venv python3 -m venv .venv
step pip-upgrade .venv/bin/python -m pip install -q --upgrade pip
step llama-install bash scripts/install_llama.sh .venv/bin/python
step pip-install .venv/bin/python -m pip install -q -e '.[dev,flows]'
step models-fetch .venv/bin/emer models fetch face-landmarker fer-expression whisper-base whisper-tiny.en smollm2-135m qwen2.5-1.5b
step samples .venv/bin/emer samples
step doctor .venv/bin/emer doctor
step demo-run .venv/bin/emer run "$(.venv/bin/emer samples)/video" --labels crema-d -o out/demo -q
