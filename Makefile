# Tickwire: `make run` serves on 127.0.0.1:8000, `make test` runs every test.
# Both start with `make setup`, which is idempotent: a project-local .venv with the package
# and its test extras, and the browser bundle (npm ci + esbuild) once the web client exists.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB := client/web
ARGS ?=
SHAPES ?= S1,S2,S2C,S3
BENCH_NODE := bench/node_modules/.installed

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

# the load generator's packages too: a test runs it against a two-node cluster
test: setup lint $(BENCH_NODE)
	$(BIN)/python -m pytest $(ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy server shared client

# `make bench [SHAPES=S2] [ARGS=--quick]`: see bench/README.md.
bench: setup $(BENCH_NODE)
	$(BIN)/python -m bench --shapes $(SHAPES) $(ARGS)

# Not `npm ci`: the registry has no macOS/Windows builds of msgpackr-extract (an optional
# dependency of Colyseus), so the lock cannot list them and `npm ci` calls it out of sync.
# `npm install --no-save` installs the lock's exact versions and leaves the lock untouched.
$(BENCH_NODE): bench/package.json bench/package-lock.json
	cd bench && npm install --no-save --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) $(WEB)/node_modules $(WEB)/dist
