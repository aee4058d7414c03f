# Tickwire: `make run` serves on 127.0.0.1:8000, `make test` runs every test.
# Both start with `make setup`, which is idempotent: a project-local .venv with the package
# and its test extras, and the browser bundle (npm ci + esbuild) once the web client exists.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB := client/web
ARGS ?=

.PHONY: setup run test lint bench clean

setup: $(STAMP) web

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

web:
	@if [ -f $(WEB)/package.json ]; then $(MAKE) --no-print-directory -C $(WEB) build; fi

run: setup
	$(BIN)/python -m server $(ARGS)

test: setup
	$(BIN)/python -m pytest $(ARGS)

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(WEB)/node_modules $(WEB)/dist
