# openhands-api: every developer and CI entry point. `make help` lists them.
# The dev/CI environment is .venv (Python >= 3.11, pinned tools from requirements-dev.txt);
# real servers get their own venvs under .servers/ (Python >= 3.12, built by scripts/servers/kit.py).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LIVE_STAMP := $(VENV)/.installed-live
PYTEST := $(PY) -m pytest
CONTRACT := tests/contract
# Which server's contract tests `make record` / `make test-live` run: all, or SERVER=agent|v1|v0.
SERVER ?=
CONTRACT_DIRS := $(if $(SERVER),$(CONTRACT)/$(SERVER),$(CONTRACT))
# Which agent-server version the agent contract tests use: empty = the pin (scripts/servers/agent_server.py);
# 1.34.0 = what V1 sandboxes run (its own cassettes: tests/contract/agent/cassettes/agent-1.34.0/).
AGENT_VERSION ?=
SANDBOX_AGENT_VERSION := 1.34.0
export AGENT_VERSION

# The TypeScript client (wrapper/ts): node deps installed from its lockfile by `npm ci`.
TS := wrapper/ts
TS_STAMP := $(TS)/node_modules/.installed

.PHONY: help venv unasync generate check-generated check-spec test test-ts test-unit record-ts test-live record demo bench fuzz lint typecheck clean check-drift

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

$(LIVE_STAMP): $(STAMP) requirements-live.txt
	$(PY) -m pip install -q -r requirements-live.txt -c requirements-dev.txt
	touch $(LIVE_STAMP)

$(TS_STAMP): $(TS)/package.json $(TS)/package-lock.json
	cd $(TS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(TS_STAMP)

generate: $(STAMP) $(TS_STAMP) unasync ## regenerate generated/ from specs/ (pinned openapi-python-client + ruff; openapi-typescript), and the sync twins
	$(PY) scripts/generate.py
	node scripts/generate_ts.mjs

unasync: $(STAMP) ## write the sync twin of every async source module (wrapper/**/_async_*.py -> _*.py)
	RUFF=$(VENV)/bin/ruff $(PY) scripts/unasync.py

check-generated: generate ## regenerate (specs -> generated/, async sources -> sync twins) and fail on any difference
	RUFF=$(VENV)/bin/ruff $(PY) scripts/unasync.py --check
	git diff --exit-code -- generated/
	@test -z "$$(git status --porcelain -- generated/)" || { git status --porcelain -- generated/; echo "untracked files in generated/"; exit 1; }

check-spec: $(STAMP) ## every recorded request/response body validates strictly against its spec (also in make test)
	$(PY) scripts/check_spec.py

test: $(STAMP) $(TS_STAMP) ## offline: unit tests + contract tests replaying cassettes (agent: both versions), network blocked; then the TypeScript tests
	$(PYTEST) -q --record-mode=none --block-network
	AGENT_VERSION=$(SANDBOX_AGENT_VERSION) $(PYTEST) -q --record-mode=none --block-network $(CONTRACT)/agent
	$(MAKE) --no-print-directory test-ts

test-ts: $(TS_STAMP) ## TypeScript: tsc (strict) + node --test, replaying the same cassettes
	cd $(TS) && npm test --silent

test-unit: $(STAMP) ## unit tests only
	$(PYTEST) -q tests/unit

test-live: $(LIVE_STAMP) ## maintainer: contract tests against live local real servers (no cassettes) + schemathesis; SERVER=agent|v1|v0
	$(PYTEST) -q --disable-recording $(CONTRACT_DIRS)
	$(if $(filter-out agent v1,$(SERVER)),,$(PY) scripts/schemathesis_live.py $(if $(SERVER),--server $(SERVER)))

record: $(STAMP) ## re-record cassettes from live local real servers; SERVER=agent|v1|v0, AGENT_VERSION=1.34.0
	$(PYTEST) -q --record-mode=rewrite $(CONTRACT_DIRS)
	$(PY) scripts/check_cassettes.py
	$(PY) scripts/check_spec.py

check-drift: $(STAMP) ## maintainer: diff specs/ against each real server's fresh /openapi.json; SERVER=agent|agent-1.34.0|v1|v0
	$(PY) scripts/check_drift.py $(if $(SERVER),--server $(SERVER))

record-ts: $(STAMP) $(TS_STAMP) ## re-record the TypeScript quick-start cassette from a live local V0 server
	$(PY) scripts/record_ts.py

demo: $(STAMP) ## the main job end to end against real local servers with the fake LLM
	$(PY) scripts/demo.py

fuzz: $(STAMP) ## hypothesis: >= 10,000 fuzzed responses through every client's read calls (random seed)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-2500} FUZZ_MIN_RESPONSES=$${FUZZ_MIN_RESPONSES:-10000} \
		$(PYTEST) -q -s tests/hostile/test_fuzz.py

bench: $(STAMP) ## wrapper vs raw httpx per-call time against a live local agent server
	$(PY) scripts/bench.py

lint: $(STAMP) ## ruff on handwritten code
	$(VENV)/bin/ruff check wrapper scripts tests

typecheck: $(STAMP) ## mypy --strict on the wrapper
	$(PY) -m mypy

clean: ## remove the dev venv (server venvs in .servers/ are kept: they take minutes to build)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(TS)/node_modules $(TS)/dist
