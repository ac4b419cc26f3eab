# Two promises: `make run` starts the product, `make test` proves it. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean migration

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/aftersales run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: lint
	$(BIN)/python -m pytest -q -p no:cacheprovider
	@if [ -n "$$AFTERSALES_TEST_DATABASE_URL" ]; then \
		echo "== again on $$AFTERSALES_TEST_DATABASE_URL"; \
		AFTERSALES_TEST_BACKEND=postgresql $(BIN)/python -m pytest -q -p no:cacheprovider; \
	fi

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache

# Regenerates the single initial migration from the models (until the first release).
migration: $(STAMP)
	rm -f /tmp/aftersales-migration.db storage/migrations/versions/0001_initial_schema.py
	$(BIN)/python -c "import asyncio; from aftersales.devtools import regenerate; from storage.db import create_engine; asyncio.run(regenerate(create_engine('sqlite+aiosqlite:////tmp/aftersales-migration.db')))"
	$(BIN)/ruff format -q storage/migrations
	$(BIN)/ruff check --fix -q storage/migrations
