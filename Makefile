# The two commands: `make serve` starts the service, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := constraints.txt

.PHONY: serve test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed-base: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install -q -c $(CONSTRAINTS) -e '.[dev,detoxify,onnx,server,train]'
	touch $@ $(VENV)/.installed-base

## Start the service: SQLite in ./instance, migrations applied, in-process worker.
serve: $(VENV)/.installed-base
	$(BIN)/moderation db upgrade
	$(BIN)/moderation serve

## Run the whole test suite (MODERATION_TEST_DATABASE_URL picks PostgreSQL).
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)
