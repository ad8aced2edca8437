# The README's commands: `make demo` (set up and start labdeck with an example workshop)
# and `make test` (set up and run every test). Both work on a fresh Debian machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PACKAGES := ./core $(patsubst %/pyproject.toml,./%,$(wildcard plugins/*/pyproject.toml))
APT_PACKAGES := chromium nodejs npm
DEMO_CONTENT ?= examples/workshop
PYTEST_ARGS ?=

.PHONY: demo test venv system-deps lint bench hub-demo clean

## Debian packages the tests drive (a real Chromium, node for front-end builds).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

## A virtualenv with core and every plugin installed as a user would: plain, non-editable wheels.
venv:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt $(PACKAGES) ./tests/plugin_example
	$(BIN)/pip install -q --disable-pip-version-check --force-reinstall --no-deps $(PACKAGES) ./tests/plugin_example

demo: system-deps venv
	WORKSHOP_DIR=$(DEMO_CONTENT) $(BIN)/labdeck serve

test: system-deps venv
	$(BIN)/ruff check .
	LABDECK_REQUIRE_BROWSER=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python tests/bench/run.py

clean:
	rm -rf $(VENV) build dist */*/build
