# Two commands for a newcomer: `make run` and `make test`. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export INNERSOURCE_DATA_DIR ?= data

.PHONY: run test install dev lint typecheck serve bench clean

$(BIN)/innersource: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

install: $(BIN)/innersource

$(VENV)/.dev: pyproject.toml $(BIN)/innersource
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

dev: $(VENV)/.dev

## make run: install, create the local database with the sample catalog, open the console
run: install
	$(BIN)/innersource db upgrade
	$(BIN)/innersource seed --if-empty
	$(BIN)/innersource console

## make test: install the development tools and run the whole test suite
test: dev
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: dev
	$(BIN)/mypy chatbot commands digests migrations tests

## make serve: run the Slack app (needs the SLACK_* variables, see README)
serve: install
	$(BIN)/innersource serve --migrate

clean:
	rm -rf $(VENV) build *.egg-info
