# mcred — `make run` sets everything up and serves on 127.0.0.1:8000; `make test` runs all tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

INTEROP := tests/interop

.PHONY: setup interop run test-prerequisites test lint i18n bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(BIN)/mcred init
	$(BIN)/mcred serve --host 127.0.0.1 --port 8000

# Test-only: Digital Bazaar's Data Integrity libraries (Node.js) to cross-verify proofs.
interop: $(INTEROP)/node_modules/.installed

$(INTEROP)/node_modules/.installed: $(INTEROP)/package-lock.json
	@command -v npm >/dev/null || { echo "make: Node.js and npm are needed for the interop tests: apt-get install nodejs npm" >&2; exit 1; }
	cd $(INTEROP) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# System packages the tests need (Chromium, Node.js, npm): one line and exit 1 if one is missing.
test-prerequisites:
	@PYTHON=$(PYTHON) VENV=$(VENV) sh scripts/check_test_prerequisites.sh

# The check runs before anything is installed, also under `make -j`.
test: test-prerequisites
	@$(MAKE) --no-print-directory setup interop
	$(BIN)/pytest

# Re-extract the page texts into app/web/locales/messages.pot and merge them into each .po.
i18n: setup
	PYTHON=$(BIN)/python sh scripts/i18n.sh

lint: setup
	$(BIN)/ruff check $(wildcard app tests migrations scripts bench)

clean:
	rm -rf $(VENV) .pytest_cache $(INTEROP)/node_modules
