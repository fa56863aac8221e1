# rhlab: `make run` (set up, then the main job) and `make test` (set up, then the tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.rhlab-installed

.PHONY: setup system run test test-slow bench clean

setup: system $(STAMP)

# Sandbox prerequisites: bubblewrap, and a system Python with pytest that the sandbox uid can read.
system:
	@if ! command -v bwrap >/dev/null || ! /usr/bin/python3 -c 'import pytest' 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap python3-pytest >/dev/null; \
	  else \
	    echo "rhlab: bubblewrap/python3-pytest missing and cannot be installed here: the sandbox falls back to UNSAFE mode" >&2; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

run: setup
	$(VENV)/bin/rhlab fixtures

test: setup
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

bench: setup
	$(PY) benchmarks/grading.py --json

clean:
	rm -rf $(VENV) .pytest_cache
