# The README's commands: `make demo` (set up and start labdeck with an example workshop)
# and `make test` (set up and run every test). Both work on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PACKAGES := ./core $(patsubst %/pyproject.toml,./%,$(wildcard plugins/*/pyproject.toml))
DEMO_CONTENT ?= examples/workshop
# not labdeck's default 10080: Chrome and Chromium refuse to open that port (ERR_UNSAFE_PORT)
DEMO_PORT ?= 8080
PYTEST_ARGS ?=
# what the packages are built from: a change here (and only here) means installing again
PACKAGE_SOURCES := $(shell find core plugins testing tests/plugin_example -type f \
	-not -path '*/tests/*' -not -path '*/node_modules/*' -not -path '*/static/vendor/*' \
	-not -path '*/__pycache__/*' -not -path '*/build/*' -not -name '*.egg-info' 2>/dev/null)

.PHONY: demo test venv dev a11y-deps system-deps lint docs bench bench-deps hub-demo clean

## Debian packages the tests drive (a real Chromium; node and npm for front-end builds; as
## root, buildah and debootstrap for the image tests), installed only when their command is missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ "$$(id -u)" = 0 ]; then \
	  command -v buildah >/dev/null || missing="$$missing buildah"; \
	  command -v debootstrap >/dev/null || missing="$$missing debootstrap"; \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## A virtualenv with core and every plugin installed as a user would: plain, non-editable wheels,
## installed again only when a package's files changed since the last install (stamp files).
venv: $(VENV)/.installed

$(VENV)/.installed: $(PACKAGE_SOURCES) Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check $(PACKAGES)
	$(BIN)/pip install -q --disable-pip-version-check --force-reinstall --no-deps $(PACKAGES)
	@touch $@

## ... plus the test tools and the throwaway plugin the tests discover through its entry point.
dev: $(VENV)/.dev

$(VENV)/.dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check ./testing
	$(BIN)/pip install -q --disable-pip-version-check --force-reinstall --no-deps ./testing ./tests/plugin_example
	@touch $@

## axe-core (npm) for the accessibility tests, from tests/a11y/package-lock.json
a11y-deps: tests/a11y/node_modules/.package-lock.json

tests/a11y/node_modules/.package-lock.json: tests/a11y/package-lock.json
	cd tests/a11y && npm ci --no-audit --no-fund --silent

demo: system-deps venv
	WORKSHOP_DIR=$(DEMO_CONTENT) $(BIN)/labdeck serve --port $(DEMO_PORT)

test: system-deps dev a11y-deps
	$(BIN)/ruff check .
	LABDECK_REQUIRE_BROWSER=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: dev
	$(BIN)/ruff check .

## docs/configuration.md's settings tables, from `labdeck settings --markdown` (a test checks them)
docs: dev
	$(BIN)/python docs/gen_settings.py

## What the benchmarks measure labdeck against: wrk (the load) and nginx (upstream and a peer),
## from Debian when missing, and configurable-http-proxy from tests/bench/package-lock.json.
bench-deps: system-deps tests/bench/node_modules/.package-lock.json
	@missing=""; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

tests/bench/node_modules/.package-lock.json: tests/bench/package-lock.json
	cd tests/bench && npm ci --no-audit --no-fund --silent

bench: dev bench-deps
	for bench in tests/bench/bench_*.py; do $(BIN)/python $$bench || exit 1; done

## A multi-user hub on this machine (JupyterHub + SimpleLocalProcessSpawner): see docs/multi-user.md
hub-demo: system-deps
	images/hub/demo.sh

clean:
	rm -rf $(VENV) build dist */*/build
