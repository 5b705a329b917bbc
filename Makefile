# The two commands: `make run` and `make test`. Everything they need, they install.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PGDIR := .pgtest
REDISDIR := .redistest
# pytest-xdist workers: each has its own SQLite files and its own PostgreSQL databases.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup
export FLASK_APP := tracker

.PHONY: help install run test test-sqlite test-postgres lint assets system-packages clean

help:
	@echo "make run     install, migrate the embedded SQLite database, load the demo, serve on http://127.0.0.1:$(PORT)"
	@echo "make test    install everything (Python packages, chromium, postgresql) and run the whole suite"
	@echo "make assets  rebuild static/ from package.json (needs npm; the built files are committed)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	TRACKER_CONFIG=development $(BIN)/flask db upgrade
	TRACKER_CONFIG=development $(BIN)/flask tracker demo --if-empty
	@echo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	TRACKER_CONFIG=development $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

system-packages:
	bash scripts/ensure-system-packages.sh

lint: install
	$(BIN)/ruff check tracker tests $(wildcard bench) config.py wsgi.py
	$(BIN)/lint-imports
	$(BIN)/mypy

# The whole suite on SQLite (unit, integration, browser), then the integration tests on a
# throw-away PostgreSQL cluster. Any skipped test fails the run (see tests/conftest.py).
# One whole suite at a time on a machine: it already uses both cores, and two at once only
# make each slower (TEST_LOCK= turns the wait off).
TEST_LOCK ?= /tmp/sc-wres-tracker-test.lock
test: install system-packages lint
	$(if $(TEST_LOCK),flock $(TEST_LOCK)) $(MAKE) --no-print-directory test-sqlite test-postgres

# A throw-away Redis for both runs (two app hosts sharing their sign-in limits through it).
test-sqlite:
	bash scripts/redis-test-server.sh start $(REDISDIR)
	TEST_REDIS_URL=$$(bash scripts/redis-test-server.sh url $(REDISDIR)) $(PYTEST) tests; \
	  status=$$?; bash scripts/redis-test-server.sh stop $(REDISDIR); exit $$status

test-postgres:
	bash scripts/pg-test-cluster.sh start $(PGDIR)
	bash scripts/redis-test-server.sh start $(REDISDIR)
	TEST_DATABASE_URL=$$(bash scripts/pg-test-cluster.sh url $(PGDIR)) EXPECT_DATABASE=postgresql \
	  TEST_REDIS_URL=$$(bash scripts/redis-test-server.sh url $(REDISDIR)) \
	  $(PYTEST) tests/integration; \
	  status=$$?; bash scripts/pg-test-cluster.sh stop $(PGDIR); \
	  bash scripts/redis-test-server.sh stop $(REDISDIR); exit $$status

assets:
	bash scripts/build-assets.sh

clean:
	rm -rf $(VENV) instance $(PGDIR) $(REDISDIR) node_modules
