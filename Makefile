# openhands-api: every developer and CI entry point. `make help` lists them.
# The dev/CI environment is .venv (Python >= 3.11, pinned tools from requirements-dev.txt);
# real servers get their own venvs under .servers/ (Python >= 3.12, built by scripts/servers/kit.py).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST := $(PY) -m pytest
CONTRACT := tests/contract
# Which server's contract tests `make record` / `make test-live` run: all, or SERVER=agent|v1|v0.
SERVER ?=
CONTRACT_DIRS := $(if $(SERVER),$(CONTRACT)/$(SERVER),$(CONTRACT))

.PHONY: help venv unasync generate check-generated test test-unit test-live record demo bench lint typecheck clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	$(VENV)/bin/pyright --version >/dev/null  # fetches its node package once, outside the offline tests
	touch $(STAMP)

venv: $(STAMP) ## create .venv with the pinned dev tools and the package (editable)

generate: $(STAMP) unasync ## regenerate generated/ from specs/ (pinned openapi-python-client + ruff), and the sync twins
	$(PY) scripts/generate.py

unasync: $(STAMP) ## write the sync twin of every async source module (wrapper/**/_async_*.py -> _*.py)
	RUFF=$(VENV)/bin/ruff $(PY) scripts/unasync.py

check-generated: generate ## regenerate (specs -> generated/, async sources -> sync twins) and fail on any difference
	RUFF=$(VENV)/bin/ruff $(PY) scripts/unasync.py --check
	git diff --exit-code -- generated/
	@test -z "$$(git status --porcelain -- generated/)" || { git status --porcelain -- generated/; echo "untracked files in generated/"; exit 1; }

test: $(STAMP) ## offline: unit tests + contract tests replaying cassettes, network blocked
	$(PYTEST) -q --record-mode=none --block-network

test-unit: $(STAMP) ## unit tests only
	$(PYTEST) -q tests/unit

test-live: $(STAMP) ## contract tests against live local real servers (no cassettes); SERVER=agent|v1|v0
	$(PYTEST) -q --disable-recording $(CONTRACT_DIRS)

record: $(STAMP) ## re-record cassettes from live local real servers; SERVER=agent|v1|v0
	$(PYTEST) -q --record-mode=rewrite $(CONTRACT_DIRS)
	$(PY) scripts/check_cassettes.py

demo: $(STAMP) ## the main job end to end against real local servers with the fake LLM
	$(PY) scripts/demo.py

bench: $(STAMP) ## wrapper vs raw httpx per-call time against a live local agent server
	$(PY) scripts/bench.py

lint: $(STAMP) ## ruff on handwritten code
	$(VENV)/bin/ruff check wrapper scripts tests

typecheck: $(STAMP) ## mypy --strict on the wrapper
	$(PY) -m mypy

clean: ## remove the dev venv (server venvs in .servers/ are kept: they take minutes to build)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
