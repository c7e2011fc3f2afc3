# mcred — `make run` sets everything up and serves on 127.0.0.1:8000; `make test` runs all tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(BIN)/mcred init
	$(BIN)/mcred serve --host 127.0.0.1 --port 8000

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check $(wildcard app tests migrations scripts bench)

clean:
	rm -rf $(VENV) .pytest_cache
