# The two entry points of the README: `make lab` (the notebooks) and `make test` (the suite).
# Both set up everything they need from this repository's own files on a fresh machine.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: lab test sdk-venv browser bench sandbox clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,lab]"
	rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)

## The official SDK (Python 3.13 only) in its own venv, used by one interop test.
sdk-venv:
	bash scripts/setup-sdk-venv.sh

## Debian's chromium for the real-browser test (apt-get, so root; a no-op when it is installed).
browser:
	bash scripts/setup-browser.sh

## JupyterLab with the example notebooks; they run against the local sandbox unless credentials are set.
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --allow-root

## Everything CI runs.
test: $(STAMP) sdk-venv browser
	$(BIN)/python -m pytest

## Speed and memory figures (printed, not asserted).
bench: $(STAMP)
	for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

## A sandbox exchange on 127.0.0.1 (Ctrl-C to stop); add --write-env PATH to write a ready .env.
sandbox: $(STAMP)
	$(BIN)/python -m kalshi_nb.sandbox

clean:
	rm -rf $(VENV) .venv-sdk .pytest_cache .hypothesis build dist
