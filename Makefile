# `make run` and `make test` set up .venv on first use (Python 3.11), then run.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export PATH := $(abspath $(BIN)):$(PATH)
SHELL := bash
.SHELLFLAGS := -o pipefail -c

.PHONY: run test test-quick lint

# The exact versions of requirements.lock, then the project itself without resolving again.
$(BIN)/energy-forecast: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e '.[dev,team]'
	touch $@

# DVC ends every repro with advice to `dvc push`; this project sets no remote by default.
run: $(BIN)/energy-forecast
	dvc repro | { grep --line-buffered -v '^Use `dvc push`' || true; }

# Three workers on this machine's two cores, each taking whole modules: a module's servers and
# repositories are built once, and the third worker runs while another waits on a server or on
# the trained repository. The modules are handed out in the order tests/conftest.py sets, the
# longest first.
test: $(BIN)/energy-forecast
	pytest -q -n 3 --dist loadscope --no-loadscope-reorder

# No DVC pipeline, no server: the loop to run while editing.
test-quick: $(BIN)/energy-forecast
	pytest -q -m "not slow"

lint: $(BIN)/energy-forecast
	ruff check .
	ruff format --check src tests benchmarks
	mypy
