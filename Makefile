# `make run` and `make test` work from a fresh clone: they create .venv and install first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test lint bench js clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "imgedge needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/imgedge demo
	$(BIN)/imgedge serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The Locust load tests (README "Load tests"): seeds a scale catalog, starts its own edge
# and matcher worker (HOST=http://127.0.0.1:8080: `make run`'s edge instead), runs every
# scenario headless, writes var/loadtest/results/<time>/; exit 3 when a threshold of
# loadtests/slo.toml is missed. More: LOADTEST_ARGS="--shape ramp -u 200 -t 10m".
.PHONY: loadtest
loadtest: $(STAMP)
	$(BIN)/pip install --quiet -e '.[loadtest]'
	$(BIN)/python -m loadtests.run $(if $(HOST),--host $(HOST)) $(LOADTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python loadtests/bench_render.py

# The front-end package (clients/js): install from its lock file, type-check, test, build.
# `make test` runs the same through tests/clients/ (skipped there without node and npm).
js:
	cd clients/js && npm ci --no-audit --no-fund && npm run typecheck && npm test && npm run build

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
