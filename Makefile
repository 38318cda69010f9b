# The two entry points of the README: `make lab` (the notebooks) and `make test` (the suite).
# Both set up everything they need from this repository's own files on a fresh machine.
#
#   make lab      JupyterLab with the notebooks (installs only what the notebooks need)
#   make test     everything CI runs: lint, types, doctests, the whole suite (needs root once for Debian's
#                 chromium, and a Python 3.13 for the official-SDK interop test)
#   make check    everything that needs neither chromium nor Python 3.13, as any user
#   make sandbox  a sandbox exchange on 127.0.0.1:$(SANDBOX_PORT) and a .env pointing kalshi_nb at it

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
HASH   := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
LAB_STAMP  := $(VENV)/.lab-$(HASH)
TEST_STAMP := $(VENV)/.test-$(HASH)
SANDBOX_PORT ?= 8765
LIGHT_TESTS := -m "not live and not browser and not sdk"

.PHONY: lab test check lint sdk-venv browser bench sandbox clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	rm -f $(VENV)/.lab-* && touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,lab,dev]"
	rm -f $(VENV)/.test-* && touch $@

## The official SDK (Python 3.13 only) in its own venv, used by one interop test.
sdk-venv:
	bash scripts/setup-sdk-venv.sh

## Debian's chromium for the real-browser test (apt-get, so root; a no-op when it is installed).
browser:
	bash scripts/setup-browser.sh

## JupyterLab with the example notebooks; they run against the local sandbox unless credentials are set.
lab: $(LAB_STAMP)
	@echo "JupyterLab is starting: open the http://127.0.0.1:8888/lab?token=... link it prints below."
	@echo "On a headless box: ssh -L 8888:127.0.0.1:8888 you@box, then open that link on your computer."
	@echo "Stop it with Ctrl-C (twice), or File > Shut Down in JupyterLab."
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --port=8888 --no-browser --allow-root

## Static checks: ruff (lint and format) and mypy on the package.
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy kalshi_nb

## Everything CI runs.
test: lint sdk-venv browser
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest --doctest-modules kalshi_nb

## Everything without chromium or Python 3.13 (no root needed); says what it leaves out.
check: lint
	@echo "make check: leaving out tests/browser (needs Debian's chromium: 'make browser' as root) and"
	@echo "            tests/sdk (needs Python 3.13 for the official SDK: 'make sdk-venv'); 'make test' runs all."
	$(BIN)/python -m pytest $(LIGHT_TESTS)
	$(BIN)/python -m pytest --doctest-modules kalshi_nb

## Speed and memory figures (printed, not asserted).
bench: $(TEST_STAMP)
	for f in bench/[!_]*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

## A sandbox exchange on 127.0.0.1:$(SANDBOX_PORT) (Ctrl-C to stop) that (re)writes .env to point at it.
sandbox: $(LAB_STAMP)
	$(BIN)/python -m kalshi_nb.sandbox --port $(SANDBOX_PORT) --write-env .env --force --activity 2

clean:
	rm -rf $(VENV) .venv-sdk .pytest_cache .hypothesis build dist
