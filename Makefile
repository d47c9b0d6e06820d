# Two commands do everything on a fresh machine:
#   make run    install, build and start JupyterLab on workspace/, a working copy of examples/
#   make test   install and run every test: lint, Jest, Galata (Chromium) and pytest
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV ?= .venv
PYTHON ?= python3
PORT ?= 8888
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
STAMP := $(VENV)/.installed
# The folder `make run` serves: a copy of the demo in examples/, made on the first run and kept
# between runs (git ignores it), so that the tracked notebooks stay as they are.
WORKSPACE ?= workspace

.PHONY: install system-deps run test test-python test-js test-ui lint bench clean

# Debian packages the tests use: Chromium for Galata and PostgreSQL for warehouse tests.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql >/dev/null; \
	  else echo "install Debian's chromium and postgresql (sudo apt-get install chromium postgresql)"; exit 1; fi; \
	fi

$(STAMP): pyproject.toml package.json yarn.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test,dev]"
	$(BIN)/jupyter labextension develop --overwrite . >/dev/null
	$(BIN)/jlpm build
	touch $@

install: $(STAMP)

$(WORKSPACE):
	$(PYTHON) -c 'import shutil, sys; shutil.copytree("examples", sys.argv[1], \
	  ignore=shutil.ignore_patterns(".*", "*.duckdb", "*.duckdb.wal"))' $@

run: install | $(WORKSPACE)
	@TOKEN=$${DATAOPS_LAB_TOKEN:-$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(16))')}; \
	echo ""; echo "JupyterLab with dataops-jupyter on $(WORKSPACE)/ (a working copy of examples/):"; \
	echo "    http://127.0.0.1:$(PORT)/lab?token=$$TOKEN"; echo ""; \
	exec $(BIN)/jupyter lab --no-browser --port $(PORT) --ServerApp.root_dir=$(WORKSPACE) \
	  --IdentityProvider.token=$$TOKEN $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

lint: install
	$(BIN)/ruff check dataops_jupyter kernel_magics tests bench
	$(BIN)/ruff format --check dataops_jupyter kernel_magics tests bench
	$(BIN)/mypy
	$(BIN)/jlpm lint:check

test-js: install
	$(BIN)/jlpm test

test-ui: install system-deps
	cd ui-tests && $(BIN)/jlpm install && $(BIN)/jlpm test

test-python: install system-deps
	$(BIN)/python -m pytest

# pytest runs last so that its summary line closes the output.
test: lint test-js test-ui test-python

# Every benchmark with its baselines (dlt, duckdb_engine and pandera come with the bench extra;
# bench/contracts.py installs datacontract-cli into its own environment under bench/.cache/).
bench: install
	$(BIN)/python -m pip install -q -e ".[bench]"
	$(BIN)/python bench/run_overhead.py --runs 9
	$(BIN)/python bench/ingest.py --rows 1000000 --runs 5
	$(BIN)/python bench/control_service.py --jobs 500 --minutes 2 --postgres
	$(BIN)/python bench/control_service_throughput.py
	$(BIN)/python bench/contracts.py --rows 5000000 --runs 5

clean:
	rm -rf $(VENV) node_modules lib dataops_jupyter/labextension ui-tests/node_modules
