# kpcs: `make run` serves the app on the embedded database; `make test` runs every test.
# Everything a fresh machine needs is installed from here (Python packages into .venv,
# Debian's postgresql and chromium packages for the tests).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# apt-get needs root; use sudo when not root (CI and dev machines run as root here).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends
# Two workers: the machine has two cores. Override with `make test PYTEST_ARGS=...`.
PYTEST_ARGS ?= -n 2
# `make bench ONLY=analysis` (or ONLY=certificates, ONLY=cli, ONLY=dashboard, ONLY=detection, ONLY=flood, ONLY=photos, ONLY=uploads) measures one area again and keeps the other rows.
ONLY ?=

.PHONY: install run test fuzz bench lint test-deps clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

run: install
	$(BIN)/kpcs db upgrade
	$(BIN)/kpcs demo seed
	@echo "kpcs is starting on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(BIN)/kpcs serve --host $(HOST) --port $(PORT)

# Debian's PostgreSQL (a throwaway cluster is started by the tests themselves), Chromium
# (driven by Playwright; never a downloaded browser) and SoftHSM2 (the PKCS#11 token the
# tests of keys in a hardware module create in a temporary directory).
test-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		echo "installing Debian's postgresql package"; \
		$(SUDO) apt-get update -q && $(APT_INSTALL) postgresql; \
	fi
	@if ! command -v chromium >/dev/null 2>&1; then \
		echo "installing Debian's chromium package"; \
		$(SUDO) apt-get update -q && $(APT_INSTALL) chromium; \
	fi
	@if [ ! -f /usr/lib/softhsm/libsofthsm2.so ] || ! command -v softhsm2-util >/dev/null 2>&1; then \
		echo "installing Debian's softhsm2 package"; \
		$(SUDO) apt-get update -q && $(APT_INSTALL) softhsm2; \
	fi

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

test: install test-deps lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Schemathesis against every API operation, as every caller, on SQLite and PostgreSQL, with
# many more examples than `make test` runs (10 per operation, derandomised), drawn anew each
# run: about 10 minutes on two cores; `make fuzz FUZZ_EXAMPLES=1000` for more.
FUZZ_EXAMPLES ?= 200
fuzz: install test-deps
	KPCS_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider --timeout=3600 tests/contract/test_schemathesis.py

bench: install test-deps
	@if ! command -v wrk >/dev/null 2>&1; then \
		echo "installing Debian's wrk package (HTTP load generator)"; \
		$(SUDO) apt-get update -q && $(APT_INSTALL) wrk; \
	fi
	@if ! /sbin/ldconfig -p | grep -q 'libsodium\.so'; then \
		echo "installing Debian's libsodium23 (the Ed25519 verification kpcs measures)"; \
		$(SUDO) apt-get update -q && $(APT_INSTALL) libsodium23; \
	fi
	$(BIN)/python -m benchmarks.run $(ONLY)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
