# `make run` and `make test` work from a fresh clone: they create .venv and install first.
# Two stamps: serving needs only the runtime dependencies (`make run`); the tests and
# linters add the dev extra (`make test`, `make lint`). Either is redone when
# pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --quiet
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP     := $(VENV)/.installed-dev

.PHONY: install install-dev run test lint bench js clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "imgedge needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(PIP) -e '.[dev]'
	touch $@

install: $(RUNTIME_STAMP)

install-dev: $(DEV_STAMP)

run: $(RUNTIME_STAMP)
	$(BIN)/imgedge demo
	$(BIN)/imgedge serve

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The Locust load tests (README "Load tests"): seeds a scale catalog, starts its own edge
# and matcher worker (HOST=http://127.0.0.1:8080: `make run`'s edge instead), runs every
# scenario headless, writes var/loadtest/results/<time>/; exit 3 when a threshold of
# loadtests/slo.toml is missed. More: LOADTEST_ARGS="--shape ramp -u 200 -t 10m".
.PHONY: loadtest
loadtest: $(RUNTIME_STAMP)
	$(BIN)/pip install --quiet -e '.[loadtest]'
	$(BIN)/python -m loadtests.run $(if $(HOST),--host $(HOST)) $(LOADTEST_ARGS)

bench: $(DEV_STAMP)
	$(BIN)/python loadtests/bench_render.py

# The front-end package (clients/js): install from its lock file, type-check, test, build.
# `make test` runs the same through tests/clients/ (skipped there without node and npm).
js:
	cd clients/js && npm ci --no-audit --no-fund && npm run typecheck && npm test && npm run build

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
