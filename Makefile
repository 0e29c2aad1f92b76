# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-sqlite test-postgresql postgresql lint clean sandbox

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

# With TELEGRAM_BOT_TOKEN (environment or .env): the real bot. Without: the demo console.
run: $(STAMP)
	$(BIN)/python -m bot run --sandbox-without-token

# The demo and training console in a browser (http://127.0.0.1:8080, SANDBOX_PORT): no token.
sandbox: $(STAMP)
	$(BIN)/python -m bot sandbox

# The browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

$(CHROMIUM):
	@echo "Installing Debian's chromium for the browser tests (tests/test_sandbox.py)"
	$(SUDO) apt-get install -y chromium || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

# The suite runs twice: on SQLite, then on a throw-away PostgreSQL server that tests/pg.py starts
# itself from Debian's server binaries (initdb, pg_ctl; unaccent and pg_trgm from contrib).
PG_INITDB = $(firstword $(wildcard /usr/lib/postgresql/*/bin/initdb))

postgresql:
ifeq ($(PG_INITDB),)
	@echo "Installing Debian's postgresql for the PostgreSQL run of the tests (tests/pg.py)"
	$(SUDO) apt-get install -y postgresql postgresql-contrib || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y postgresql postgresql-contrib)
endif

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# Each run spreads its tests over TEST_WORKERS processes (pytest-xdist); each PostgreSQL worker
# starts its own throw-away server.
TEST_WORKERS ?= 2
PYTEST = $(BIN)/pytest -n $(TEST_WORKERS)

test: lint $(CHROMIUM) postgresql
	$(PYTEST)
	ADUAN_TEST_DB=postgresql $(PYTEST)

# One database only (after lint): `make test-sqlite`, `make test-postgresql`.
test-sqlite: lint $(CHROMIUM)
	$(PYTEST)

test-postgresql: lint $(CHROMIUM) postgresql
	ADUAN_TEST_DB=postgresql $(PYTEST)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
