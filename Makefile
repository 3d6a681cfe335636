# Quick start: `make demo` runs the portal with the stand-ins; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	PORTAL_DEMO=true $(BIN)/python manage.py demo

test: $(BIN)/.installed
	$(BIN)/ruff check .
	PORTAL_DEMO=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
