# Two commands for a fresh machine: `make run` serves the platform, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test bench validate lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/tierpoints packs validate
	$(BIN)/tierpoints db migrate
	$(BIN)/tierpoints packs sync
	$(BIN)/tierpoints serve

test: $(VENV)/.installed
	$(BIN)/python -m pytest

validate: $(VENV)/.installed
	$(BIN)/tierpoints packs validate

bench: $(VENV)/.installed
	$(BIN)/python bench/score.py
