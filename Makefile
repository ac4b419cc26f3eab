# Two promises: `make run` starts the product, `make test` proves it. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench clean migration docs chromium image-check

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# With a bot token (environment or .env) the real bot; without one the local sandbox.
run: $(STAMP)
	@if [ -n "$$AFTERSALES_BOT_TOKEN" ] || grep -Eqs \
		'^[[:space:]]*(export[[:space:]]+)?AFTERSALES_BOT_TOKEN=["'"'"']?[^[:space:]#"'"'"']' .env; \
	then exec $(BIN)/aftersales run; \
	else echo "No AFTERSALES_BOT_TOKEN in the environment or .env: starting the sandbox."; \
		exec $(BIN)/aftersales demo; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

# The suite starts Python many times (its workers, the bot and CLI processes it drives): each
# reuses the bytecode of the last (__pycache__, ignored by git), even where the machine sets
# PYTHONDONTWRITEBYTECODE. Not a PYTHONPYCACHEPREFIX: Python then ignores the bytecode the
# standard library and the venv's packages were installed with, and a clean clone compiled
# all of it once more (~40 s of a first run).
test: export PYTHONDONTWRITEBYTECODE :=
test: lint chromium
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2
	@if [ -n "$$AFTERSALES_TEST_DATABASE_URL" ]; then \
		echo "== again on $$AFTERSALES_TEST_DATABASE_URL"; \
		AFTERSALES_TEST_BACKEND=postgresql $(BIN)/python -m pytest -q -p no:cacheprovider -n 2; \
	fi

# Benchmarks (not timed tests): writes bench/results/latest.json and latest.md. PostgreSQL runs
# too when AFTERSALES_BENCH_DATABASE_URL (or AFTERSALES_TEST_DATABASE_URL) is set.
bench: $(STAMP)
	$(BIN)/python -m bench.run --size full

# Builds deploy/Dockerfile and runs the image against the sandbox Bot API (needs a Docker engine
# and the python:3.11-slim base image; not part of `make test`).
image-check: $(STAMP)
	PYTHONPATH=. $(BIN)/python deploy/check_image.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache

# Regenerates the single initial migration from the models (until the first release).
migration: $(STAMP)
	rm -f /tmp/aftersales-migration.db storage/migrations/versions/0001_initial_schema.py
	$(BIN)/python -c "import asyncio; from aftersales.devtools import regenerate; from storage.db import create_engine; asyncio.run(regenerate(create_engine('sqlite+aiosqlite:////tmp/aftersales-migration.db')))"
	$(BIN)/ruff format -q storage/migrations
	$(BIN)/ruff check --fix -q storage/migrations

# Rewrites .env.example and the README's settings table from the Settings class.
docs: $(STAMP)
	$(BIN)/python -c "from aftersales.devtools import write_docs; write_docs()"

# The browser tests drive Debian's Chromium (never a downloaded browser build); a CJK font and a
# colour emoji font make the screenshots in test-artifacts/ readable (no boxes for 中文 or 🔧).
CHROMIUM_PACKAGES := chromium fonts-wqy-microhei fonts-noto-color-emoji
chromium:
	@test -x /usr/bin/chromium && dpkg -s $(CHROMIUM_PACKAGES) >/dev/null 2>&1 || { \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(CHROMIUM_PACKAGES); }
